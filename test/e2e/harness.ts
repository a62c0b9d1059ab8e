// What the end-to-end tests share: one local cluster per test file (test/env/devcluster.ts),
// waiting on the cluster and moto, and reading the controller's log.
import { after, before } from "node:test";
import { DescribeInstancesCommand, EC2Client, type Instance } from "@aws-sdk/client-ec2";
import { CoordinationV1Api, type CoreV1Event, type V1Lease, type V1Pod } from "@kubernetes/client-node";
import { startDevCluster, type ControllerProcess, type DevCluster } from "../env/devcluster.js";
import { waitFor } from "../env/proc.js";
import { ClusterReader, ec2NodeClass, nodePool, toYAMLStream, type NodePoolOptions } from "./fixtures.js";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

export interface E2E {
  dev: DevCluster;
  reader: ClusterReader;
  ec2: EC2Client;
  /** Every controller started through start(), stopped after the file. */
  controllers: ControllerProcess[];
  start(name: string, env?: Record<string, string>): Promise<ControllerProcess>;
  apply(...objects: unknown[]): void;
  nodePool(o?: NodePoolOptions): void;
}

/** Verbose progress when TENON_E2E_VERBOSE=1. */
export const note = (msg: string): void => {
  if (process.env.TENON_E2E_VERBOSE === "1") console.log(`    ${new Date().toISOString().slice(11, 23)} ${msg}`);
};

/** A local cluster with the default EC2NodeClass for the tests of one file. */
export function useE2E(): () => E2E {
  let e: E2E | undefined;
  before(async () => {
    const dev = await startDevCluster({ log: note });
    const controllers: ControllerProcess[] = [];
    e = {
      dev,
      reader: new ClusterReader(dev.kubeConfig()),
      ec2: new EC2Client(dev.moto.clientConfig()),
      controllers,
      async start(name, env = {}) {
        // Short batching windows keep the tests quick; everything else is the controller's default.
        // TENON_E2E_ENTRY=dist/cli/main.js runs the built controller instead of the sources through tsx.
        const c = await dev.startController({ name, entry: process.env.TENON_E2E_ENTRY || undefined, env: { BATCH_IDLE_DURATION: "1s", BATCH_MAX_DURATION: "10s", ...env } });
        controllers.push(c);
        return c;
      },
      apply(...objects) {
        dev.kubectl(["apply", "-f", "-"], toYAMLStream(objects));
      },
      nodePool(o = {}) {
        dev.kubectl(["apply", "-f", "-"], toYAMLStream([nodePool(o)]));
      },
    };
    dev.kubectl(["apply", "-f", "-"], toYAMLStream([ec2NodeClass(dev.clusterName, dev.aws.nodeRoleName)]));
  });
  after(async () => {
    if (!e) return;
    for (const c of e.controllers) await c.stop(10_000);
    e.ec2.destroy();
    if (process.env.TENON_E2E_KEEP === "1") console.log(`kept: ${e.dev.controlPlane.tmpDir}`);
    else await e.dev.stop();
  });
  return () => {
    if (!e) throw new Error("the e2e cluster is not up: use it inside a test");
    return e;
  };
}

export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** Controllers whose exit ends the wait with their log. */
  controllers?: ControllerProcess[];
}

/** Polls until probe returns a value; the error names what was awaited and what was seen last. */
export async function until<T>(what: string, probe: () => Promise<T | undefined>, o: WaitOptions = {}): Promise<T> {
  let seen = "";
  const watched = o.controllers ?? [];
  try {
    return await waitFor(
      what,
      probe,
      // A watched controller that exits ends the wait at once (an error thrown by the probe would
      // only be remembered as its last error, and the wait would run to its deadline).
      { timeoutMs: o.timeoutMs ?? 120_000, intervalMs: o.intervalMs ?? 250, watch: watched },
    );
  } catch (err) {
    seen = watched.map((c) => `\n--- ${c.name} (${c.logPath}):\n${c.logTail(25)}`).join("");
    throw new Error(`${err instanceof Error ? err.message : String(err)}${seen}`);
  }
}

/** Every instance in moto (all states). */
export async function instances(ec2: EC2Client): Promise<Instance[]> {
  const out: Instance[] = [];
  let token: string | undefined;
  do {
    const res = await ec2.send(new DescribeInstancesCommand({ NextToken: token }));
    for (const r of res.Reservations ?? []) out.push(...(r.Instances ?? []));
    token = res.NextToken;
  } while (token);
  return out;
}

export const tag = (i: Instance, key: string): string | undefined => i.Tags?.find((t) => t.Key === key)?.Value;
export const instanceIDOf = (providerID: string | undefined): string | undefined => /\/(i-[0-9a-z]+)$/.exec(providerID ?? "")?.[1];
export const isLive = (i: Instance): boolean => ["pending", "running", "stopping", "stopped", "shutting-down"].includes(i.State?.Name ?? "");

/** Log lines of a controller with the given message. */
export function logged(c: ControllerProcess, message: string | RegExp): Record<string, unknown>[] {
  return c.logLines().filter((l) => (typeof message === "string" ? l.message === message : message.test(String(l.message ?? ""))));
}

/** The value of one series of a controller's /metrics (a counter, or a histogram's `_count`); 0 when absent. */
export async function metricValue(c: ControllerProcess, name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await c.metrics();
  let total = 0;
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const wanted = Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`));
    if (wanted) total += Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return total;
}

/**
 * Waits until the controller has completed `n` more passes of a loop, counted by a metric it
 * writes once per pass: the way to let it act (or not) without sleeping a guessed time.
 */
export async function afterPasses(c: ControllerProcess, what: string, metric: { name: string; labels?: Record<string, string> }, n: number, timeoutMs = 180_000): Promise<void> {
  const start = await metricValue(c, metric.name, metric.labels);
  await until(`${n} more ${what} passes`, async () => ((await metricValue(c, metric.name, metric.labels)) >= start + n ? true : undefined), { timeoutMs, intervalMs: 500, controllers: [c] });
}

/** One disruption pass (the sleep method is evaluated first in every pass). */
export const DisruptionPass = { name: "karpenter_voluntary_disruption_decision_evaluation_duration_seconds_count", labels: { reason: "asleep" } };
/** One provisioning solve. */
export const ProvisioningPass = { name: "karpenter_provisioner_scheduling_duration_seconds_count", labels: { controller: "provisioner" } };

export function isRunning(p: V1Pod): boolean {
  return p.status?.phase === "Running" && !p.metadata?.deletionTimestamp;
}

/** Events tenon recorded (reporting component karpenter) about objects in a namespace. */
export async function tenonEvents(e: E2E, namespace: string): Promise<CoreV1Event[]> {
  const list = await e.reader.core.listNamespacedEvent({ namespace });
  return list.items.filter((ev) => ev.reportingComponent === "karpenter" || ev.source?.component === "karpenter");
}

export async function readLease(e: E2E, name = "karpenter-leader-election"): Promise<V1Lease | undefined> {
  try {
    return await e.dev.kubeConfig().makeApiClient(CoordinationV1Api).readNamespacedLease({ namespace: e.dev.namespace, name });
  } catch {
    return undefined;
  }
}

export const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)}s`;
export const mib = (bytes: number | undefined): string => (bytes === undefined ? "?" : `${(bytes / 2 ** 20).toFixed(0)} MiB`);
