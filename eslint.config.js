import js from "@eslint/js";
import tseslint from "typescript-eslint";

const restrict = (files, patterns, ignores = ["**/*.test.ts"]) => ({
  files,
  ignores,
  rules: { "@typescript-eslint/no-restricted-imports": ["error", { patterns }] },
});
const clients = [
  { group: ["@kubernetes/client-node"], allowTypeImports: true, message: "pure code takes plain objects: import only types from the Kubernetes client" },
  { group: ["@aws-sdk/*"], message: "pure code does not talk to AWS" },
  { group: ["node:fs", "node:fs/*", "node:net", "node:http", "node:https", "node:child_process"], message: "pure code does no I/O" },
];
const edges = [
  { group: ["**/controllers/**", "**/operator/**", "**/cli/**"], message: "the pure cores may not import controllers, the operator or the CLI" },
  { group: ["**/state/cluster*", "**/state/store*"], message: "the pure cores read the cluster model, not the watches" },
  { group: ["**/cloudprovider/aws/**"], message: "only the AWS provider and the wiring import AWS code" },
];
const testCode = [{ group: ["**/test/**", "**/*.test.js"], message: "shipped code may not import test code (test/ stays out of dist/)" }];

function layerRules() {
  return [
    // Everything shipped: never test code.
    restrict(["src/**/*.ts"], testCode),
    // The leaf library: nothing of the project's.
    restrict(["src/core/**/*.ts"], [...clients, ...testCode, { group: ["../*"], message: "src/core is the leaf library: it imports nothing of the project" }]),
    // The API types: only the leaf library.
    restrict(["src/apis/**/*.ts"], [...clients, ...testCode, { group: ["**/controllers/**", "**/operator/**", "**/cli/**", "**/cloudprovider/**", "**/scheduling/**", "**/disruption/**", "**/state/**"], message: "src/apis depends only on src/core" }], ["**/*.test.ts", "src/apis/crd/generate.ts"]),
    // The pure cores.
    restrict(["src/scheduling/**/*.ts", "src/disruption/**/*.ts"], [...clients, ...edges, ...testCode]),
    // The fake cloud provider is provider-neutral.
    restrict(["src/cloudprovider/fake/**/*.ts", "src/cloudprovider/types.ts", "src/cloudprovider/errors.ts"], [...testCode, { group: ["**/aws/**", "@aws-sdk/*"], message: "the fake provider and the CloudProvider seam know nothing of AWS" }]),
  ];
}

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", ".cache/", "crds/", "charts/", "coverage/"] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    languageOptions: { globals: { process: "readonly", console: "readonly", setTimeout: "readonly", clearTimeout: "readonly", setInterval: "readonly", clearInterval: "readonly", Buffer: "readonly", URL: "readonly" } },
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/no-non-null-assertion": "off",
      "@typescript-eslint/consistent-type-imports": "error",
      "no-constant-condition": ["error", { checkLoops: false }],
    },
  },
  // The layers (DESIGN.md): a leaf algebra, pure cores, one seam to the cloud, thin edges.
  ...layerRules(),
);
