import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { HostPortUsage } from "./hostports.js";

describe("host ports", () => {
  test("conflict on same protocol and port when either address is the wildcard or they are equal", () => {
    const u = new HostPortUsage();
    u.add([{ ip: "10.0.0.1", protocol: "TCP", port: 80 }]);
    assert.ok(u.conflict([{ ip: "0.0.0.0", protocol: "TCP", port: 80 }]));
    assert.ok(u.conflict([{ ip: "10.0.0.1", protocol: "TCP", port: 80 }]));
    assert.ok(!u.conflict([{ ip: "10.0.0.2", protocol: "TCP", port: 80 }]));
    assert.ok(!u.conflict([{ ip: "0.0.0.0", protocol: "UDP", port: 80 }]));
    assert.ok(!u.conflict([{ ip: "0.0.0.0", protocol: "TCP", port: 81 }]));
    u.remove([{ ip: "10.0.0.1", protocol: "TCP", port: 80 }]);
    assert.ok(u.empty);
  });
});
