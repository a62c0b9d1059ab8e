# tenon controller image: the compiled TypeScript and its production dependencies on a distroless
# Node.js 22 (an LTS release), running as non-root, with no shell and no package manager.
#
#   docker build -t tenon:dev .
#   docker buildx build --platform linux/amd64,linux/arm64 -t <registry>/tenon:<tag> --push .
FROM --platform=$BUILDPLATFORM node:22-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
# --ignore-scripts: nothing the build needs runs at install time (esbuild's binary comes from its platform package).
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY scripts/copy-assets.mjs ./scripts/
# The output is plain JavaScript, the same for every target platform; only the runtime layer differs.
RUN npm run build && npm prune --omit=dev --ignore-scripts

FROM gcr.io/distroless/nodejs22-debian12:nonroot
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY package.json ./
# distroless's nonroot user; the chart's securityContext asks for the same.
USER 65532:65532
EXPOSE 8080 8081
ENTRYPOINT ["/nodejs/bin/node", "dist/cli/main.js"]
CMD ["controller"]
