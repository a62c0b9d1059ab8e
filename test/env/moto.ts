// moto's server as the AWS stand-in (EC2, IAM, SSM, SQS, …) on a free 127.0.0.1 port.
//
// Point an AWS SDK v3 client at it with `moto.clientConfig()`:
//   new EC2Client(moto.clientConfig())
//   = { endpoint: "http://127.0.0.1:<port>", region: "us-east-1",
//       credentials: { accessKeyId: "testing", secretAccessKey: "testing" } }
// One endpoint serves every service (moto routes by the request's signing service name), so
// forcePathStyle is not needed for the services tenon uses. No real AWS credentials are read
// or needed, by the server or by a client given these settings.
import { join } from "node:path";
import { bin, ensureBuilt } from "./paths.js";
import { freePort, makeTempDir, onExit, removeDir, request, startProcess, waitFor, type ManagedProcess } from "./proc.js";

export const MOTO_REGION = "us-east-1";
export const MOTO_CREDENTIALS = { accessKeyId: "testing", secretAccessKey: "testing" } as const;

export interface AwsClientConfig {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
}

export interface Moto {
  /** http://127.0.0.1:<port> */
  endpoint: string;
  region: string;
  process: ManagedProcess;
  /** Settings for any @aws-sdk/client-* constructor. */
  clientConfig(region?: string): AwsClientConfig;
  /** Forgets every resource in every service and region (POST /moto-api/reset). */
  reset(): Promise<void>;
  /** Kills the server and removes its temp dir. Safe to call twice. */
  stop(): Promise<void>;
}

export interface MotoOptions {
  region?: string;
  /** Extra environment for moto_server, e.g. { MOTO_EC2_LOAD_DEFAULT_AMIS: "false" }. */
  env?: Record<string, string>;
  startTimeoutMs?: number;
}

/** An environment with no trace of the caller's AWS settings, so nothing real is ever used. */
function isolatedEnv(extra: Record<string, string>, home: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("AWS_")) env[k] = v;
  return {
    ...env,
    HOME: home,
    AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey,
    AWS_DEFAULT_REGION: MOTO_REGION,
    AWS_CONFIG_FILE: "/dev/null",
    AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
    AWS_EC2_METADATA_DISABLED: "true",
    PYTHONUNBUFFERED: "1",
    ...extra,
  };
}

export async function startMoto(opts: MotoOptions = {}): Promise<Moto> {
  ensureBuilt(["moto"]);
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(opts);
    } catch (err) {
      if (attempt < 3 && err instanceof Error && /address already in use/i.test(err.message)) continue;
      throw err;
    }
  }
}

async function startOnce(opts: MotoOptions): Promise<Moto> {
  const region = opts.region ?? MOTO_REGION;
  const tmpDir = makeTempDir("tenon-moto");
  const forgetDir = onExit(() => removeDir(tmpDir));
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const proc = startProcess("moto_server", bin.motoPython, {
    logPath: join(tmpDir, "moto.log"),
    cwd: tmpDir,
    env: isolatedEnv(opts.env ?? {}, tmpDir),
    // Through the venv's python, not its moto_server script: see bin.motoPython.
    args: ["-m", "moto.server", "-H", "127.0.0.1", "-p", String(port)],
  });
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await proc.stop();
    removeDir(tmpDir);
    forgetDir();
  };
  try {
    // Any HTTP answer means it serves; the dashboard path is cheap.
    await waitFor("moto_server", async () => ((await request(`${endpoint}/moto-api/`, { timeoutMs: 2000 })).status > 0 ? true : undefined), {
      timeoutMs: opts.startTimeoutMs ?? 60_000,
      intervalMs: 200,
      watch: [proc],
    });
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    endpoint,
    region,
    process: proc,
    clientConfig: (r = region) => ({ endpoint, region: r, credentials: { ...MOTO_CREDENTIALS } }),
    async reset() {
      const res = await request(`${endpoint}/moto-api/reset`, { method: "POST", timeoutMs: 30_000 });
      if (res.status !== 200) throw new Error(`moto reset: HTTP ${res.status}: ${res.body.slice(0, 200)}`);
    },
    stop,
  };
}
