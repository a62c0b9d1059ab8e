// MIME multi-part user data, the format cloud-init and nodeadm read: custom user data's parts are
// kept and tenon's part is appended, so the user's scripts run before the node joins.

export interface MimePart {
  contentType: string;
  content: string;
}

export const BOUNDARY = "//";
export const CONTENT_TYPE_SHELL = 'text/x-shellscript; charset="us-ascii"';
export const CONTENT_TYPE_NODECONFIG = "application/node.eks.aws";

/** Whether user data is already a MIME document (else it is a bare script or YAML). */
export const isMime = (text: string): boolean => /^(MIME-Version:|Content-Type:)/i.test(text.trimStart());

function parseHeaders(block: string): Map<string, string> {
  const headers = new Map<string, string>();
  // Folded header lines (starting with whitespace) continue the previous header.
  const unfolded = block.replace(/\r?\n[ \t]+/g, " ");
  for (const line of unfolded.split(/\r?\n/)) {
    const i = line.indexOf(":");
    if (i > 0) headers.set(line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim());
  }
  return headers;
}

function splitHead(text: string): [string, string] {
  const m = /\r?\n\r?\n/.exec(text);
  if (!m) return [text, ""];
  return [text.slice(0, m.index), text.slice(m.index + m[0].length)];
}

/** The parts of a multipart MIME document. Throws, naming the problem, if it is not one. */
export function parseMime(text: string): MimePart[] {
  const [head, body] = splitHead(text.trimStart());
  const contentType = parseHeaders(head).get("content-type");
  if (!contentType) throw new Error("MIME user data has no Content-Type header");
  if (!/^multipart\//i.test(contentType)) throw new Error(`MIME user data is not multipart (Content-Type: ${contentType})`);
  const b = /boundary="?([^";]+)"?/i.exec(contentType)?.[1];
  if (!b) throw new Error("MIME user data's Content-Type has no boundary");
  const parts: MimePart[] = [];
  const lines = body.split(/\r?\n/);
  let current: string[] | undefined;
  const finish = () => {
    if (!current) return;
    const [h, content] = splitHead(current.join("\n"));
    parts.push({ contentType: parseHeaders(h).get("content-type") ?? "text/plain", content });
  };
  for (const line of lines) {
    if (line === `--${b}--`) {
      finish();
      current = undefined;
      break;
    }
    if (line === `--${b}`) {
      finish();
      current = [];
      continue;
    }
    current?.push(line);
  }
  finish();
  return parts;
}

/** A multipart/mixed document with LF line ends, as Karpenter writes it. */
export function serializeMime(parts: MimePart[]): string {
  let out = `MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="${BOUNDARY}"\n\n`;
  for (const p of parts) out += `--${BOUNDARY}\nContent-Type: ${p.contentType}\n\n${p.content.replace(/\n$/, "")}\n`;
  return `${out}--${BOUNDARY}--\n`;
}
