import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { keepConnectionsAlive } from "./kubeagent.js";

// A plain-HTTP stand-in for the API server's namespace list: enough to count the connections
// client-node opens (it allows http:// only with skipTLSVerify).
describe("kept-alive Kubernetes connections", () => {
  let server: Server;
  let connections = 0;
  let url = "";
  before(async () => {
    server = createServer((_req, res) => {
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ apiVersion: "v1", kind: "NamespaceList", metadata: {}, items: [] }));
    });
    server.on("connection", () => connections++);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))));

  const config = () => {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: "c", server: url, skipTLSVerify: true }],
      users: [{ name: "u", token: "t" }],
      contexts: [{ name: "x", cluster: "c", user: "u" }],
      currentContext: "x",
    });
    return kc;
  };

  it("opens a connection per call without it, and one for sequential calls with it", async () => {
    connections = 0;
    const plain = config().makeApiClient(CoreV1Api);
    for (let i = 0; i < 5; i++) await plain.listNamespace();
    assert.equal(connections, 5, "client-node alone: a new connection every call");

    connections = 0;
    const pooled = keepConnectionsAlive(config()).makeApiClient(CoreV1Api);
    for (let i = 0; i < 5; i++) await pooled.listNamespace();
    assert.equal(connections, 1, "kept alive: every call on one connection");
  });

  it("shares the pool between the API clients of one KubeConfig and still answers concurrent calls", async () => {
    connections = 0;
    const kc = keepConnectionsAlive(config());
    const a = kc.makeApiClient(CoreV1Api);
    const b = kc.makeApiClient(CoreV1Api);
    const lists = await Promise.all([a.listNamespace(), b.listNamespace(), a.listNamespace()]);
    assert.deepEqual(lists.map((l) => l.items.length), [0, 0, 0]);
    const opened = connections;
    await a.listNamespace();
    await b.listNamespace();
    assert.equal(connections, opened, "later calls reuse the connections the first ones opened");
  });
});
