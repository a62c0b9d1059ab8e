// `tenon controller`: the operator process. Every replica reads its settings, serves /metrics,
// /healthz and /readyz, and keeps the cluster state cache warm; only the replica holding the
// leader Lease runs the controllers (src/operator/wiring.ts lists them). A leader that loses its
// lease exits, so that it restarts from a clean slate instead of acting next to the new leader.
// SIGTERM stops the controllers, releases the lease, flushes events and closes the servers.
//
// Exit status: 2 for settings that are wrong or missing (the message names the setting), 1 for
// failures at startup or a lost lease, 0 after a clean shutdown.
import { setMaxListeners } from "node:events";
import type { Logger } from "pino";
import { observeCluster } from "../controllers/metrics/cluster.js";
import { realClock } from "../controllers/runtime/clock.js";
import { ClusterState } from "../state/cluster.js";
import { ConfigError, HelpRequested, loadConfig, type Config, type Env } from "./config.js";
import { recordBuildInfo } from "./buildinfo.js";
import { EventRecorder, coreV1EventSink } from "./events.js";
import { unfenced } from "./fence.js";
import { loadKubeConfig, makeClients } from "./kube.js";
import { leaderMetrics } from "./metrics-clients.js";
import { LeaderElector, coordinationLeaseClient, newIdentity } from "./leaderelection.js";
import { watchEventLoopStalls } from "./stallwatch.js";
import { keepConnectionsAlive } from "./kubeagent.js";
import { ControllerLiveness, awaitControllersStopped } from "./liveness.js";
import { createLogger, logProcessWarnings } from "./logging.js";
import { waitForAPIServer } from "./apiready.js";
import { collectProcessMetrics, metrics, registry } from "./metrics.js";
import { Checks, Flag, startHealthServer, startMetricsServer } from "./server.js";
import { Shutdown } from "./shutdown.js";
import { containStrayErrors } from "./strays.js";
import { buildControllers } from "./wiring.js";
import { buildAWSCloudProvider, buildInstanceStatuses, buildInterruptionQueue } from "./wiring-aws.js";

export const ExitConfigError = 2;
export const ExitFailure = 1;
/** How long a stopping leader waits for its controllers' in-flight reconciles: well inside the 25s shutdown budget. */
const ControllerStopGraceMs = 10_000;

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
    if (err instanceof HelpRequested) {
      process.stdout.write(err.help);
      process.exit(0);
    }
    if (err instanceof ConfigError) await fail(ExitConfigError, err.message);
    throw err;
  }
  const logger = createLogger({ level: config.logLevel });
  logProcessWarnings(logger);
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
  containStrayErrors(process, { logger, stopping: () => shutdown.stopping, exit });
  shutdown.register("stall watch", watchEventLoopStalls({ logger }));

  let raw;
  try {
    const loaded = loadKubeConfig({ kubeconfig: config.kubeconfig, env });
    raw = makeClients(keepConnectionsAlive(loaded.kubeConfig));
    logger.info({ source: loaded.source, server: loaded.kubeConfig.getCurrentCluster()?.server, identity }, "loaded Kubernetes credentials");
  } catch (err) {
    throw new ConfigError([(err as Error).message]);
  }

  // Servers first, so the kubelet sees a live (if not yet ready) process while caches fill.
  const host = bindHost(env);
  collectProcessMetrics(registry);
  recordBuildInfo(metrics, env);
  const cacheSynced = new Flag("the cluster state cache has not synced yet");
  const liveness = new ControllerLiveness(() => shutdown.stopping);
  const healthz = new Checks().add("ping", () => undefined).add("controllers", liveness.check);
  const readyz = new Checks().add("cache-synced", cacheSynced.check);
  const serverLogger = logger.child({ component: "http" });
  const metricsServer = await startMetricsServer({ host, port: config.metricsPort, registry, logger: serverLogger });
  const healthServer = await startHealthServer({ host, port: config.healthProbePort, healthz, readyz, logger: serverLogger });
  shutdown.register("metrics server", () => metricsServer.close());
  shutdown.register("health server", () => healthServer.close());
  logger.info({ metrics: `${metricsServer.url}/metrics`, health: `${healthServer.url}/healthz` }, "serving metrics and health probes");

  // Writes are fenced by the leader lease: once this replica no longer surely leads, every
  // mutating call (Kubernetes and AWS) is refused before it is sent. Only the lease itself and
  // Events go out unfenced.
  const stop = new AbortController();
  let leading: Promise<void> | undefined;
  const elector = config.leaderElect
    ? new LeaderElector({
        lease: coordinationLeaseClient(raw.coordination, config.leaderElectionNamespace, config.leaderElectionName),
        identity,
        logger,
        metrics: leaderMetrics(config.leaderElectionName),
        // The elector aborts the signal when leadership ends, then awaits onStoppedLeading.
        onStartedLeading: (signal) => {
          leading = lead(signal);
        },
        onStoppedLeading: () => awaitControllersStopped(leading, liveness, ControllerStopGraceMs, logger),
      })
    : undefined;
  const fence = elector?.fence ?? unfenced;
  const kube = makeClients(raw.kubeConfig, { fence });

  const state = new ClusterState(raw.kubeConfig, logger.child({ component: "state" }));
  // Watches start once the API server serves this identity: none fails (and warns) while it initializes.
  const apiWait = new AbortController();
  shutdown.register("cluster state", async () => {
    apiWait.abort();
    await state.stop();
  });
  const synced = waitForAPIServer(raw.kubeConfig, { logger, signal: apiWait.signal })
    .then((ready) => (ready ? state.start() : undefined))
    .then(() => {
      if (apiWait.signal.aborted) return;
      cacheSynced.set(true);
      logger.info("cluster state cache synced");
    });

  const aws = await buildAWSCloudProvider({
    config,
    env,
    kubeConfig: raw.kubeConfig,
    getNodeClass: async (name) => state.nodeClasses.get(name),
    logger,
    fence,
  });
  shutdown.register("cloud provider", () => aws.stop());
  const interruptionQueue = buildInterruptionQueue({ config, region: aws.region, fence });
  if (interruptionQueue) logger.info({ queue: interruptionQueue.name }, "interruption handling is on");
  // Every replica's scrape describes the cluster as its cache holds it (leading or not).
  observeCluster({ metrics, state, cloudProvider: aws, clock: realClock });

  const recorder = new EventRecorder({ sink: coreV1EventSink(raw.core, { reportingInstance: identity }), logger });
  shutdown.register("events", () => recorder.flush());

  const controllers = buildControllers({ kube, state, cloudProvider: aws, aws, recorder, logger, clock: realClock, metrics, config, instanceStatuses: buildInstanceStatuses({ config, region: aws.region }), ...(interruptionQueue ? { interruptionQueue } : {}) });
  const lead = async (signal: AbortSignal): Promise<void> => {
    // Every controller loop and worker listens on this one signal: more than Node's default of 10.
    setMaxListeners(16 + 8 * controllers.length, signal);
    await untilAborted(synced, signal);
    if (signal.aborted) return;
    logger.info({ controllers: controllers.map((c) => c.name) }, "starting controllers");
    // Refresh failures are logged, counted and aged by the pricing provider itself; this starts the loop.
    void aws.start();
    for (const c of controllers) c.watch(state);
    await liveness.runAll(controllers, signal, logger);
  };

  if (!elector) {
    logger.info("leader election is off: this replica runs the controllers");
    const running = lead(stop.signal);
    shutdown.register("controllers", async () => {
      stop.abort();
      await awaitControllersStopped(running, liveness, ControllerStopGraceMs, logger);
    });
    return;
  }

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
