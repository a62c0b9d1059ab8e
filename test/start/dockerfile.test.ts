// The Dockerfile's steps, followed without a container engine (none runs on the test machines):
// its build stage's COPY and RUN lines are carried out in a temporary folder holding only what
// they copy from the checkout, its final stage's COPY lines assemble the image's /app, and the
// entry point runs from there. This catches what a real `docker build` of a clean checkout would
// hit first: a file the build needs but the Dockerfile does not copy, a runtime import of a
// development dependency (pruned), an asset left out of dist/. The base images themselves (and
// the distroless runtime) are not exercised: the host's Node.js stands in for /nodejs/bin/node.
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { repoRoot } from "../env/paths.js";

interface Stage {
  name: string;
  workdir: string;
  steps: ({ kind: "copy"; from?: string; sources: string[]; dest: string } | { kind: "run"; command: string })[];
  entrypoint: string[];
  cmd: string[];
  user?: string;
}

/** The Dockerfile's stages; instructions this test cannot follow fail it by name. */
function readDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  // Continuation lines joined, comments dropped, as docker reads them.
  const lines = text.replace(/\\\n/g, " ").split("\n").map((l) => l.trim()).filter((l) => l !== "" && !l.startsWith("#"));
  for (const line of lines) {
    const [instruction = "", ...rest] = line.split(/\s+/);
    const args = rest.join(" ");
    const stage = stages.at(-1);
    switch (instruction.toUpperCase()) {
      case "FROM": {
        const m = /\bAS\s+(\S+)\s*$/i.exec(args);
        stages.push({ name: m?.[1] ?? String(stages.length), workdir: "/", steps: [], entrypoint: [], cmd: [] });
        break;
      }
      case "WORKDIR":
        stage!.workdir = args;
        break;
      case "COPY": {
        const words = args.split(/\s+/);
        const from = words.find((w) => w.startsWith("--from="))?.slice("--from=".length);
        const paths = words.filter((w) => !w.startsWith("--"));
        stage!.steps.push({ kind: "copy", from, sources: paths.slice(0, -1), dest: paths.at(-1)! });
        break;
      }
      case "RUN":
        stage!.steps.push({ kind: "run", command: args });
        break;
      case "ENTRYPOINT":
        stage!.entrypoint = JSON.parse(args) as string[];
        break;
      case "CMD":
        stage!.cmd = JSON.parse(args) as string[];
        break;
      case "USER":
        stage!.user = args;
        break;
      case "ENV":
      case "EXPOSE":
      case "ARG":
      case "LABEL":
        break;
      default:
        throw new Error(`Dockerfile: ${instruction} is not followed by this test; teach it or keep the Dockerfile to COPY/RUN/WORKDIR/ENTRYPOINT/CMD`);
    }
  }
  return stages;
}

/** A path inside a stage's folder on the host: the stage's root stands for "/". */
function inStage(root: string, workdir: string, p: string): string {
  return join(root, p.startsWith("/") ? p : join(workdir, p));
}

describe("the Dockerfile, step by step", { timeout: 10 * 60_000 }, () => {
  const work = mkdtempSync(join(tmpdir(), "tenon-image-"));
  after(() => rmSync(work, { recursive: true, force: true }));

  it("builds a clean checkout into an /app whose entry point runs, with production dependencies only and a non-root USER", () => {
    const stages = readDockerfile(readFileSync(join(repoRoot, "Dockerfile"), "utf8"));
    assert.equal(stages.length, 2, "a build stage and a runtime stage");
    const roots = new Map<string, string>();
    for (const stage of stages) {
      const root = join(work, stage.name);
      roots.set(stage.name, root);
      mkdirSync(inStage(root, "/", stage.workdir), { recursive: true });
      for (const step of stage.steps) {
        if (step.kind === "run") {
          // The build stage's commands run as they would in the container: in its WORKDIR, with the npm on PATH.
          const r = spawnSync("sh", ["-c", step.command], { cwd: inStage(root, "/", stage.workdir), encoding: "utf8", env: { ...process.env, NODE_ENV: undefined } });
          assert.equal(r.status, 0, `RUN ${step.command} failed:\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`);
          continue;
        }
        const fromRoot = step.from === undefined ? repoRoot : roots.get(step.from);
        assert.ok(fromRoot, `COPY --from=${step.from}: no such stage`);
        for (const source of step.sources) {
          const src = step.from === undefined ? join(repoRoot, source) : inStage(fromRoot, "/", source);
          assert.ok(existsSync(src), `COPY ${source}: not there (${step.from === undefined ? "in the checkout" : `in stage ${step.from}`})`);
          const dest = inStage(root, stage.workdir, step.dest);
          const target = step.dest.endsWith("/") && step.sources.length >= 1 && !source.endsWith("/") ? join(dest, source.split("/").at(-1)!) : dest;
          mkdirSync(join(target, ".."), { recursive: true });
          cpSync(src, target, { recursive: true, dereference: false });
        }
      }
    }

    const runtime = stages.at(-1)!;
    assert.equal(runtime.user, "65532:65532", "the image runs as distroless's nonroot user");
    const app = inStage(roots.get(runtime.name)!, "/", runtime.workdir);
    // Only production dependencies: the pruned tree has neither the compiler nor the test runner.
    for (const dev of ["typescript", "tsx", "eslint", "fast-check"]) assert.equal(existsSync(join(app, "node_modules", dev)), false, `${dev} is a development dependency`);

    const [node, ...entry] = runtime.entrypoint;
    assert.equal(node, "/nodejs/bin/node");
    const run = (args: string[]) =>
      execFileSync(process.execPath, [...entry, ...args], { cwd: app, encoding: "utf8", env: { PATH: process.env.PATH, NODE_ENV: "production", HOME: "/nonexistent" } });
    const { version } = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { version: string };
    assert.equal(run(["--version"]).trim(), version);
    // The default command is the controller; its help lists the settings the chart passes.
    assert.deepEqual(runtime.cmd, ["controller"]);
    assert.match(run([...runtime.cmd, "--help"]), /--cluster-name/);
    // The solver and the bundled catalog are in the image: an offline plan works from /app.
    const examples = join(work, "examples");
    cpSync(join(repoRoot, "examples", "basic"), examples, { recursive: true });
    assert.match(run(["simulate", examples]), /NodeClaims to create: 1/);
  });
});
