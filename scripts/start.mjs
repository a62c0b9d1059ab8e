// `npm start` on any checkout, fresh or not: installs the npm dependencies if they are missing or
// older than package-lock.json, builds the local cluster's binaries on first use (minutes: each
// step is printed as it starts), then runs the demo (scripts/demo.ts). Plain Node, no
// dependencies, since it runs before they are installed.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const step = (msg) => console.log(`\n==> ${msg}`);
const npm = process.platform === "win32" ? "npm.cmd" : "npm";

function run(cmd, args, what) {
  const res = spawnSync(cmd, args, { cwd: root, stdio: "inherit" });
  if (res.status !== 0) {
    console.error(`\n${what} failed (exit ${res.status ?? res.signal}); the output above says why.`);
    process.exit(res.status || 1);
  }
}

/** npm ci records what it installed in node_modules/.package-lock.json; older than the lock file means stale. */
function dependenciesCurrent() {
  const installed = join(root, "node_modules", ".package-lock.json");
  if (!existsSync(installed) || !existsSync(join(root, "node_modules", "tsx"))) return false;
  return statSync(installed).mtimeMs >= statSync(join(root, "package-lock.json")).mtimeMs;
}

if (!dependenciesCurrent()) {
  step("installing the npm dependencies (npm ci; first run only)");
  run(npm, ["ci", "--no-audit", "--no-fund"], "npm ci");
}

// Which binaries are missing, as test/env/paths.ts sees them; built one by one so each is a visible step.
const probe = spawnSync(process.execPath, ["--import", "tsx", "-e", 'import("./test/env/paths.ts").then((p) => console.log(p.missingTargets(["etcd", "kubernetes", "kwok", "moto", "helm"]).join(" ")))'], {
  cwd: root,
  encoding: "utf8",
});
if (probe.status !== 0) {
  console.error(probe.stderr);
  process.exit(1);
}
const missing = probe.stdout.trim().split(/\s+/).filter(Boolean);
if (missing.length > 0) {
  const what = {
    kubernetes: "kube-apiserver, kube-scheduler, kube-controller-manager and kubectl from the Go module proxy (the long one: 10 to 30 minutes on a small machine)",
    etcd: "etcd from the Go module proxy (a few minutes)",
    kwok: "kwok, which plays the kubelets, from the Go module proxy (a few minutes)",
    helm: "helm, to render the chart's RBAC (a few minutes)",
    moto: "moto, standing in for EC2, IAM, SSM, SQS and EKS, from PyPI into a virtualenv (a minute)",
  };
  console.log(`\nFirst run: building the local cluster into .cache/testenv/ (${missing.join(", ")}). This needs Go and Python 3 and takes a while once; later runs start in seconds.`);
  missing.forEach((t, i) => {
    step(`[${i + 1}/${missing.length}] building ${what[t] ?? t}`);
    const started = Date.now();
    run("bash", [join(root, "test", "env", "build.sh"), t], `building ${t}`);
    console.log(`    done in ${((Date.now() - started) / 1000).toFixed(0)}s`);
  });
}

step("starting the demo (Ctrl-C stops it)");
const demo = spawn(process.execPath, ["--import", "tsx", join(root, "scripts", "demo.ts"), ...process.argv.slice(2)], { cwd: root, stdio: "inherit" });
// Ctrl-C reaches the demo through the terminal's process group; a signal sent to this process alone is passed on.
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => demo.kill(sig));
demo.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
