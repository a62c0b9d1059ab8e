// `tenon controller`: the operator process. Every replica reads its settings, serves /metrics,
// /healthz and /readyz, and keeps the cluster state cache warm; only the replica holding the
// leader Lease runs the controllers (src/operator/wiring.ts lists them). A leader that loses its
// lease exits, so that it restarts from a clean slate instead of acting next to the new leader.
// SIGTERM stops the controllers, releases the lease, flushes events and closes the servers.
//
// Exit status: 2 for settings that are wrong or missing (the message names the setting), 1 for
// failures at startup or a lost lease, 0 after a clean shutdown.
import type { Logger } from "pino";
import { realClock } from "../controllers/runtime/clock.js";
import type { ManagedController } from "../controllers/nodeclaim/deps.js";
import { ClusterState } from "../state/cluster.js";
import { ConfigError, loadConfig, type Config, type Env } from "./config.js";
import { EventRecorder, coreV1EventSink } from "./events.js";
import { loadKubeConfig, makeClients } from "./kube.js";
import { LeaderElector, coordinationLeaseClient, newIdentity } from "./leaderelection.js";
import { createLogger } from "./logging.js";
import { collectProcessMetrics, metrics, registry } from "./metrics.js";
import { Checks, Flag, startHealthServer, startMetricsServer } from "./server.js";
import { Shutdown } from "./shutdown.js";
import { buildControllers } from "./wiring.js";
import { buildAWSCloudProvider } from "./wiring-aws.js";

export const ExitConfigError = 2;
export const ExitFailure = 1;

/** Where the servers listen: every interface in a pod (probes and scrapes come from outside), loopback elsewhere. */
export function bindHost(env: Env): string {
  return env.KUBERNETES_SERVICE_HOST ? "0.0.0.0" : "127.0.0.1";
}

/** Logs the reason and exits once the line is written (the logger writes asynchronously). */
async function fail(code: number, message: string, logger?: Logger, error?: unknown): Promise<never> {
  if (logger) {
    if (error === undefined) logger.fatal(message);
    else logger.fatal({ error }, message);
    await new Promise<void>((resolve) => logger.flush(() => resolve()));
  } else {
    process.stderr.write(`tenon: ${message}\n`);
  }
  process.exit(code);
}

/** Runs the controller until a signal or a lost lease ends the process. */
export async function runController(argv: string[], env: Env = process.env): Promise<void> {
  let config: Config;
  try {
    config = loadConfig(argv, env);
  } catch (err) {
    if (err instanceof ConfigError) await fail(ExitConfigError, err.message);
    throw err;
  }
  const logger = createLogger({ level: config.logLevel });
  try {
    await start(config, env, logger);
  } catch (err) {
    if (err instanceof ConfigError) await fail(ExitConfigError, err.message, logger);
    await fail(ExitFailure, "failed to start", logger, err);
  }
}

async function start(config: Config, env: Env, logger: Logger): Promise<void> {
  const identity = newIdentity();
  let exitCode: number | undefined;
  // Exit once the last log lines are written (the logger writes asynchronously).
  const exit = (code: number) => {
    setTimeout(() => process.exit(exitCode ?? code), 1000).unref();
    logger.flush(() => process.exit(exitCode ?? code));
  };
  const shutdown = new Shutdown({ logger, exit }).listen();

  let kube;
  try {
    const loaded = loadKubeConfig({ kubeconfig: config.kubeconfig, env });
    kube = makeClients(loaded.kubeConfig);
    logger.info({ source: loaded.source, server: loaded.kubeConfig.getCurrentCluster()?.server, identity }, "loaded Kubernetes credentials");
  } catch (err) {
    throw new ConfigError([(err as Error).message]);
  }

  // Servers first, so the kubelet sees a live (if not yet ready) process while caches fill.
  const host = bindHost(env);
  collectProcessMetrics(registry);
  const cacheSynced = new Flag("the cluster state cache has not synced yet");
  const healthz = new Checks().add("ping", () => undefined);
  const readyz = new Checks().add("cache-synced", cacheSynced.check);
  const serverLogger = logger.child({ component: "http" });
  const metricsServer = await startMetricsServer({ host, port: config.metricsPort, registry, logger: serverLogger });
  const healthServer = await startHealthServer({ host, port: config.healthProbePort, healthz, readyz, logger: serverLogger });
  shutdown.register("metrics server", () => metricsServer.close());
  shutdown.register("health server", () => healthServer.close());
  logger.info({ metrics: `${metricsServer.url}/metrics`, health: `${healthServer.url}/healthz` }, "serving metrics and health probes");

  const state = new ClusterState(kube.kubeConfig, logger.child({ component: "state" }));
  shutdown.register("cluster state", () => state.stop());
  const synced = state.start().then(() => {
    cacheSynced.set(true);
    logger.info("cluster state cache synced");
  });

  const aws = await buildAWSCloudProvider({
    config,
    env,
    kubeConfig: kube.kubeConfig,
    getNodeClass: async (name) => state.nodeClasses.get(name),
    logger,
  });
  shutdown.register("cloud provider", () => aws.stop());

  const recorder = new EventRecorder({ sink: coreV1EventSink(kube.core, { reportingInstance: identity }), logger });
  shutdown.register("events", () => recorder.flush());

  const controllers = buildControllers({ kube, state, cloudProvider: aws, aws, recorder, logger, clock: realClock, metrics, config });
  const lead = async (signal: AbortSignal): Promise<void> => {
    await untilAborted(synced, signal);
    if (signal.aborted) return;
    logger.info({ controllers: controllers.map((c) => c.name) }, "starting controllers");
    aws.start().catch((error: unknown) => logger.warn({ error }, "the first price refresh failed; using the bundled prices until the next one"));
    for (const c of controllers) c.watch(state);
    await runAll(controllers, signal, logger);
  };

  if (!config.leaderElect) {
    logger.info("leader election is off: this replica runs the controllers");
    const stop = new AbortController();
    const running = lead(stop.signal);
    shutdown.register("controllers", async () => {
      stop.abort();
      await running;
    });
    return;
  }

  const stop = new AbortController();
  let leading: Promise<void> | undefined;
  const elector = new LeaderElector({
    lease: coordinationLeaseClient(kube.coordination, config.leaderElectionNamespace, config.leaderElectionName),
    identity,
    logger,
    // The elector aborts the signal when leadership ends, then awaits onStoppedLeading.
    onStartedLeading: (signal) => {
      leading = lead(signal);
    },
    onStoppedLeading: async () => {
      await leading;
    },
  });
  const election = elector.run(stop.signal).then((outcome) => {
    if (outcome === "lost" && !shutdown.stopping) {
      logger.error({ lease: `${config.leaderElectionNamespace}/${config.leaderElectionName}` }, "leader lease lost, exiting");
      exitCode = ExitFailure;
      void shutdown.shutdown("leader lease lost");
    }
  });
  // Stopping the election stops the controllers first (onStoppedLeading), then releases the lease.
  shutdown.register("leader election", async () => {
    stop.abort();
    await election;
  });
}

/** Waits for the promise, or less if the signal aborts first. */
function untilAborted(promise: Promise<unknown>, signal: AbortSignal): Promise<unknown> {
  if (signal.aborted) return Promise.resolve();
  return Promise.race([promise, new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true }))]);
}

/** Runs every controller until the signal aborts; one that fails is logged and the others go on. */
async function runAll(controllers: ManagedController[], signal: AbortSignal, logger: Logger): Promise<void> {
  await Promise.all(
    controllers.map((c) =>
      c.run(signal).catch((error: unknown) => {
        logger.error({ error, controller: c.name }, "controller stopped with an error");
      }),
    ),
  );
}
