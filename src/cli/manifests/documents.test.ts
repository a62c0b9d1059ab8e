import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseDocuments } from "./documents.js";
import { ManifestError } from "./errors.js";

const parse = (text: string) => parseDocuments({ source: "in.yaml", text });

describe("parseDocuments", () => {
  it("reads every document of a multi-document file and skips empty ones", () => {
    const out = parse("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n---\n# only a comment\n---\napiVersion: v1\nkind: Node\nmetadata: {name: n}\n---\n");
    assert.deepEqual(
      out.map((m) => [m.source, m.object.kind]),
      [
        ["in.yaml", "Pod"],
        ["in.yaml", "Node"],
      ],
    );
  });

  it("flattens kubectl List output, typed lists too, nested or not", () => {
    const list = parse("apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Pod, metadata: {name: a}}\n- {apiVersion: v1, kind: PodList, items: [{apiVersion: v1, kind: Pod, metadata: {name: b}}]}\n");
    assert.deepEqual(
      list.map((m) => (m.object.metadata as { name: string }).name),
      ["a", "b"],
    );
  });

  it("reads JSON", () => {
    assert.equal(parse('{"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n"}}')[0]!.object.kind, "Node");
  });

  it("names the file, line and column of a YAML error", () => {
    assert.throws(
      () => parse("apiVersion: v1\nkind: Pod\nspec:\n  containers:\n    - name: a\n     - name: b\n"),
      (err: Error) => err instanceof ManifestError && /^in\.yaml:\d+:\d+: invalid YAML/.test(err.message),
    );
  });

  it("refuses objects without apiVersion or kind, naming the document", () => {
    assert.throws(() => parse("kind: Pod\n---\napiVersion: v1\n"), /in\.yaml \(document 1\): apiVersion: required field is missing/);
    assert.throws(() => parse("- a\n- b\n"), /in\.yaml: expected a Kubernetes object .* got a list/);
    assert.throws(() => parse("apiVersion: v1\nkind: List\nitems: [{apiVersion: v1}]\n"), /in\.yaml: items\[0\]: kind: required field is missing/);
  });
});
