// Karpenter v1.14.1's own example manifests (examples/v1, copied unchanged into
// manifests/karpenter-examples) on a real kube-apiserver with tenon's CRDs: every document that
// Karpenter's CRDs accept is accepted — server-side applied as is, `${CLUSTER_NAME}` placeholders
// and all — and defaulted as tenon's zod schemas default it; every document they refuse is refused,
// by the API server and by zod, naming the field.
//
// The table of refusals was checked against the oracle itself: TENON_EXAMPLES_CRDS=<dir> runs this
// file against another folder of CRDs, such as Karpenter's pkg/apis/crds at the same tag.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { before, describe, it } from "node:test";
import { KubernetesObjectApi, PatchStrategy, type KubernetesObject } from "@kubernetes/client-node";
import type { z } from "zod";
import { EC2NodeClassSchema, NodePoolSchema } from "../../src/apis/index.js";
import { formatPath } from "../../src/apis/parse.js";
import { installCRDs, useControlPlane } from "../env/index.js";
import { bin, repoRoot } from "../env/paths.js";
import { karpenterExamples, manifestsDir, serverMessage, type Manifest } from "./corpus.js";

const examplesDir = join(manifestsDir, "karpenter-examples");
const crdsDir = process.env.TENON_EXAMPLES_CRDS ?? join(repoRoot, "crds");

// The examples hold only these two kinds.
const schemas: Record<string, z.ZodType> = { NodePool: NodePoolSchema, EC2NodeClass: EC2NodeClassSchema };

interface Refusal {
  file: string;
  kind: string;
  name: string;
  /** The field the API server's message and zod's issue must name. */
  field: string;
  /** Text the API server's message must hold. */
  expect: string;
}

/**
 * The example documents Karpenter v1.14.1 itself refuses; every other document applies.
 *
 * windows-custom-userdata.yaml: its NodePool writes `nodeClassRef.group: karpenter.k8s.aws/v1`,
 * an apiVersion where a group belongs. Karpenter's NodePool CRD at that tag
 * (pkg/apis/crds/karpenter.sh_nodepools.yaml) gives `nodeClassRef.group` the pattern `^[^/]*$`,
 * so Karpenter's API server refuses the NodePool, and so does tenon's. The EC2NodeClass beside it
 * is fine and applies.
 */
const refusedByKarpenter: Refusal[] = [
  {
    file: "windows-custom-userdata.yaml",
    kind: "NodePool",
    name: "windows2022",
    field: "spec.template.spec.nodeClassRef.group",
    expect: `Invalid value: "karpenter.k8s.aws/v1": spec.template.spec.nodeClassRef.group in body should match '^[^/]*$'`,
  },
];

const fileOf = (m: Manifest) => basename(m.file);
const refusalOf = (m: Manifest) => refusedByKarpenter.find((r) => r.file === fileOf(m) && r.kind === m.object.kind && r.name === m.object.metadata.name);

/** The id git gives a file's content: what `git ls-tree` prints for it in Karpenter's repository. */
const gitBlobId = (bytes: Buffer) => createHash("sha1").update(`blob ${bytes.length}\0`).update(bytes).digest("hex");

describe("Karpenter v1.14's example manifests", () => {
  const examples = karpenterExamples();

  it("are Karpenter's files, unchanged: each one's git blob id is the one the README records from the tag", () => {
    const readme = readFileSync(join(examplesDir, "README.md"), "utf8");
    const recorded = Object.fromEntries([...readme.matchAll(/^\| `([^`]+\.yaml)` \| `([0-9a-f]{40})` \|$/gm)].map((m) => [m[1]!, m[2]!]));
    const present = Object.fromEntries(
      readdirSync(examplesDir)
        .filter((f) => f.endsWith(".yaml"))
        .map((f) => [f, gitBlobId(readFileSync(join(examplesDir, f)))]),
    );
    assert.equal(Object.keys(recorded).length, 22, "the README's table lists every file of examples/v1 at v1.14.1");
    assert.deepEqual(present, recorded);
  });

  it("hold only NodePools and EC2NodeClasses, and every listed refusal is one of their documents", () => {
    assert.deepEqual([...new Set(examples.map((m) => m.object.kind))].sort(), ["EC2NodeClass", "NodePool"]);
    for (const r of refusedByKarpenter) assert.ok(examples.some((m) => refusalOf(m) === r), `no document ${r.kind} ${r.name} in ${r.file}`);
  });

  describe(`on an API server with the CRDs of ${crdsDir}`, () => {
    const cluster = useControlPlane();
    let objects: KubernetesObjectApi;
    // Server-side apply, dry run: each document is validated and defaulted as if it were the only
    // one (many examples share the names "default"), and nothing is stored.
    const apply = (m: Manifest) => objects.patch(m.object as KubernetesObject, undefined, "All", "tenon-examples-test", true, PatchStrategy.ServerSideApply) as Promise<{ spec: unknown }>;

    before(async () => {
      await installCRDs(cluster().kubeConfig(), crdsDir);
      objects = KubernetesObjectApi.makeApiClient(cluster().kubeConfig());
    });

    for (const m of examples) {
      const refusal = refusalOf(m);
      const title = `${fileOf(m)}: ${m.object.kind} ${m.object.metadata.name}`;
      if (!refusal) {
        it(`${title} applies unchanged, defaulted as zod defaults it`, async () => {
          const applied = await apply(m).catch((err: unknown) => assert.fail(`refused: ${serverMessage(err)}`));
          const parsed = schemas[m.object.kind]!.safeParse(m.object);
          assert.ok(parsed.success, `zod refuses what the API server accepts: ${JSON.stringify(parsed.error?.issues)}`);
          assert.deepEqual(applied.spec, (parsed.data as { spec: unknown }).spec, "server defaults differ from zod defaults");
        });
        continue;
      }
      it(`${title} is refused on ${refusal.field}, as Karpenter refuses it`, async () => {
        await assert.rejects(apply(m), (err: unknown) => {
          const msg = serverMessage(err);
          assert.equal((err as { code?: number }).code, 422, msg);
          assert.ok(msg.includes(refusal.field), `server message does not name ${refusal.field}: ${msg}`);
          assert.ok(msg.includes(refusal.expect), `server message lacks "${refusal.expect}": ${msg}`);
          return true;
        });
        const parsed = schemas[m.object.kind]!.safeParse(m.object);
        assert.equal(parsed.success, false, "zod accepts what the API server refuses");
        const fields = parsed.error!.issues.map((i) => formatPath(i.path));
        assert.deepEqual([...new Set(fields)], [refusal.field], `zod's issues are not (only) on ${refusal.field}`);
      });
    }

    // What a user types. Client-side apply reports each document and carries on past a refused one.
    for (const file of [...new Set(examples.map(fileOf))]) {
      it(`kubectl apply --dry-run=server -f ${file}`, () => {
        const r = spawnSync(bin.kubectl, ["--kubeconfig", cluster().kubeconfigPath, "apply", "--dry-run=server", "-f", join(examplesDir, file)], { encoding: "utf8" });
        const docs = examples.filter((m) => fileOf(m) === file);
        for (const m of docs.filter((d) => !refusalOf(d))) {
          const resource = `${m.object.kind.toLowerCase()}.${m.object.apiVersion.split("/")[0]}/${m.object.metadata.name}`;
          assert.match(r.stdout, new RegExp(`^${resource.replace(/\./g, "\\.")} created \\(server dry run\\)$`, "m"), r.stderr);
        }
        const refused = docs.map(refusalOf).filter((x) => x !== undefined);
        if (refused.length === 0) {
          assert.equal(r.status, 0, r.stderr);
          return;
        }
        assert.notEqual(r.status, 0);
        for (const x of refused) assert.ok(r.stderr.includes(`The ${x.kind} "${x.name}" is invalid: ${x.field}: ${x.expect}`), r.stderr);
      });
    }
  });
});
