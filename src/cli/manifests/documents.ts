// Splits manifest text into Kubernetes objects: multi-document YAML (JSON is YAML too), and the
// List wrappers `kubectl get -o yaml` prints (kind: List, or NodeList, PodList … with items).
import { parseAllDocuments } from "yaml";
import { ManifestError } from "./errors.js";
import type { SourceText } from "./read.js";

/** One object and where it came from, for messages. */
export interface Manifest {
  source: string;
  object: KubeObject;
}

/** The envelope every Kubernetes object has; the rest is checked per kind later. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  [field: string]: unknown;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** `kubectl get a,b -o yaml` prints `kind: List`; a typed list (`kind: PodList`) is also accepted. */
const isList = (o: Record<string, unknown>): boolean => typeof o.kind === "string" && o.kind.endsWith("List") && Array.isArray(o.items);

function describeAt(source: string, docIndex: number, docCount: number): string {
  return docCount > 1 ? `${source} (document ${docIndex + 1})` : source;
}

function toObject(value: unknown, where: string): KubeObject {
  if (!isRecord(value)) throw new ManifestError(`${where}: expected a Kubernetes object (a mapping with apiVersion and kind), got ${Array.isArray(value) ? "a list" : typeof value}`);
  for (const field of ["apiVersion", "kind"] as const) {
    if (typeof value[field] !== "string" || value[field] === "") throw new ManifestError(`${where}: object has no ${field}; every manifest needs apiVersion and kind`);
  }
  return value as KubeObject;
}

function flatten(value: unknown, where: string, out: Manifest[], source: string): void {
  if (isRecord(value) && isList(value)) {
    (value.items as unknown[]).forEach((item, i) => flatten(item, `${where}: items[${i}]`, out, source));
    return;
  }
  out.push({ source, object: toObject(value, where) });
}

/** Parses one input into its objects; YAML errors name the file, line and column. */
export function parseDocuments({ source, text }: SourceText): Manifest[] {
  const docs = parseAllDocuments(text, { prettyErrors: true });
  if (!Array.isArray(docs)) return []; // an empty stream
  const out: Manifest[] = [];
  docs.forEach((doc, i) => {
    const err = doc.errors[0];
    if (err) {
      const pos = err.linePos?.[0];
      // prettyErrors appends " at line L, column C:" and a source excerpt; the position goes up front instead.
      const message = (err.message.split("\n")[0] ?? "").replace(/ at line \d+, column \d+:?$/, "");
      throw new ManifestError(`${source}${pos ? `:${pos.line}:${pos.col}` : ""}: invalid YAML: ${message}`);
    }
    const value: unknown = doc.toJS({ maxAliasCount: 100 });
    // `---` with nothing after it, or a file of comments, is an empty document, not an error.
    if (value === null || value === undefined) return;
    flatten(value, describeAt(source, i, docs.length), out, source);
  });
  return out;
}
