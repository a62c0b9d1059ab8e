// Reads the manifest corpora: valid objects, invalid ones (with the field and message each must be
// refused with, from the `# field:` and `# expect:` header lines) and status blocks.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";

export const manifestsDir = join(dirname(fileURLToPath(import.meta.url)), "manifests");

export interface Manifest {
  file: string;
  object: { apiVersion: string; kind: string; metadata: { name: string } } & Record<string, unknown>;
}
export interface InvalidManifest extends Manifest {
  field: string;
  expect: string;
}

function readDir(dir: string): Manifest[] {
  const out: Manifest[] = [];
  for (const file of readdirSync(join(manifestsDir, dir)).filter((f) => f.endsWith(".yaml")).sort()) {
    const text = readFileSync(join(manifestsDir, dir, file), "utf8");
    for (const doc of parseAllDocuments(text)) {
      const object = doc.toJS() as Manifest["object"] | null;
      if (object) out.push({ file: `${dir}/${file}`, object });
    }
  }
  return out;
}

export const validManifests = (): Manifest[] => readDir("valid");
/** Karpenter v1.14's own examples/v1, byte for byte (see karpenter-examples/README.md). */
export const karpenterExamples = (): Manifest[] => readDir("karpenter-examples");
export const statusManifests = (): Manifest[] => readDir("status");

export const invalidManifests = (): InvalidManifest[] => withHeaders(readDir("invalid"));

function withHeaders(ms: Manifest[]): InvalidManifest[] {
  return ms.map((m) => {
    const text = readFileSync(join(manifestsDir, m.file), "utf8");
    const header = (name: string) => {
      const line = text.split("\n").find((l) => l.startsWith(`# ${name}: `));
      if (!line) throw new Error(`${m.file}: missing "# ${name}:" header`);
      return line.slice(`# ${name}: `.length).trim();
    };
    return { ...m, field: header("field"), expect: header("expect") };
  });
}

/** The API server's error text, from the client's exception. */
export function serverMessage(err: unknown): string {
  const e = err as { code?: number; body?: unknown; message?: string };
  const body = typeof e.body === "string" ? e.body : JSON.stringify(e.body ?? "");
  try {
    return (JSON.parse(body) as { message?: string }).message ?? body;
  } catch {
    return body || String(e.message);
  }
}

/** group, version, plural (and namespace, for namespaced kinds) of each of our kinds, for the custom objects API. */
export function resourceOf(obj: Manifest["object"]): { group: string; version: string; plural: string; namespace?: string } {
  const [group, version] = obj.apiVersion.split("/") as [string, string];
  const plural = { NodePool: "nodepools", NodeClaim: "nodeclaims", EC2NodeClass: "ec2nodeclasses", NodeOverlay: "nodeoverlays", CapacityBuffer: "capacitybuffers" }[obj.kind];
  if (!plural) throw new Error(`unknown kind ${obj.kind}`);
  const namespace = obj.kind === "CapacityBuffer" ? ((obj.metadata as { namespace?: string }).namespace ?? "default") : undefined;
  return { group, version, plural, ...(namespace ? { namespace } : {}) };
}

/**
 * Manifests Karpenter's CRD accepts and its controller refuses (spec.kubelet is an open object the
 * controller validates): the API server must take them, and zod must refuse them naming the field.
 */
export function controllerRefusedManifests(): InvalidManifest[] {
  return withHeaders(readDir("controller"));
}
