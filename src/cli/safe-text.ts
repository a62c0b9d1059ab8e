// Text from manifests (names, label values, requirement values) reaches the terminal in tables and
// messages. A terminal acts on control characters (ESC starts a sequence that can recolour, retitle
// or rewrite the screen; C1 CSI does the same in one byte) and bidi controls reorder what is shown,
// so every such character is printed as an escape instead.

/** C0 and C1 controls, DEL, line/paragraph separators, bidi embeddings, overrides and isolates. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const unsafe = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
/** The same, but newlines are kept: for whole messages whose lines are the CLI's own. */
// eslint-disable-next-line no-control-regex -- as above
const unsafeKeepingNewlines = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

const escapeChar = (c: string): string => {
  switch (c) {
    case "\n":
      return "\\n";
    case "\r":
      return "\\r";
    case "\t":
      return "\\t";
    default:
      return `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`;
  }
};

/** One value (a table cell, a name) with every unsafe character escaped, newlines included. */
export const safeText = (s: string): string => s.replace(unsafe, escapeChar);

/** A whole message: unsafe characters escaped, the message's own line breaks kept. */
export const safeMessage = (s: string): string => s.replace(unsafeKeepingNewlines, escapeChar);

/** Longest value quoted in a message before it is cut: a megabyte of name helps no one. */
const MaxQuoted = 120;

/** A value quoted for a message, JSON-style, safe for a terminal and cut when long. */
export function quote(value: unknown): string {
  let s = typeof value === "string" ? value : (JSON.stringify(value) ?? String(value));
  const extra = s.length - MaxQuoted;
  if (extra > 0) s = s.slice(0, MaxQuoted);
  return `${safeText(JSON.stringify(s))}${extra > 0 ? `… (${extra} more characters)` : ""}`;
}

/**
 * JSON for a terminal or a script: JSON.stringify already escapes C0 controls; DEL, C1 and the
 * separators and bidi controls are escaped too, which leaves the same JSON value.
 */
export const safeJSON = (value: unknown): string => JSON.stringify(value, null, 2).replace(/[\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, escapeChar);
