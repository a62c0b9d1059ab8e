// Checks on the controller's log as a log store reads it: every line one JSON object, no key
// twice in a line (JSON.parse would silently keep the last, hiding the duplicate).

/** The keys of a JSON object's top level, in order, duplicates included. */
export function topLevelKeys(line: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '"') {
      let j = i + 1;
      while (j < line.length && line[j] !== '"') j += line[j] === "\\" ? 2 : 1;
      if (depth === 1 && /^\s*:/.test(line.slice(j + 1, j + 3))) keys.push(JSON.parse(line.slice(i, j + 1)) as string);
      i = j;
    } else if (c === "{" || c === "[") depth++;
    else if (c === "}" || c === "]") depth--;
  }
  return keys;
}

/** What is wrong with a log's lines: a line that is not one JSON object, or one with a key twice. */
export function logProblems(text: string): string[] {
  const problems: string[] = [];
  for (const line of text.split("\n")) {
    if (line === "") continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      problems.push(`not JSON: ${line.slice(0, 200)}`);
      continue;
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      problems.push(`not a JSON object: ${line.slice(0, 200)}`);
      continue;
    }
    const keys = topLevelKeys(line);
    const twice = keys.filter((k, i) => keys.indexOf(k) !== i);
    if (twice.length > 0) problems.push(`key ${twice.join(", ")} twice: ${line.slice(0, 200)}`);
  }
  return problems;
}
