// Turns the inputs given to `tenon simulate` into texts. A file is read whatever its name; a
// directory contributes its *.yaml, *.yml and *.json files (recursively for positional paths and
// with -R, its top level only for -f without -R, as kubectl does); "-" is standard input.
//
// Symbolic links are followed, since a ConfigMap volume is made of them (`pods.yaml -> ..data/
// pods.yaml`, `..data -> ..2026_01_01_…`); entries whose names start with "." (those `..` entries,
// .git, editor files) are skipped, so a mounted ConfigMap is read once. A link back to a directory
// being walked is skipped with a warning, and a file reached twice is read once. Only regular
// files are read from directories; a pipe is read when named (`<(kubectl get …)`), and devices and
// sockets are refused. Every read is bounded: past MaxInputBytes the input is refused.
import { type FileHandle, lstat, open, readdir, realpath, stat } from "node:fs/promises";
import type { Stats } from "node:fs";
import { join } from "node:path";
import { MaxInputBytes, MaxTotalInputBytes, mebibytes } from "../simulate/limits.js";
import { splitConcatenated } from "./concatenated.js";
import { decodeManifestBytes } from "./decode.js";
import { ManifestError } from "./errors.js";

export interface SourceText {
  /** What messages call this input: the path as the user gave it (joined for directory entries), or "<stdin>". */
  source: string;
  text: string;
  /** Where document breaks were put into standard input (see concatenated.ts), so messages give the user's line numbers. */
  breaks?: number[];
}

/** One path to read, and whether a directory there is searched below its top level. */
export interface InputPath {
  path: string;
  recursive: boolean;
}

export interface ReadInputs {
  sources: SourceText[];
  /** Things skipped that the user may want to know about (links that loop). */
  warnings: string[];
}

export const StdinSource = "<stdin>";
export const StdinPath = "-";
const manifestExtensions = [".yaml", ".yml", ".json"];

const isManifestName = (name: string): boolean => manifestExtensions.some((e) => name.toLowerCase().endsWith(e));
const byName = (a: { name: string }, b: { name: string }): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

function describeSpecial(st: Stats): string {
  if (st.isCharacterDevice()) return "a character device";
  if (st.isBlockDevice()) return "a block device";
  if (st.isSocket()) return "a socket";
  if (st.isFIFO()) return "a pipe";
  return "not a file or directory";
}

/** Why a path cannot be read, in words; a link whose target is missing is told apart from a missing path. */
async function unreadable(path: string, err: NodeJS.ErrnoException): Promise<ManifestError> {
  let why: string;
  switch (err.code) {
    case "ENOENT":
      why = (await lstat(path).then((s) => s.isSymbolicLink()).catch(() => false)) ? "a symbolic link to a path that does not exist" : "no such file or directory";
      break;
    case "ELOOP":
      why = "a loop of symbolic links";
      break;
    case "EACCES":
    case "EPERM":
      why = "permission denied";
      break;
    case "ENOTDIR":
      why = "a path through something that is not a directory";
      break;
    case "ENAMETOOLONG":
      why = "the path is too long";
      break;
    default:
      why = err.code ?? "unreadable";
  }
  return new ManifestError(`${path}: cannot read: ${why}`);
}

const tooBig = (source: string, what: string): ManifestError =>
  new ManifestError(`${source}: ${what}; tenon simulate reads inputs of at most ${mebibytes(MaxInputBytes)} each (split the input into several files)`);

/** Reads chunks until the end or one byte past the bound, whichever comes first. */
async function readBounded(chunks: AsyncIterable<Uint8Array | string>, source: string): Promise<Uint8Array> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of chunks) {
    const b = typeof chunk === "string" ? Buffer.from(chunk) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    size += b.length;
    if (size > MaxInputBytes) throw tooBig(source, `more than ${mebibytes(MaxInputBytes)}`);
    parts.push(b);
  }
  return Buffer.concat(parts, size);
}

async function* handleChunks(handle: FileHandle): AsyncIterable<Uint8Array> {
  const buf = Buffer.alloc(1024 * 1024);
  while (true) {
    const { bytesRead } = await handle.read(buf, 0, buf.length, null);
    if (bytesRead === 0) return;
    yield Buffer.from(buf.subarray(0, bytesRead));
  }
}

/** A regular file (or, named explicitly, a pipe), read within the bound. */
async function readFileBounded(path: string, allowPipe: boolean): Promise<Uint8Array> {
  let handle: FileHandle;
  try {
    handle = await open(path, "r");
  } catch (err) {
    throw await unreadable(path, err as NodeJS.ErrnoException);
  }
  try {
    // Checked again on the open file: the path may have changed since it was looked at.
    const st = await handle.stat();
    if (!st.isFile() && !(allowPipe && st.isFIFO())) throw new ManifestError(`${path}: not a regular file (${describeSpecial(st)}); give a manifest file or directory`);
    if (st.isFile() && st.size > MaxInputBytes) throw tooBig(path, `${(st.size / (1024 * 1024)).toFixed(1)} MiB`);
    return await readBounded(handleChunks(handle), path);
  } catch (err) {
    if (err instanceof ManifestError) throw err;
    throw await unreadable(path, err as NodeJS.ErrnoException);
  } finally {
    await handle.close();
  }
}

interface Walk {
  recursive: boolean;
  files: string[];
  warnings: string[];
}

/** The manifest files below a directory, in name order so plans are reproducible. */
async function walk(dir: string, ancestors: readonly string[], w: Walk): Promise<void> {
  const entries = (await readdir(dir, { withFileTypes: true }).catch(async (err: NodeJS.ErrnoException) => Promise.reject(await unreadable(dir, err)))).sort(byName);
  for (const e of entries) {
    if (e.name.startsWith(".")) continue;
    const p = join(dir, e.name);
    let st: Stats | undefined;
    if (e.isSymbolicLink()) {
      st = await stat(p).catch(async (err: NodeJS.ErrnoException) => {
        // A broken link that looks like a manifest is an error; any other broken link is not ours to judge.
        if (isManifestName(e.name)) throw await unreadable(p, err);
        return undefined;
      });
      if (!st) continue;
    }
    const isDir = st ? st.isDirectory() : e.isDirectory();
    const isFile = st ? st.isFile() : e.isFile();
    if (isDir) {
      if (!w.recursive) continue;
      const real = await realpath(p).catch(async (err: NodeJS.ErrnoException) => Promise.reject(await unreadable(p, err)));
      if (ancestors.includes(real)) {
        w.warnings.push(`${p}: skipped: a symbolic link back to ${real}, which is being read already`);
        continue;
      }
      await walk(p, [...ancestors, real], w);
    } else if (isManifestName(e.name)) {
      if (!isFile) throw new ManifestError(`${p}: not a regular file (${describeSpecial(st ?? (await stat(p)))}); remove it from the directory or give the files one by one`);
      w.files.push(p);
    }
  }
}

/** Every input, read and decoded, in the order given. */
export async function readInputs(inputs: readonly InputPath[], stdin: () => AsyncIterable<Uint8Array | string>): Promise<ReadInputs> {
  const out: ReadInputs = { sources: [], warnings: [] };
  const seen = new Set<string>();
  let total = 0;
  const add = (source: string, bytes: Uint8Array): string => {
    total += bytes.length;
    if (total > MaxTotalInputBytes) throw new ManifestError(`${source}: the inputs together pass ${mebibytes(MaxTotalInputBytes)}, the most tenon simulate reads in one run`);
    const text = decodeManifestBytes(bytes, source);
    out.sources.push({ source, text });
    return text;
  };
  for (const { path, recursive } of inputs) {
    if (path === StdinPath) {
      // Several files piped in one after another (`cat a.yaml b.yaml`) lose their boundaries: put them back.
      const split = splitConcatenated(add(StdinSource, await readBounded(stdin(), StdinSource)));
      if (split.breaks.length > 0) out.sources[out.sources.length - 1] = { source: StdinSource, text: split.text, breaks: split.breaks };
      continue;
    }
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(path)) throw new ManifestError(`${path}: tenon simulate reads files, not URLs; download it first (or pipe it in with -)`);
    const info = await stat(path).catch(async (err: NodeJS.ErrnoException) => Promise.reject(await unreadable(path, err)));
    let files: string[];
    if (info.isDirectory()) {
      const w: Walk = { recursive, files: [], warnings: out.warnings };
      await walk(path, [await realpath(path)], w);
      if (w.files.length === 0) {
        throw new ManifestError(`${path}: directory holds no *.yaml, *.yml or *.json files${recursive ? "" : " at its top level (-R reads its subdirectories too)"}`);
      }
      files = w.files;
    } else if (info.isFile() || info.isFIFO()) {
      files = [path];
    } else {
      throw new ManifestError(`${path}: not a regular file (${describeSpecial(info)}); give a manifest file or directory`);
    }
    for (const f of files) {
      // The same file twice (two arguments, or a link beside its target) would define its objects twice.
      const real = await realpath(f).catch(() => f);
      if (seen.has(real)) continue;
      seen.add(real);
      add(f, await readFileBounded(f, f === path));
    }
  }
  return out;
}
