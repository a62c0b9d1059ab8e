import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { EventEmitter } from "node:events";
import { controllerLogger, createLogger, logProcessWarnings, objectRef, withObjects } from "./logging.js";
import { logProblems, topLevelKeys } from "../../test/kit/logs.js";
import type { LogLevel } from "./config.js";

function capture(level: LogLevel = "info") {
  const lines: Record<string, unknown>[] = [];
  const raw: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split("\n")) {
        if (!line) continue;
        raw.push(line);
        lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      done();
    },
  });
  return { logger: createLogger({ level, destination, base: { commit: "abc123" } }), lines, raw };
}

describe("createLogger", () => {
  it("writes Karpenter-shaped JSON lines", () => {
    const { logger, lines } = capture();
    logger.info("discovered kubernetes version");
    assert.equal(lines.length, 1);
    const line = lines[0]!;
    assert.equal(line.level, "INFO");
    assert.equal(line.message, "discovered kubernetes version");
    assert.equal(line.logger, "controller");
    assert.equal(line.commit, "abc123");
    assert.match(String(line.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.equal("pid" in line, false);
  });

  it("drops lines below the level", () => {
    const { logger, lines } = capture("error");
    logger.info("quiet");
    logger.error("loud");
    assert.deepEqual(
      lines.map((l) => l.message),
      ["loud"],
    );
  });

  it("serializes errors under `error`", () => {
    const { logger, lines } = capture();
    logger.error({ error: new Error("boom") }, "launching nodeclaim");
    const error = lines[0]!.error as Record<string, unknown>;
    assert.equal(error.message, "boom");
    assert.equal(typeof error.stack, "string");
  });
});

describe("controller and object fields", () => {
  it("name the controller and the objects", () => {
    const { logger, lines } = capture();
    const log = withObjects(controllerLogger(logger, "provisioner"), {
      NodePool: { metadata: { name: "default" } },
      NodeClaim: "default-x7k2p",
      Pod: { metadata: { name: "web-1", namespace: "shop" } },
      Node: undefined,
    });
    log.info("created nodeclaim");
    const line = lines[0]!;
    assert.equal(line.controller, "provisioner");
    assert.deepEqual(line.NodePool, { name: "default" });
    assert.deepEqual(line.NodeClaim, { name: "default-x7k2p" });
    assert.deepEqual(line.Pod, { name: "web-1", namespace: "shop" });
    assert.equal("Node" in line, false);
  });

  it("objectRef tolerates missing metadata", () => {
    assert.deepEqual(objectRef({}), { name: "" });
  });
});

describe("one key once per line", () => {
  it("a field named like the line's own keys is kept under <key>Field, the message stays the message", () => {
    const { logger, lines, raw } = capture();
    logger.warn({ condition: "Ready", message: "SecurityGroups not found", level: "x" }, "ec2nodeclass condition is not true");
    assert.deepEqual(logProblems(raw.join("\n")), []);
    assert.equal(lines[0]!.message, "ec2nodeclass condition is not true");
    assert.equal(lines[0]!.messageField, "SecurityGroups not found");
    assert.equal(lines[0]!.level, "WARN");
  });

  it("a field repeating a child logger's binding is dropped when equal, kept aside when not", () => {
    const { logger, lines, raw } = capture();
    const log = controllerLogger(logger, "provisioner");
    log.error({ controller: "provisioner", key: "a" }, "worker died");
    log.info({ controller: "disruption" }, "odd");
    assert.deepEqual(logProblems(raw.join("\n")), []);
    assert.deepEqual(topLevelKeys(raw[0]!).filter((k) => k === "controller"), ["controller"]);
    assert.equal(lines[1]!.controller, "provisioner");
    assert.equal(lines[1]!.controllerField, "disruption");
  });

  it("the checker itself sees a key twice", () => {
    assert.deepEqual(topLevelKeys(String.raw`{"a":1,"b":{"a":2},"c":"has \"a\": inside","a":3}`), ["a", "b", "c", "a"]);
    assert.equal(logProblems('{"message":"a","message":"b"}\nplain text').length, 2);
  });
});

describe("process warnings", () => {
  it("are JSON lines in the log, once per text, instead of plain text on stderr", () => {
    const { logger, lines } = capture();
    const proc = new EventEmitter() as unknown as NodeJS.Process;
    proc.on("warning", () => assert.fail("the default printer must be gone"));
    logProcessWarnings(logger, proc);
    const w = Object.assign(new Error("Possible EventTarget memory leak detected. 11 abort listeners added to [AbortSignal]"), { name: "MaxListenersExceededWarning" });
    proc.emit("warning", w);
    proc.emit("warning", w);
    assert.equal(lines.length, 1);
    assert.equal(lines[0]!.level, "WARN");
    assert.equal(lines[0]!.warning, "MaxListenersExceededWarning");
    assert.match(String(lines[0]!.message), /memory leak/);
  });
});
