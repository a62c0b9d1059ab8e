// Property tests of the settings parser: whatever arrives in the environment or on the command
// line, loadConfig returns a Config or throws a ConfigError whose every line names the setting at
// fault — never another exception, never a value no one could mean (Infinity, NaN, a port from
// "0x10"); and durations, numbers, booleans and feature gates read back what was written.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { formatDuration } from "../apis/duration.js";
import { ConfigError, type Config, defaultFeatureGates, featureGateNames, HelpRequested, loadConfig, maxDurationMs, settings } from "./config.js";

const seed = 7;
const envNames = Object.values(settings).map((s) => s.env);
const flags = Object.values(settings).map((s) => s.flag);
const base = { CLUSTER_NAME: "prod" };

// Go's strconv.ParseBool words.
const trueWords = ["1", "t", "T", "TRUE", "true", "True"];
const falseWords = ["0", "f", "F", "FALSE", "false", "False"];

/** Strings a user, a template or an attacker might put in a variable. */
const value = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ unit: "grapheme", maxLength: 20 }),
  fc.constantFrom("", " ", "0", "-1", "1e3", "0x10", "1_000", "NaN", "Infinity", "true", "yes", "10s", "-5s", "1h30m", "1e999h", "9".repeat(400) + "h", "http://[", "https://x", "__proto__", "constructor=true", "a=b=c", ",,,", "\u0000", "\n", "SpotToSpotConsolidation=true"),
  fc.integer({ min: -100_000, max: 100_000 }).map(String),
  fc.double().map(String),
  fc.integer({ min: 1, max: 20_000 }).map((n) => "x".repeat(n)),
);

/** Every way a problem line names its setting. */
function namesASetting(problem: string): boolean {
  return Object.values(settings).some((s) => problem.includes(`${s.env} (${s.flag})`));
}

function finite(config: Config): void {
  for (const [key, v] of Object.entries(config)) {
    if (typeof v === "number") assert.ok(Number.isFinite(v) && v >= 0, `${key} = ${v}`);
  }
}

describe("loadConfig properties", () => {
  it("throws only ConfigError, each problem naming its setting, for arbitrary environment values", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom(...envNames), value, { maxKeys: 8 }), (env) => {
        let config: Config;
        try {
          config = loadConfig([], env);
        } catch (err) {
          assert.ok(err instanceof ConfigError, `not a ConfigError: ${String(err)}`);
          for (const p of err.problems) assert.ok(namesASetting(p), `names no setting: ${p}`);
          assert.ok(err.message.length < 2000 + 400 * err.problems.length, "a hostile value does not flood the message");
          return;
        }
        finite(config);
      }),
      { seed, numRuns: 1000 },
    );
  });

  it("throws only ConfigError (or asks for help) for arbitrary command lines, naming the flag or argument at fault", () => {
    const arg = fc.oneof(
      fc.constantFrom(...flags),
      fc.tuple(fc.constantFrom(...flags), value).map(([f, v]) => `${f}=${v}`),
      value,
      fc.constantFrom("--", "-", "--unknown", "-x", "--help", "-h", "--version", "--cluster-name"),
    );
    fc.assert(
      fc.property(fc.array(arg, { maxLength: 6 }), (argv) => {
        try {
          finite(loadConfig(argv, base));
        } catch (err) {
          if (err instanceof HelpRequested) {
            assert.ok(argv.some((a) => a === "--help" || a === "-h"), `help without asking: ${JSON.stringify(argv)}`);
            assert.match(err.help, /--cluster-name/);
            return;
          }
          assert.ok(err instanceof ConfigError, `not a ConfigError: ${String(err)}`);
          for (const p of err.problems) {
            const namesArg = argv.some((a) => a.length > 0 && p.includes(a.split("=")[0]!));
            assert.ok(namesASetting(p) || namesArg || /too many arguments/.test(p), `names neither setting nor argument: ${p} for ${JSON.stringify(argv)}`);
          }
        }
      }),
      { seed, numRuns: 1000 },
    );
  });

  it("reads back Go durations as written, in either unit mix, and refuses longer than Go can hold", () => {
    const parts = fc.record({ h: fc.nat(2_000_000), m: fc.nat(59), s: fc.nat(59), ms: fc.nat(999) });
    fc.assert(
      fc.property(parts, ({ h, m, s, ms }) => {
        const want = ((h * 60 + m) * 60 + s) * 1000 + ms;
        const written = `${h}h${m}m${s}s${ms}ms`;
        const c = loadConfig([], { ...base, BATCH_IDLE_DURATION: "0", BATCH_MAX_DURATION: written });
        assert.equal(c.batchMaxDurationMs, want, written);
        // As tenon prints it (whole seconds and up), and read back.
        const printed = formatDuration(want - ms);
        assert.equal(loadConfig([], { ...base, BATCH_IDLE_DURATION: "0", BATCH_MAX_DURATION: printed }).batchMaxDurationMs, want - ms, printed);
      }),
      { seed, numRuns: 500 },
    );
    assert.throws(() => loadConfig([], { ...base, BATCH_MAX_DURATION: `${Math.ceil(maxDurationMs / 3_600_000) + 1}h` }), /BATCH_MAX_DURATION .*Go's limit/);
    assert.throws(() => loadConfig([], { ...base, BATCH_MAX_DURATION: `${"9".repeat(400)}h` }), (err: unknown) => err instanceof ConfigError && /\(\d+ characters\)/.test(err.message));
  });

  it("reads back ports, ENI counts and fractions written in base 10, and only those", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 65535 }), fc.integer({ min: 0, max: 64 }), fc.integer({ min: 0, max: 9999 }), (port, enis, permyriad) => {
        const fraction = permyriad / 10_000;
        const c = loadConfig([], { ...base, METRICS_PORT: String(port), HEALTH_PROBE_PORT: port === 1 ? "2" : "1", RESERVED_ENIS: ` ${enis} `, VM_MEMORY_OVERHEAD_PERCENT: String(fraction) });
        assert.deepEqual([c.metricsPort, c.reservedENIs, c.vmMemoryOverheadPercent], [port, enis, fraction]);
      }),
      { seed, numRuns: 300 },
    );
    for (const bad of ["0x10", "1e3", "1_000", "+80", "80.0", "-1", "65536", "Infinity", "٨٠"]) {
      assert.throws(() => loadConfig([], { ...base, METRICS_PORT: bad }), /invalid setting METRICS_PORT \(--metrics-port\): expected a port/, bad);
    }
  });

  it("reads Go's boolean words, and names the setting for anything else", () => {
    fc.assert(
      fc.property(fc.constantFrom(...trueWords, ...falseWords), fc.constantFrom("ISOLATED_VPC", "LEADER_ELECT"), (word, name) => {
        const c = loadConfig([], { ...base, [name]: word });
        const want = trueWords.includes(word);
        assert.equal(name === "ISOLATED_VPC" ? c.isolatedVPC : c.leaderElect, want);
      }),
      { seed, numRuns: 100 },
    );
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 10 }).filter((s) => ![...trueWords, ...falseWords].includes(s.trim()) && s.trim() !== ""), (word) => {
        assert.throws(() => loadConfig([], { ...base, ISOLATED_VPC: word }), /invalid setting ISOLATED_VPC \(--isolated-vpc\): expected true or false/);
        assert.throws(() => loadConfig(["--leader-elect", word], base), /invalid setting LEADER_ELECT \(--leader-elect\): expected true or false/);
      }),
      { seed, numRuns: 200 },
    );
  });

  it("reads back any set of feature gates, in any order and spacing, over the defaults", () => {
    const gates = fc.dictionary(fc.constantFrom(...featureGateNames), fc.boolean());
    fc.assert(
      fc.property(gates, fc.boolean(), (set, spaced) => {
        const entries = Object.entries(set);
        const text = entries.map(([name, on]) => `${name}=${on ? fc.sample(fc.constantFrom(...trueWords), { seed: name.length, numRuns: 1 })[0] : "false"}`).join(spaced ? " , " : ",");
        const c = loadConfig([], { ...base, FEATURE_GATES: text });
        assert.deepEqual(c.featureGates, { ...defaultFeatureGates, ...set });
      }),
      { seed, numRuns: 300 },
    );
    assert.throws(() => loadConfig([], { ...base, FEATURE_GATES: "__proto__=true" }), /FEATURE_GATES \(--feature-gates\): unknown feature gate "__proto__"/);
  });

  it("holds every documented default: nothing set equals each default written out", () => {
    const defaults = loadConfig([], base);
    for (const s of Object.values(settings)) {
      const d = "default" in s ? s.default : undefined;
      if (typeof d !== "string") continue;
      assert.deepEqual(loadConfig([], { ...base, [s.env]: d }), defaults, `${s.env}=${d} is its documented default`);
      assert.ok(s.description.length > 0);
    }
    assert.equal(defaults.leaderElectionNamespace, "kube-system");
    assert.equal(loadConfig([], { ...base, POD_NAMESPACE: "karpenter" }).leaderElectionNamespace, "karpenter", "the Lease goes in the pod's namespace by default");
    assert.equal(defaults.leaderElect, true);
  });

  it("lets a flag win over its variable", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 65535 }), fc.integer({ min: 1, max: 65535 }), (fromFlag, fromEnv) => {
        const c = loadConfig([`--metrics-port=${fromFlag}`], { ...base, METRICS_PORT: String(fromEnv), HEALTH_PROBE_PORT: "0" });
        assert.equal(c.metricsPort, fromFlag);
      }),
      { seed, numRuns: 100 },
    );
  });
});
