// Child processes of the test environment: started in their own process group with their output
// in a log file, stopped with SIGTERM then SIGKILL, and never left behind when the test process
// ends — by exit hooks for normal ends and signals, and by a watchdog for a killed test process.
import { spawn } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import http from "node:http";
import https from "node:https";
import net from "node:net";

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  /** stdout and stderr of the process. */
  readonly logPath: string;
  /** Settles when the process has ended. */
  readonly exited: Promise<ExitStatus>;
  running(): boolean;
  /** The last lines of the log. */
  logTail(lines?: number): string;
  /** SIGTERM to the process group, SIGKILL after graceMs; resolves when it has ended. */
  stop(graceMs?: number): Promise<void>;
}

export interface StartOptions {
  args: string[];
  logPath: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

const liveGroups = new Set<number>();
const exitCleanups = new Set<() => void>();
let hooksInstalled = false;

function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: the group is gone already.
  }
}

function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  const killAll = () => {
    for (const pgid of liveGroups) killGroup(pgid, "SIGKILL");
    liveGroups.clear();
    for (const cleanup of exitCleanups) {
      try {
        cleanup();
      } catch {
        // best effort while exiting
      }
    }
    exitCleanups.clear();
  };
  process.on("exit", killAll);
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(signal, () => {
      killAll();
      // Re-raise so that the default action (or another listener) still ends the process.
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    });
  }
}

/** Runs fn synchronously when the test process exits (e.g. removing a temp dir). */
export function onExit(fn: () => void): () => void {
  installExitHooks();
  exitCleanups.add(fn);
  return () => exitCleanups.delete(fn);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * A new temp dir named <prefix>-<pid>-XXXXXX. Dirs of the same prefix whose test process is
 * gone (it was SIGKILLed and could not clean up) are removed first. With keep, the dir is named
 * <prefix>-keep-XXXXXX and never swept.
 */
export function makeTempDir(prefix: string, keep = false): string {
  const base = tmpdir();
  const stale = new RegExp(`^${prefix}-(\\d+)-`);
  for (const name of readdirSync(base)) {
    const m = stale.exec(name);
    if (m && !alive(Number(m[1]))) rmSync(join(base, name), { recursive: true, force: true });
  }
  return mkdtempSync(join(base, keep ? `${prefix}-keep-` : `${prefix}-${process.pid}-`));
}

/** Removes a directory and everything in it; no error when it is gone. */
export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

// Kills the group once the parent is gone (a SIGKILLed test process runs no exit hooks), and
// ends itself when the group has ended. It uses only POSIX sh, kill and sleep.
const WATCHDOG = `
while kill -0 "$1" 2>/dev/null && kill -0 -"$2" 2>/dev/null; do sleep 1; done
if kill -0 -"$2" 2>/dev/null; then kill -TERM -"$2" 2>/dev/null; sleep 3; kill -KILL -"$2" 2>/dev/null; fi
`;

function startWatchdog(pgid: number): void {
  const dog = spawn("/bin/sh", ["-c", WATCHDOG, "tenon-testenv-watchdog", String(process.pid), String(pgid)], {
    detached: true,
    stdio: "ignore",
  });
  dog.on("error", () => undefined);
  dog.unref();
}

/**
 * Starts a long-running server process. It does not keep the event loop alive: a test that
 * forgets stop() still ends, and the exit hook kills the process.
 */
export function startProcess(name: string, command: string, opts: StartOptions): ManagedProcess {
  installExitHooks();
  const fd = openSync(opts.logPath, "a");
  let child;
  try {
    child = spawn(command, opts.args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      detached: true, // its own process group, so stop() reaches any children too
      stdio: ["ignore", fd, fd],
    });
  } finally {
    closeSync(fd);
  }
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${name}: could not start ${command} (see ${opts.logPath})`);
  liveGroups.add(pid);
  startWatchdog(pid);
  child.unref();

  let done = false;
  const exited = new Promise<ExitStatus>((resolve) => {
    child.on("exit", (code, signal) => {
      done = true;
      liveGroups.delete(pid);
      killGroup(pid, "SIGKILL"); // stragglers the process left in its group
      resolve({ code, signal });
    });
    child.on("error", (err) => {
      done = true;
      liveGroups.delete(pid);
      resolve({ code: -1, signal: null });
      console.error(`${name}: ${err.message}`);
    });
  });

  const logTail = (lines = 40) => tailFile(opts.logPath, lines);
  return {
    name,
    pid,
    logPath: opts.logPath,
    exited,
    running: () => !done,
    logTail,
    async stop(graceMs = 5000) {
      if (done) return;
      child.ref(); // keep the event loop alive until the exit is seen
      killGroup(pid, "SIGTERM");
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<"timeout">((r) => (timer = setTimeout(() => r("timeout"), graceMs)));
      const first = await Promise.race([exited, timeout]);
      clearTimeout(timer);
      if (first === "timeout") {
        killGroup(pid, "SIGKILL");
        await exited;
      }
    },
  };
}

export function tailFile(path: string, lines: number): string {
  try {
    const text = readFileSync(path, "utf8");
    return text.split("\n").slice(-lines - 1).join("\n");
  } catch {
    return "(no log)";
  }
}

const issuedPorts = new Set<number>();

/** A free TCP port on 127.0.0.1 (never the same one twice in this process). */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await new Promise<number>((resolve, reject) => {
      const srv = net.createServer();
      srv.unref();
      srv.on("error", reject);
      srv.listen(0, "127.0.0.1", () => {
        const addr = srv.address();
        const p = typeof addr === "object" && addr ? addr.port : 0;
        srv.close(() => resolve(p));
      });
    });
    if (port > 0 && !issuedPorts.has(port)) {
      issuedPorts.add(port);
      return port;
    }
  }
  throw new Error("no free port on 127.0.0.1");
}

export interface HttpResult {
  status: number;
  body: string;
}

/** A GET or POST that trusts any certificate (for health probes on loopback). */
export function request(
  url: string,
  opts: { method?: string; token?: string; timeoutMs?: number; body?: string } = {},
): Promise<HttpResult> {
  const u = new URL(url);
  const mod = u.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    const req = mod.request(
      u,
      {
        method: opts.method ?? "GET",
        rejectUnauthorized: false,
        headers: opts.token ? { authorization: `Bearer ${opts.token}` } : {},
        timeout: opts.timeoutMs ?? 5000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`timeout after ${opts.timeoutMs ?? 5000}ms: ${url}`)));
    req.on("error", reject);
    req.end(opts.body);
  });
}

export interface WaitOptions {
  timeoutMs: number;
  intervalMs?: number;
  /** Processes whose early exit ends the wait with their log. */
  watch?: readonly Pick<ManagedProcess, "name" | "logPath" | "running" | "logTail">[];
}

/** Polls probe until it returns a value other than undefined. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, opts: WaitOptions): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  let last = "";
  while (true) {
    for (const p of opts.watch ?? []) {
      if (!p.running()) {
        throw new Error(`${p.name} exited while waiting for ${what}; last lines of ${p.logPath}:\n${p.logTail()}`);
      }
    }
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() > deadline) {
      const logs = (opts.watch ?? []).map((p) => `--- ${p.name} (${p.logPath}):\n${p.logTail()}`).join("\n");
      throw new Error(`timed out after ${opts.timeoutMs}ms waiting for ${what}${last ? ` (last error: ${last})` : ""}\n${logs}`);
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 200));
  }
}
