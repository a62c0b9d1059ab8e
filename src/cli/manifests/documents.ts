// Splits manifest text into Kubernetes objects: multi-document YAML (JSON is YAML too), and the
// List wrappers `kubectl get -o yaml` prints (kind: List, or NodeList, PodList … with items).
//
// YAML is read as kubectl reads it: YAML 1.1, so `<<` merge keys are honoured and yes/no/on/off are
// booleans (a label `enabled: on` is then refused, as the API server refuses it); timestamps,
// binary and sets stay plain text and lists, since kubectl's conversion to JSON keeps them so.
// Documents are composed one at a time, so memory follows the largest document rather than the
// stream; alias expansion and nesting are bounded (see limits.ts).
import { Composer, type Document, Parser, type Tags } from "yaml";
import { MaxAliasCount, MaxDepth, MaxDocuments } from "../simulate/limits.js";
import { quote } from "../safe-text.js";
import { originalLine } from "./concatenated.js";
import { lineCol } from "./decode.js";
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

/** YAML 1.1 types that kubectl's YAML-to-JSON conversion does not produce: they stay strings, maps and lists. */
const notKubectlTypes = new Set(["tag:yaml.org,2002:binary", "tag:yaml.org,2002:omap", "tag:yaml.org,2002:pairs", "tag:yaml.org,2002:set", "tag:yaml.org,2002:timestamp"]);
const kubectlTags = (tags: Tags): Tags => tags.filter((t) => typeof t === "string" || (!notKubectlTypes.has(t.tag) && t.format !== "TIME"));
const yamlOptions = { version: "1.1", schema: "yaml-1.1", merge: true, customTags: kubectlTags, uniqueKeys: true } as const;

function toObject(value: unknown, where: string): KubeObject {
  if (!isRecord(value)) throw new ManifestError(`${where}: expected a Kubernetes object (a mapping with apiVersion and kind), got ${Array.isArray(value) ? "a list" : value === null ? "null" : typeof value}`);
  for (const field of ["apiVersion", "kind"] as const) {
    if (!Object.hasOwn(value, field) || typeof value[field] !== "string" || value[field] === "") {
      throw new ManifestError(`${where}: ${field}: ${Object.hasOwn(value, field) ? `must be a non-empty string, not ${quote(value[field])}` : "required field is missing"}; every manifest needs apiVersion and kind`);
    }
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

/** A path of hundreds of levels, cut to its start and end. */
const shortPath = (path: string): string => (path.length > 120 ? `${path.slice(0, 60)}…${path.slice(-40)}` : path);

/** The path of the first value nested deeper than MaxDepth, walked without recursion. */
function tooDeep(root: unknown): string | undefined {
  const stack: { value: unknown; depth: number; path: string }[] = [{ value: root, depth: 0, path: "" }];
  while (stack.length > 0) {
    const { value, depth, path } = stack.pop()!;
    if (typeof value !== "object" || value === null) continue;
    if (depth >= MaxDepth) return path || "(top)";
    if (Array.isArray(value)) value.forEach((v, i) => stack.push({ value: v, depth: depth + 1, path: `${path}[${i}]` }));
    else for (const [k, v] of Object.entries(value)) stack.push({ value: v, depth: depth + 1, path: path ? `${path}.${k}` : k });
  }
  return undefined;
}

/** A document's value, or a ManifestError for what the YAML package refuses or cannot bound. */
function documentValue(doc: Document.Parsed, input: SourceText, where: string): unknown {
  const { text, source } = input;
  const err = doc.errors[0];
  if (err) {
    const at = lineCol(text, err.pos[0]);
    const line = input.breaks ? originalLine(input.breaks, at.line) : at.line;
    const col = at.col;
    // The package's message may carry a source excerpt after its first line; the position goes up front instead.
    const message = (err.message.split("\n")[0] ?? "").replace(/ at line \d+, column \d+:?$/, "");
    // The package turns a stack overflow on deep nesting into a parse error of its own.
    if (/Maximum call stack/i.test(message)) throw new ManifestError(`${source}:${line}:${col}: nested too deeply (tenon simulate reads at most ${MaxDepth} levels)`);
    throw new ManifestError(`${source}:${line}:${col}: invalid YAML: ${message}`);
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MaxAliasCount });
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    if (/Excessive alias count/i.test(message)) throw new ManifestError(`${where}: YAML aliases expand too far (more than ${MaxAliasCount} expansions; a "billion laughs" document?)`);
    if (e instanceof RangeError) throw new ManifestError(`${where}: nested too deeply (tenon simulate reads at most ${MaxDepth} levels)`);
    throw new ManifestError(`${where}: invalid YAML: ${message}`);
  }
  const deep = tooDeep(value);
  if (deep !== undefined) throw new ManifestError(`${where}: ${shortPath(deep)}: nested more than ${MaxDepth} levels deep, the most tenon simulate reads`);
  return value;
}

/** The documents of a text, one at a time; YAML package failures (a stack overflow on deep nesting) become ManifestErrors. */
function* documents(text: string, source: string): Generator<Document.Parsed> {
  const it = new Composer(yamlOptions).compose(new Parser().parse(text));
  while (true) {
    let next: IteratorResult<Document.Parsed>;
    try {
      next = it.next();
    } catch (e) {
      if (e instanceof RangeError) throw new ManifestError(`${source}: nested too deeply (tenon simulate reads at most ${MaxDepth} levels)`);
      throw new ManifestError(`${source}: invalid YAML: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (next.done) return;
    yield next.value;
  }
}

/**
 * Parses one input into its objects; YAML errors name the file, line and column. Documents are
 * read one ahead, so that a message says "(document N)" only when there are several.
 */
export function parseDocuments(input: SourceText): Manifest[] {
  const { source, text } = input;
  const out: Manifest[] = [];
  const it = documents(text, source);
  let current = it.next();
  for (let i = 0; !current.done; i++) {
    if (i >= MaxDocuments) throw new ManifestError(`${source}: more than ${MaxDocuments} YAML documents, the most tenon simulate reads from one input (a List holds many objects in one)`);
    const following = it.next();
    const where = i > 0 || !following.done ? `${source} (document ${i + 1})` : source;
    const value = documentValue(current.value, input, where);
    // `---` with nothing after it, or a file of comments, is an empty document, not an error.
    if (value !== null && value !== undefined) flatten(value, where, out, source);
    current = following;
  }
  return out;
}
