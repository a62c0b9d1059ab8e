import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { containStrayErrors } from "./strays.js";

function setup(stopping = false) {
  const lines: { level: string; msg: string }[] = [];
  const exits: number[] = [];
  const log = (level: string) => (_fields: unknown, msg: string) => void lines.push({ level, msg });
  const source = new EventEmitter();
  containStrayErrors(source, { logger: { error: log("error"), fatal: log("fatal"), warn: log("warn") }, stopping: () => stopping, exit: (c) => exits.push(c) });
  return { source, lines, exits };
}

describe("containStrayErrors", () => {
  it("logs a stray rejection and keeps the process running", () => {
    const { source, lines, exits } = setup();
    source.emit("unhandledRejection", new Error("forgotten catch"));
    assert.deepEqual(lines.map((l) => l.level), ["error"]);
    assert.deepEqual(exits, []);
  });

  it("ends the process on an uncaught exception while running", () => {
    const { source, lines, exits } = setup();
    source.emit("uncaughtException", new Error("boom"));
    assert.deepEqual(lines.map((l) => l.level), ["fatal"]);
    assert.deepEqual(exits, [1]);
  });

  it("lets a shutdown finish (exit code untouched) when an aborted request throws during it", () => {
    const { source, lines, exits } = setup(true);
    source.emit("uncaughtException", new Error("aborted"));
    source.emit("unhandledRejection", new Error("aborted"));
    assert.deepEqual(lines.map((l) => l.level), ["warn", "warn"]);
    assert.deepEqual(exits, []);
  });
});
