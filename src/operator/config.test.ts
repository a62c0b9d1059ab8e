import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Command } from "commander";
import { addConfigOptions, ConfigError, defaultFeatureGates, loadConfig, parseFeatureGates, resolveConfig } from "./config.js";

const minimal = { CLUSTER_NAME: "prod" };

function problemsOf(fn: () => unknown): readonly string[] {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    return err.problems;
  }
  assert.fail("expected a ConfigError");
}

describe("loadConfig", () => {
  it("applies Karpenter's defaults", () => {
    const c = loadConfig([], minimal);
    assert.deepEqual(c, {
      clusterName: "prod",
      batchIdleDurationMs: 1000,
      batchMaxDurationMs: 10_000,
      logLevel: "info",
      metricsPort: 8080,
      healthProbePort: 8081,
      leaderElect: true,
      leaderElectionNamespace: "kube-system",
      leaderElectionName: "karpenter-leader-election",
      vmMemoryOverheadPercent: 0.075,
      featureGates: defaultFeatureGates,
      preferencePolicy: "Respect",
      minValuesPolicy: "Strict",
      isolatedVPC: false,
      reservedENIs: 0,
      awsEndpoints: {},
    });
  });

  it("reads every setting from the environment", () => {
    const c = loadConfig([], {
      CLUSTER_NAME: "prod",
      CLUSTER_ENDPOINT: "https://api.example.com",
      CLUSTER_CA_BUNDLE: "Y2E=",
      AWS_REGION: "eu-west-1",
      BATCH_IDLE_DURATION: "500ms",
      BATCH_MAX_DURATION: "1m30s",
      LOG_LEVEL: "DEBUG",
      METRICS_PORT: "9090",
      HEALTH_PROBE_PORT: "9091",
      KUBECONFIG: "/tmp/kc",
      LEADER_ELECT: "false",
      LEADER_ELECTION_NAMESPACE: "karpenter",
      LEADER_ELECTION_NAME: "tenon",
      VM_MEMORY_OVERHEAD_PERCENT: "0.1",
      INTERRUPTION_QUEUE: "prod-interruptions",
      FEATURE_GATES: "SpotToSpotConsolidation=true,NodeRepair=true,ReservedCapacity=false",
      ISOLATED_VPC: "true",
      PREFERENCE_POLICY: "Ignore",
      MIN_VALUES_POLICY: "BestEffort",
      RESERVED_ENIS: "1",
      AWS_ENDPOINT_URL: "http://127.0.0.1:5000",
      EC2_ENDPOINT: "https://ec2.vpce.example.com",
      SQS_ENDPOINT: "http://localhost:4566",
    });
    assert.equal(c.clusterEndpoint, "https://api.example.com");
    assert.equal(c.clusterCABundle, "Y2E=");
    assert.equal(c.region, "eu-west-1");
    assert.equal(c.batchIdleDurationMs, 500);
    assert.equal(c.batchMaxDurationMs, 90_000);
    assert.equal(c.logLevel, "debug");
    assert.equal(c.metricsPort, 9090);
    assert.equal(c.healthProbePort, 9091);
    assert.equal(c.kubeconfig, "/tmp/kc");
    assert.equal(c.leaderElect, false);
    assert.equal(c.leaderElectionNamespace, "karpenter");
    assert.equal(c.leaderElectionName, "tenon");
    assert.equal(c.vmMemoryOverheadPercent, 0.1);
    assert.equal(c.interruptionQueue, "prod-interruptions");
    assert.deepEqual(c.featureGates, { ...defaultFeatureGates, SpotToSpotConsolidation: true, NodeRepair: true, ReservedCapacity: false });
    assert.equal(c.isolatedVPC, true);
    assert.equal(c.preferencePolicy, "Ignore");
    assert.equal(c.minValuesPolicy, "BestEffort");
    assert.equal(c.reservedENIs, 1);
    assert.deepEqual(c.awsEndpoints, { default: "http://127.0.0.1:5000", ec2: "https://ec2.vpce.example.com", sqs: "http://localhost:4566" });
  });

  it("lets a flag win over its variable", () => {
    const c = loadConfig(["--cluster-name", "from-flag", "--batch-max-duration=20s", "--region", "us-east-2"], {
      CLUSTER_NAME: "from-env",
      BATCH_MAX_DURATION: "5s",
      AWS_REGION: "eu-west-1",
    });
    assert.equal(c.clusterName, "from-flag");
    assert.equal(c.batchMaxDurationMs, 20_000);
    assert.equal(c.region, "us-east-2");
  });

  it("takes a bare boolean flag as true and an explicit value as given", () => {
    assert.equal(loadConfig(["--isolated-vpc"], minimal).isolatedVPC, true);
    assert.equal(loadConfig(["--isolated-vpc=false"], { ...minimal, ISOLATED_VPC: "true" }).isolatedVPC, false);
    assert.equal(loadConfig(["--leader-elect", "F"], minimal).leaderElect, false);
  });

  it("defaults the lease namespace to the pod's namespace", () => {
    assert.equal(loadConfig([], { ...minimal, POD_NAMESPACE: "karpenter" }).leaderElectionNamespace, "karpenter");
    assert.equal(
      loadConfig([], { ...minimal, POD_NAMESPACE: "karpenter", LEADER_ELECTION_NAMESPACE: "other" }).leaderElectionNamespace,
      "other",
    );
  });

  it("accepts Karpenter's DISABLE_LEADER_ELECTION", () => {
    assert.equal(loadConfig([], { ...minimal, DISABLE_LEADER_ELECTION: "true" }).leaderElect, false);
    assert.equal(loadConfig(["--disable-leader-election"], minimal).leaderElect, false);
    assert.equal(loadConfig([], { ...minimal, DISABLE_LEADER_ELECTION: "false", LEADER_ELECT: "true" }).leaderElect, true);
    const problems = problemsOf(() => loadConfig([], { ...minimal, DISABLE_LEADER_ELECTION: "true", LEADER_ELECT: "true" }));
    assert.match(problems[0]!, /conflicting settings LEADER_ELECT \(--leader-elect\) and DISABLE_LEADER_ELECTION/);
  });

  it("names the setting, its flag and the bad value", () => {
    assert.deepEqual(problemsOf(() => loadConfig([], { ...minimal, BATCH_MAX_DURATION: "ten" })), [
      'invalid setting BATCH_MAX_DURATION (--batch-max-duration): expected a duration like 10s, 500ms or 1m30s, got "ten"',
    ]);
  });

  it("reports a missing cluster name", () => {
    const problems = problemsOf(() => loadConfig([], {}));
    assert.equal(problems.length, 1);
    assert.match(problems[0]!, /^missing required setting CLUSTER_NAME \(--cluster-name\): the cluster's name/);
    assert.match(problemsOf(() => loadConfig([], { CLUSTER_NAME: "  " }))[0]!, /missing required setting CLUSTER_NAME/);
  });

  it("reports every problem at once", () => {
    const err = (() => {
      try {
        loadConfig(["--metrics-port", "http"], {
          LOG_LEVEL: "loud",
          VM_MEMORY_OVERHEAD_PERCENT: "7.5",
          RESERVED_ENIS: "-1",
          ISOLATED_VPC: "yes",
          EC2_ENDPOINT: "ec2.local",
          FEATURE_GATES: "Drift=true",
          PREFERENCE_POLICY: "respect",
          MIN_VALUES_POLICY: "Lenient",
        });
      } catch (e) {
        return e as ConfigError;
      }
      assert.fail("expected an error");
    })();
    const text = err.message;
    for (const expected of [
      "missing required setting CLUSTER_NAME (--cluster-name)",
      'invalid setting LOG_LEVEL (--log-level): expected one of trace, debug, info, warn, error, fatal, silent, got "loud"',
      'invalid setting METRICS_PORT (--metrics-port): expected a port (an integer from 0 to 65535), got "http"',
      'invalid setting VM_MEMORY_OVERHEAD_PERCENT (--vm-memory-overhead-percent): expected a fraction from 0 up to (not including) 1 such as 0.075, got "7.5"',
      'invalid setting RESERVED_ENIS (--reserved-enis): expected a number of ENIs (an integer from 0 to 64), got "-1"',
      'invalid setting ISOLATED_VPC (--isolated-vpc): expected true or false, got "yes"',
      'invalid setting EC2_ENDPOINT (--ec2-endpoint): expected an http(s) URL such as https://ec2.us-west-2.amazonaws.com, got "ec2.local"',
      'invalid setting FEATURE_GATES (--feature-gates): unknown feature gate "Drift"; known gates are NodeRepair, ReservedCapacity, SpotToSpotConsolidation, NodeOverlay, StaticCapacity, CapacityBuffer',
      // Karpenter reads both policies case-sensitively.
      'invalid setting PREFERENCE_POLICY (--preference-policy): expected one of Respect, Ignore, got "respect"',
      'invalid setting MIN_VALUES_POLICY (--min-values-policy): expected one of Strict, BestEffort, got "Lenient"',
    ]) {
      assert.ok(text.includes(expected), `missing ${JSON.stringify(expected)} in:\n${text}`);
    }
    assert.equal(err.problems.length, 10);
  });

  it("rejects an idle window longer than the max window", () => {
    assert.deepEqual(problemsOf(() => loadConfig([], { ...minimal, BATCH_IDLE_DURATION: "20s" })), [
      "invalid setting BATCH_IDLE_DURATION (--batch-idle-duration): must not exceed BATCH_MAX_DURATION (10000ms), got 20000ms",
    ]);
  });

  it("rejects the two servers on one port", () => {
    assert.match(problemsOf(() => loadConfig([], { ...minimal, HEALTH_PROBE_PORT: "8080" }))[0]!, /HEALTH_PROBE_PORT .*must differ from METRICS_PORT/);
  });

  it("turns an unknown flag into a ConfigError", () => {
    assert.match(problemsOf(() => loadConfig(["--no-such-flag"], minimal))[0]!, /unknown option '--no-such-flag'/);
  });

  it("ignores empty variables as if unset", () => {
    assert.equal(loadConfig([], { ...minimal, BATCH_IDLE_DURATION: "", INTERRUPTION_QUEUE: "" }).batchIdleDurationMs, 1000);
    assert.equal(loadConfig([], { ...minimal, INTERRUPTION_QUEUE: "" }).interruptionQueue, undefined);
  });
});

describe("addConfigOptions and resolveConfig", () => {
  it("plug into a caller's command", () => {
    const cmd = addConfigOptions(new Command("controller")).exitOverride();
    cmd.parse(["--cluster-name", "c1", "--feature-gates", "NodeRepair=true"], { from: "user" });
    const c = resolveConfig(cmd.opts(), {});
    assert.equal(c.clusterName, "c1");
    assert.equal(c.featureGates.NodeRepair, true);
    assert.match(cmd.helpInformation(), /--batch-max-duration <duration>.*\(default 10s\) \[env BATCH_MAX_DURATION\]/);
  });
});

describe("parseFeatureGates", () => {
  it("overlays the given gates on the defaults", () => {
    assert.deepEqual(parseFeatureGates(" SpotToSpotConsolidation=true , NodeRepair=False,"), {
      ...defaultFeatureGates,
      SpotToSpotConsolidation: true,
      NodeRepair: false,
    });
    assert.deepEqual(parseFeatureGates(""), defaultFeatureGates);
  });

  it("requires a value", () => {
    assert.throws(() => parseFeatureGates("NodeRepair"), /feature gate NodeRepair needs =true or =false, got "NodeRepair"/);
  });
});
