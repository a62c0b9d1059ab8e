// Turns the paths given to `tenon simulate` into texts: files as they are, directories walked
// recursively for manifests, and "-" for standard input.
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { ManifestError } from "./errors.js";

export interface SourceText {
  /** What messages call this input: the path as the user gave it (joined for directory entries), or "<stdin>". */
  source: string;
  text: string;
}

export const StdinSource = "<stdin>";
const manifestExtensions = [".yaml", ".yml", ".json"];

const isManifestName = (name: string): boolean => manifestExtensions.some((e) => name.toLowerCase().endsWith(e));

/** Every manifest file below a directory, in a stable (sorted) order so plans are reproducible. */
async function walk(dir: string): Promise<string[]> {
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const out: string[] = [];
  for (const e of entries) {
    // Hidden entries (.git, editor swap files) are never manifests someone meant to pass.
    if (e.name.startsWith(".")) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(p)));
    else if (e.isFile() && isManifestName(e.name)) out.push(p);
  }
  return out;
}

/**
 * Reads every input. A file named explicitly is read whatever its extension (the user chose it);
 * a directory contributes only *.yaml, *.yml and *.json files.
 */
export async function readSources(paths: readonly string[], readStdin: () => Promise<string>): Promise<SourceText[]> {
  const out: SourceText[] = [];
  for (const p of paths) {
    if (p === "-") {
      out.push({ source: StdinSource, text: await readStdin() });
      continue;
    }
    const info = await stat(p).catch((err: NodeJS.ErrnoException) => {
      throw new ManifestError(`${p}: cannot read: ${err.code === "ENOENT" ? "no such file or directory" : err.message}`);
    });
    const files = info.isDirectory() ? await walk(p) : [p];
    if (info.isDirectory() && files.length === 0) throw new ManifestError(`${p}: directory holds no *.yaml, *.yml or *.json files`);
    for (const f of files) out.push({ source: f, text: await readFile(f, "utf8") });
  }
  return out;
}

/** All of standard input as text. */
export async function readAllStdin(stream: AsyncIterable<Uint8Array | string>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  return Buffer.concat(chunks).toString("utf8");
}
