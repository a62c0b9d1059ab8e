// Bytes to text as kubectl reads manifests: UTF-8, with or without a byte order mark, and UTF-16
// (little or big endian) when a byte order mark says so. kubectl replaces bytes that are not UTF-8
// and lets the YAML parser trip over the result; tenon says plainly what the file is instead.
import { TextDecoder } from "node:util";
import { ManifestError } from "./errors.js";

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const utf16le = new TextDecoder("utf-16le", { fatal: true, ignoreBOM: true });
const utf16be = new TextDecoder("utf-16be", { fatal: true, ignoreBOM: true });

/** The offset of the first byte that does not start or continue a valid UTF-8 sequence. */
function firstInvalidUTF8(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i]!;
    const len = b < 0x80 ? 1 : b >= 0xc2 && b < 0xe0 ? 2 : b >= 0xe0 && b < 0xf0 ? 3 : b >= 0xf0 && b < 0xf5 ? 4 : 0;
    if (len === 0) return i;
    try {
      utf8.decode(bytes.subarray(i, i + len));
    } catch {
      return i;
    }
    i += len;
  }
  return bytes.length;
}

function decodeWith(decoder: TextDecoder, bytes: Uint8Array, source: string, encoding: string): string {
  try {
    return decoder.decode(bytes);
  } catch {
    if (encoding === "UTF-8") {
      const at = firstInvalidUTF8(bytes);
      throw new ManifestError(`${source}: not valid UTF-8 (byte 0x${(bytes[at] ?? 0).toString(16).padStart(2, "0")} at offset ${at}); save it as UTF-8, or as UTF-16 with a byte order mark`);
    }
    throw new ManifestError(`${source}: not valid ${encoding} (the byte order mark says ${encoding}, but the text after it is not)`);
  }
}

/** A NUL byte never occurs in YAML or JSON text; in the first bytes it means a binary file. */
function looksBinary(bytes: Uint8Array): boolean {
  return bytes.subarray(0, 8192).includes(0);
}

/**
 * Decodes an input's bytes, naming the source when they are not text tenon can read: binary data,
 * bytes that are not UTF-8, a UTF-16 byte order mark over something that is not UTF-16.
 */
export function decodeManifestBytes(bytes: Uint8Array, source: string): string {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return checkText(decodeWith(utf8, bytes.subarray(3), source, "UTF-8"), source);
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return checkText(decodeWith(utf16le, bytes.subarray(2), source, "UTF-16LE"), source);
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return checkText(decodeWith(utf16be, bytes.subarray(2), source, "UTF-16BE"), source);
  if (looksBinary(bytes)) {
    throw new ManifestError(`${source}: binary data, not a YAML or JSON manifest (UTF-16 text needs a byte order mark)`);
  }
  return checkText(decodeWith(utf8, bytes, source, "UTF-8"), source);
}

/** Line and column (1-based) of an offset in a text. */
export function lineCol(text: string, offset: number): { line: number; col: number } {
  let line = 1;
  let start = 0;
  for (let i = text.indexOf("\n"); i !== -1 && i < offset; i = text.indexOf("\n", i + 1)) {
    line++;
    start = i + 1;
  }
  return { line, col: offset - start + 1 };
}

/**
 * YAML allows no control characters in a stream but tab, line feed, carriage return and NEL (escapes
 * such as "\e" inside double quotes are text, and stay allowed). A NUL anywhere means binary data.
 */
function checkText(decoded: string, source: string): string {
  // kubectl splits a stream into documents before decoding each, so a document may begin with its
  // own byte order mark; the YAML package would read it as text. A mark at the start of a line is dropped.
  const text = decoded.includes("\ufeff") ? decoded.replace(/(^|\n)\ufeff/g, "$1") : decoded;
  // eslint-disable-next-line no-control-regex -- finding control characters is the point
  const bad = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u0084\u0086-\u009f\ufffe\uffff]/.exec(text);
  if (bad) {
    const { line, col } = lineCol(text, bad.index);
    const code = `U+${bad[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}`;
    if (bad[0] === "\u0000") throw new ManifestError(`${source}:${line}:${col}: binary data (a NUL character), not a YAML or JSON manifest`);
    throw new ManifestError(`${source}:${line}:${col}: control character ${code} is not allowed in YAML; write it as an escape inside double quotes`);
  }
  return text;
}
