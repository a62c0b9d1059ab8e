// Tenon's generated CRDs on a real kube-apiserver: Karpenter v1 manifests are accepted and
// defaulted as Karpenter's CRDs do, bad ones are refused naming the field, and our zod schemas
// agree with the API server on both.
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it, before } from "node:test";
import { CustomObjectsApi } from "@kubernetes/client-node";
import type { z } from "zod";
import {
  CapacityBufferSchema,
  CapacityBufferStatusSchema,
  EC2NodeClassSchema,
  EC2NodeClassStatusSchema,
  NodeClaimSchema,
  NodeClaimStatusSchema,
  NodeOverlaySchema,
  NodeOverlayStatusSchema,
  NodePoolSchema,
  NodePoolStatusSchema,
} from "../../src/apis/index.js";
import { formatPath } from "../../src/apis/parse.js";
import { installCRDs, useControlPlane } from "../env/index.js";
import { repoRoot } from "../env/paths.js";
import { controllerRefusedManifests, invalidManifests, resourceOf, serverMessage, statusManifests, validManifests, type Manifest } from "./corpus.js";

const schemas: Record<string, { object: z.ZodType; status: z.ZodType }> = {
  NodePool: { object: NodePoolSchema, status: NodePoolStatusSchema },
  NodeClaim: { object: NodeClaimSchema, status: NodeClaimStatusSchema },
  EC2NodeClass: { object: EC2NodeClassSchema, status: EC2NodeClassStatusSchema },
  NodeOverlay: { object: NodeOverlaySchema, status: NodeOverlayStatusSchema },
  CapacityBuffer: { object: CapacityBufferSchema, status: CapacityBufferStatusSchema },
};

type Obj = Manifest["object"] & { spec: unknown; status?: unknown; metadata: { name: string; resourceVersion?: string; generation?: number } };

// Messages the API server words itself for OpenAPI keywords; zod words these differently.
const openAPIPhrases = ["should match", "Unsupported value", "Required value", "should be greater than or equal to", "should be less than or equal to"];

describe("CRDs on a real API server", () => {
  const cluster = useControlPlane();
  let api: CustomObjectsApi;
  // Cluster-scoped kinds and the namespaced CapacityBuffer through one set of calls.
  const get = (o: Manifest["object"]) => {
    const r = resourceOf(o);
    const name = o.metadata.name;
    return (r.namespace ? api.getNamespacedCustomObject({ ...r, namespace: r.namespace, name }) : api.getClusterCustomObject({ ...r, name })) as Promise<Obj>;
  };
  const create = (o: Manifest["object"]) => {
    const r = resourceOf(o);
    return r.namespace ? api.createNamespacedCustomObject({ ...r, namespace: r.namespace, body: o }) : api.createClusterCustomObject({ ...r, body: o });
  };
  const replace = (o: Manifest["object"], body: object) => {
    const r = resourceOf(o);
    const name = o.metadata.name;
    return r.namespace ? api.replaceNamespacedCustomObject({ ...r, namespace: r.namespace, name, body }) : api.replaceClusterCustomObject({ ...r, name, body });
  };
  const replaceStatus = (o: Manifest["object"], body: object) => {
    const r = resourceOf(o);
    const name = o.metadata.name;
    return r.namespace ? api.replaceNamespacedCustomObjectStatus({ ...r, namespace: r.namespace, name, body }) : api.replaceClusterCustomObjectStatus({ ...r, name, body });
  };

  before(async () => {
    await installCRDs(cluster().kubeConfig(), join(repoRoot, "crds"));
    api = cluster().kubeConfig().makeApiClient(CustomObjectsApi);
  });

  describe("valid manifests are accepted, defaulted exactly as our schemas default them, and round-trip", () => {
    for (const m of validManifests()) {
      it(`${m.file}`, async () => {
        const expected = schemas[m.object.kind]!.object.parse(m.object) as Obj;
        await create(m.object);
        const stored = await get(m.object as Obj);
        assert.deepEqual(stored.spec, expected.spec, "server defaults differ from zod defaults");

        // API server → zod parse → API server: nothing changes, not even the generation.
        const reparsed = schemas[m.object.kind]!.object.parse(stored) as Obj;
        await replace(m.object, reparsed);
        const after = await get(m.object as Obj);
        assert.deepEqual(after.spec, stored.spec);
        assert.equal(after.metadata.generation, stored.metadata.generation);
        assert.equal(after.metadata.resourceVersion, stored.metadata.resourceVersion, "a no-op update must not write");
      });
    }
  });

  describe("status subresource stores every status field", () => {
    for (const m of statusManifests()) {
      it(`${m.object.kind} ${m.object.metadata.name}`, async () => {
        const current = await get(m.object as Obj);
        const body = { ...current, status: (m.object as Obj).status };
        await replaceStatus(m.object, body);
        const stored = await get(m.object as Obj);
        const expected = schemas[m.object.kind]!.status.parse((m.object as Obj).status);
        assert.deepEqual(stored.status, expected);
        schemas[m.object.kind]!.object.parse(stored);
      });
    }
  });

  describe("invalid manifests are refused by the API server and by zod, naming the field", () => {
    const cases = invalidManifests();
    it("the corpus has at least 25 invalid manifests", () => assert.ok(cases.length >= 25, `${cases.length}`));
    for (const m of cases) {
      it(`${m.file}: ${m.field}: ${m.expect}`, async () => {
        await assert.rejects(
          create(m.object),
          (err: unknown) => {
            const msg = serverMessage(err);
            assert.equal((err as { code?: number }).code, 422, msg);
            assert.ok(msg.includes(m.field), `server message does not name ${m.field}: ${msg}`);
            assert.ok(msg.includes(m.expect), `server message lacks "${m.expect}": ${msg}`);
            return true;
          },
        );
        const parsed = schemas[m.object.kind]!.object.safeParse(m.object);
        assert.equal(parsed.success, false, "zod accepted what the API server refuses");
        const issues = parsed.error!.issues.map((i) => ({ path: i.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("").replace(/^\./, "").replace(/\.\[/g, "["), message: i.message }));
        const onField = issues.filter((i) => i.path === m.field);
        assert.ok(onField.length > 0, `zod issues are not on ${m.field}: ${JSON.stringify(issues)}`);
        if (!openAPIPhrases.some((p) => m.expect.includes(p))) {
          assert.ok(onField.some((i) => i.message.includes(m.expect)), `zod message lacks "${m.expect}": ${JSON.stringify(onField)}`);
        }
      });
    }
  });

  describe("spec.kubelet is the controller's to refuse, as in Karpenter: the API server stores it, zod refuses it naming the field", () => {
    for (const m of controllerRefusedManifests()) {
      it(`${m.file}: ${m.field}: ${m.expect}`, async () => {
        await api.createClusterCustomObject({ ...resourceOf(m.object), body: m.object });
        const stored = await get(m.object as Obj);
        assert.deepEqual((stored.spec as { kubelet?: unknown }).kubelet, (m.object as Obj & { spec: { kubelet?: unknown } }).spec.kubelet, "the API server pruned or changed spec.kubelet");
        const parsed = schemas[m.object.kind]!.object.safeParse(stored);
        assert.equal(parsed.success, false, "zod accepted a kubelet configuration Karpenter's controller refuses");
        const onField = parsed.error!.issues.filter((i) => formatPath(i.path) === m.field);
        assert.ok(
          onField.some((i) => i.message.includes(m.expect)),
          `no issue on ${m.field} saying "${m.expect}": ${JSON.stringify(parsed.error!.issues)}`,
        );
      });
    }
  });

  describe("immutable fields stay immutable", () => {
    const update = async (o: Obj, change: (o: Obj) => void) => {
      const current = await get(o);
      change(current);
      return replace(o, current);
    };
    const refusedWith = (text: string) => (err: unknown) => {
      assert.ok(serverMessage(err).includes(text), serverMessage(err));
      return true;
    };
    const byName = (kind: string, name: string) => validManifests().find((m) => m.object.kind === kind && m.object.metadata.name === name)!.object as Obj;

    it("a NodeClaim's spec cannot change", async () => {
      await assert.rejects(update(byName("NodeClaim", "default-abcde"), (o) => ((o.spec as { expireAfter: string }).expireAfter = "1h")), refusedWith("spec is immutable"));
    });
    it("an EC2NodeClass's role cannot change", async () => {
      await assert.rejects(update(byName("EC2NodeClass", "default"), (o) => ((o.spec as { role: string }).role = "OtherRole")), refusedWith("immutable field changed"));
    });
    it("an EC2NodeClass cannot switch from instanceProfile to role", async () => {
      await assert.rejects(
        update(byName("EC2NodeClass", "windows"), (o) => {
          const spec = o.spec as { role?: string; instanceProfile?: string };
          delete spec.instanceProfile;
          spec.role = "SomeRole";
        }),
        refusedWith("changing from 'instanceProfile' to 'role' is not supported"),
      );
    });
    it("a static NodePool cannot become dynamic, nor a dynamic one static; its replicas can change", async () => {
      const fixed = byName("NodePool", "static-capacity");
      await assert.rejects(
        update(fixed, (o) => delete (o.spec as { replicas?: number }).replicas),
        refusedWith("Cannot transition NodePool between static (replicas set) and dynamic (replicas unset) provisioning modes"),
      );
      await update(fixed, (o) => ((o.spec as { replicas: number }).replicas = 3));
      assert.equal(((await get(fixed)).spec as { replicas: number }).replicas, 3);
      await assert.rejects(
        update(byName("NodePool", "balanced"), (o) => ((o.spec as { replicas?: number }).replicas = 2)),
        refusedWith("Cannot transition NodePool between static (replicas set) and dynamic (replicas unset) provisioning modes"),
      );
    });
    it("a NodePool's nodeClassRef kind cannot change, but its name can", async () => {
      const np = byName("NodePool", "default");
      await assert.rejects(update(np, (o) => ((o.spec as { template: { spec: { nodeClassRef: { kind: string } } } }).template.spec.nodeClassRef.kind = "Other")), refusedWith("nodeClassRef.kind is immutable"));
      await update(np, (o) => ((o.spec as { template: { spec: { nodeClassRef: { name: string } } } }).template.spec.nodeClassRef.name = "other"));
    });
  });
});
