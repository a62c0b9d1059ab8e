// `cat examples/basic/*.yaml | tenon simulate -` joins files that each hold one object without a
// `---` between them, so the YAML reads them as one mapping with every top-level key twice. On
// standard input, where file boundaries are lost, a top-level key that repeats within a document
// is taken as the start of the next object and a document break is put before it. A file on disk
// keeps the API server's rule (duplicate keys are an error), since its author can fix it.

/** A key at column 0 ("apiVersion:", "kind: Pod", "'quoted': x"), not a comment, list item or document marker. */
const topLevelKey = /^(?:"[^"]*"|'[^']*'|[A-Za-z0-9_$][^:#\s]*)\s*:(?:\s|$)/;
const documentMarker = /^(?:---|\.\.\.)(?:\s|$)/;

export interface SplitResult {
  text: string;
  /** 1-based line numbers, in the original text, before which a break was put; empty when none was. */
  breaks: number[];
}

/** The original text's line for a line of the split text (messages must point into what the user gave). */
export function originalLine(breaks: readonly number[], line: number): number {
  // The k-th break (0-based) is the inserted line at breaks[k] + k in the split text.
  let inserted = 0;
  for (const b of breaks) {
    if (b + inserted > line) break;
    inserted++;
  }
  return line - inserted;
}

/**
 * Puts `---` before each top-level key that repeats one already seen in the same document. Block
 * scalars and nested values are indented in YAML, so a column-0 key is always the document's own;
 * a line of flow or JSON content ends the check for that document (its keys are not at column 0).
 */
export function splitConcatenated(text: string): SplitResult {
  const lines = text.split("\n");
  const out: string[] = [];
  const breaks: number[] = [];
  let seen = new Set<string>();
  lines.forEach((line, i) => {
    if (documentMarker.test(line)) {
      seen = new Set();
      out.push(line);
      return;
    }
    const m = topLevelKey.exec(line);
    if (m) {
      const key = m[0].replace(/\s*:(?:\s|$)$/, "");
      if (seen.has(key)) {
        out.push("---");
        breaks.push(i + 1);
        seen = new Set();
      }
      seen.add(key);
    }
    out.push(line);
  });
  return breaks.length === 0 ? { text, breaks } : { text: out.join("\n"), breaks };
}
