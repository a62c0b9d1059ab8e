import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { TerminalError, isPanic, isTerminal } from "./errors.js";

describe("reconcile failure classes", () => {
  const cases: { name: string; err: unknown; panic: boolean; terminal: boolean }[] = [
    { name: "an ordinary failure", err: new Error("conflict"), panic: false, terminal: false },
    { name: "a thrown string", err: "boom", panic: true, terminal: false },
    { name: "a thrown undefined", err: undefined, panic: true, terminal: false },
    { name: "a property of undefined", err: (() => { try { return (undefined as unknown as { a: number }).a; } catch (e) { return e; } })(), panic: true, terminal: false },
    { name: "an unknown name", err: new ReferenceError("x is not defined"), panic: true, terminal: false },
    { name: "runaway recursion", err: new RangeError("Maximum call stack size exceeded"), panic: true, terminal: false },
    { name: "undici's fetch failed (a TypeError with a cause)", err: new TypeError("fetch failed", { cause: new Error("ECONNREFUSED") }), panic: false, terminal: false },
    { name: "a terminal error", err: new TerminalError("spec.x is invalid"), panic: false, terminal: true },
    { name: "a terminal error wrapped", err: new Error("reconciling", { cause: new TerminalError("spec.x is invalid") }), panic: false, terminal: true },
  ];
  for (const c of cases) {
    it(`${c.name}: panic ${c.panic}, terminal ${c.terminal}`, () => {
      assert.equal(isPanic(c.err), c.panic);
      assert.equal(isTerminal(c.err), c.terminal);
    });
  }
});
