// The README's first command on a fresh clone: the tracked files copied into a temporary folder,
// `npm start` run there as a user runs it (it installs the npm dependencies itself), through the
// first pods Running; then `npm run demo:scale -- 0` empties the cluster, Ctrl-C stops the demo
// and removes its state, and `demo:scale` then says no demo is running. The local cluster's
// binaries come from the already-built cache (TENON_TESTENV_CACHE), so this adds an `npm ci` and a
// demo run to the suite: about 3 to 4 minutes on a small machine.
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, describe, it } from "node:test";
import { cacheDir, ensureBuilt, repoRoot } from "../env/paths.js";
import { logProblems } from "../kit/logs.js";

const TimeoutMs = 12 * 60_000;

/** The checkout as git would clone it, with the working tree's edits: every tracked file, copied. */
function freshCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), "tenon-fresh-"));
  const files = spawnSync("git", ["ls-files", "-z"], { cwd: repoRoot, encoding: "utf8" }).stdout.split("\0").filter(Boolean);
  for (const f of files) {
    if (!existsSync(join(repoRoot, f))) continue;
    mkdirSync(dirname(join(dir, f)), { recursive: true });
    copyFileSync(join(repoRoot, f), join(dir, f));
  }
  return dir;
}

/** Collects a child's output and resolves waits on it. */
class Output {
  text = "";
  private waiters: { re: RegExp; from: number; resolve: (m: RegExpMatchArray) => void }[] = [];

  constructor(child: ChildProcess) {
    const add = (chunk: Buffer) => {
      this.text += chunk.toString();
      for (const w of [...this.waiters]) {
        const m = this.text.slice(w.from).match(w.re);
        if (m) {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.resolve(m);
        }
      }
    };
    child.stdout!.on("data", add);
    child.stderr!.on("data", add);
  }

  /** Resolves when the output after `from` matches. */
  wait(re: RegExp, from = 0): Promise<RegExpMatchArray> {
    const m = this.text.slice(from).match(re);
    if (m) return Promise.resolve(m);
    return new Promise((resolve) => this.waiters.push({ re, from, resolve }));
  }
}

describe("the README's first command on a fresh clone", { timeout: TimeoutMs }, () => {
  ensureBuilt();
  const dir = freshCopy();
  const env: NodeJS.ProcessEnv = { ...process.env, TENON_TESTENV_CACHE: cacheDir, DEMO_REPLICAS: "3", FORCE_COLOR: "0" };
  delete env.KUBECONFIG;
  let demo: ChildProcess | undefined;
  after(() => {
    // The demo runs in its own process group, as under a terminal: the group gets the signal.
    if (demo?.pid !== undefined && demo.exitCode === null && demo.signalCode === null) {
      try {
        process.kill(-demo.pid, "SIGKILL");
      } catch {
        // the group is gone already
      }
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it("`npm start` installs, starts the demo and runs its pods; scale to 0 empties it; Ctrl-C cleans up", async () => {
    const started = Date.now();
    demo = spawn("npm", ["start"], { cwd: dir, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    const exited = new Promise<number | null>((resolve) => demo!.on("exit", (code) => resolve(code)));
    const out = new Output(demo);
    const failed = exited.then((code) => assert.fail(`npm start exited (${code}) early:\n${out.text.slice(-4000)}`));

    await Promise.race([out.wait(/installing the npm dependencies/), failed]);
    // npm 11 skips dependencies' install scripts it was not told about, and says so; package.json's
    // allowScripts records that esbuild's is not needed (its binary comes from its platform package).
    await Promise.race([out.wait(/added \d+ packages/), failed]);
    await Promise.race([out.wait(/all 3 pods running/), failed]);
    assert.doesNotMatch(out.text, /npm warn install-scripts/);
    const running = Date.now() - started;
    const logPath = (await out.wait(/log (\S+tenon-controller\.log)/))[1]!;

    const before = out.text.length;
    const scaled = spawnSync("npm", ["run", "--silent", "demo:scale", "--", "0"], { cwd: dir, env, encoding: "utf8" });
    assert.equal(scaled.status, 0, scaled.stderr);
    assert.match(scaled.stdout, /scaled deployment\/inflate to 0/);
    // The NodePool consolidates: its empty node is disrupted, with the reason shown, and goes.
    await Promise.race([out.wait(/Empty: delete/, before), failed]);
    await Promise.race([out.wait(/nodeclaims 0 · cost \$0\.0000\/hour/, before), failed]);
    const emptied = Date.now() - started - running;

    // The controller's log, as a log store reads it: one JSON object per line, no key twice, no watch failures at start.
    const log = readFileSync(logPath, "utf8");
    assert.deepEqual(logProblems(log), []);
    assert.doesNotMatch(log, /watch failed, restarting/);
    assert.match(log, /"message":"created nodeclaim"/);
    assert.match(log, /"reason":"Empty"[^\n]*"message":"disrupting node\(s\) via empty"/);

    process.kill(-demo.pid!, "SIGINT");
    await exited;
    assert.equal(existsSync(join(dir, ".cache", "demo", "state.json")), false, "Ctrl-C removes the demo's state");
    const after = spawnSync("npm", ["run", "--silent", "demo:scale", "--", "3"], { cwd: dir, env, encoding: "utf8" });
    assert.equal(after.status, 1);
    assert.match(after.stderr, /no demo is running/);
    console.log(`fresh clone: pods running ${(running / 1000).toFixed(0)}s after npm start (npm ci included), cluster empty ${(emptied / 1000).toFixed(0)}s after scale to 0`);
  });
});
