// Installs the manifests of a folder (CRDs first) with server-side apply and waits until every
// CustomResourceDefinition is Established, so that its kinds can be used at once.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  ApiextensionsV1Api,
  loadAllYaml,
  KubernetesObjectApi,
  PatchStrategy,
  type KubeConfig,
  type KubernetesObject,
} from "@kubernetes/client-node";
import { parseAllDocuments } from "yaml";
import { waitFor } from "./proc.js";

export const FIELD_MANAGER = "tenon-testenv";

/** Every object in the *.yaml / *.yml files of dir, in file order. */
export function readManifests(dir: string): KubernetesObject[] {
  const files = readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort();
  const out: KubernetesObject[] = [];
  for (const f of files) {
    const text = readFileSync(join(dir, f), "utf8");
    for (const doc of parseAllDocuments(text)) {
      if (doc.errors.length > 0) throw new Error(`${join(dir, f)}: ${doc.errors[0]!.message}`);
    }
    // loadAllYaml turns each document into the client's typed model. Handing a raw object to
    // the typed API instead silently drops keys such as `enum`, `default` and
    // `x-kubernetes-validations`, which the model spells differently.
    for (const loaded of loadAllYaml(text) as (KubernetesObject | null)[]) {
      const obj = loaded;
      if (obj === null || obj === undefined) continue;
      if (!obj.apiVersion || !obj.kind || !obj.metadata?.name) {
        throw new Error(`${join(dir, f)}: a document lacks apiVersion, kind or metadata.name`);
      }
      out.push(obj);
    }
  }
  return out;
}

/**
 * Applies every manifest under dir and waits until each CRD among them is Established.
 * Returns the names of the CRDs.
 */
export async function installCRDs(kc: KubeConfig, dir: string, opts: { timeoutMs?: number } = {}): Promise<string[]> {
  const objects = readManifests(dir);
  const isCrd = (o: KubernetesObject) => o.kind === "CustomResourceDefinition";
  const ordered = [...objects.filter(isCrd), ...objects.filter((o) => !isCrd(o))];
  const client = KubernetesObjectApi.makeApiClient(kc);
  const ext = kc.makeApiClient(ApiextensionsV1Api);
  const crdNames: string[] = [];
  for (const obj of ordered) {
    if (isCrd(obj)) {
      await client.patch(obj, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
      crdNames.push(obj.metadata!.name!);
      continue;
    }
    // Objects of a CRD just applied may need the CRD to be served first.
    await waitForEstablished(ext, crdNames, opts.timeoutMs);
    await client.patch(obj, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
  }
  await waitForEstablished(ext, crdNames, opts.timeoutMs);
  return crdNames;
}

async function waitForEstablished(ext: ApiextensionsV1Api, names: string[], timeoutMs = 60_000): Promise<void> {
  for (const name of names) {
    await waitFor(
      `CustomResourceDefinition ${name} Established`,
      async () => {
        const crd = await ext.readCustomResourceDefinition({ name });
        const conds = crd.status?.conditions ?? [];
        const ok = (type: string) => conds.some((c) => c.type === type && c.status === "True");
        if (conds.some((c) => c.type === "NamesAccepted" && c.status === "False")) {
          const c = conds.find((x) => x.type === "NamesAccepted")!;
          throw new Error(`CustomResourceDefinition ${name}: names not accepted: ${c.message ?? c.reason ?? ""}`);
        }
        return ok("Established") ? true : undefined;
      },
      { timeoutMs, intervalMs: 100 },
    );
  }
}
