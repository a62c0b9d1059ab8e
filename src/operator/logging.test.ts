import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { controllerLogger, createLogger, objectRef, withObjects } from "./logging.js";
import type { LogLevel } from "./config.js";

function capture(level: LogLevel = "info") {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split("\n")) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger({ level, destination, base: { commit: "abc123" } }), lines };
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
