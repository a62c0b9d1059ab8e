// The corpus is complete for EC2NodeClass: every field of the CRD (spec and status) appears in a
// valid or status manifest, so crds.test.ts applies each one to the real API server; and every
// validation rule of the CRD is sampled by an invalid manifest refused with its message. The CRD is
// generated field for field from Karpenter v1.14's, so this is the "every documented field applies,
// every refusal Karpenter makes, tenon makes" check, kept without copying Karpenter's files.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { repoRoot } from "../env/paths.js";
import { invalidManifests, statusManifests, validManifests } from "./corpus.js";

interface Schema {
  properties?: Record<string, Schema>;
  items?: Schema;
  additionalProperties?: Schema | boolean;
  "x-kubernetes-validations"?: { rule: string; message?: string }[];
}

function crdSchema(file: string): Schema {
  const crd = parse(readFileSync(join(repoRoot, "crds", file), "utf8")) as { spec: { versions: { schema: { openAPIV3Schema: Schema } }[] } };
  return crd.spec.versions[0]!.schema.openAPIV3Schema;
}

/** Every property path of a schema: `.spec.tags{}`, `.status.amis[].requirements[].key` … */
function paths(s: Schema, at = "", out = new Set<string>()): Set<string> {
  for (const [k, v] of Object.entries(s.properties ?? {})) {
    out.add(`${at}.${k}`);
    paths(v, `${at}.${k}`, out);
  }
  if (s.items) paths(s.items, `${at}[]`, out);
  if (typeof s.additionalProperties === "object") paths(s.additionalProperties, `${at}{}`, out);
  return out;
}

/** The schema paths an object's fields fill. */
function used(v: unknown, s: Schema | undefined, at = "", out = new Set<string>()): Set<string> {
  if (!s) return out;
  if (Array.isArray(v)) {
    for (const x of v) used(x, s.items, `${at}[]`, out);
    return out;
  }
  if (v === null || typeof v !== "object") return out;
  for (const [k, x] of Object.entries(v)) {
    const prop = s.properties?.[k];
    if (prop) {
      out.add(`${at}.${k}`);
      used(x, prop, `${at}.${k}`, out);
    } else if (typeof s.additionalProperties === "object") {
      out.add(`${at}{}`);
      used(x, s.additionalProperties, `${at}{}`, out);
    }
  }
  return out;
}

function messages(s: Schema, out: string[] = []): string[] {
  for (const v of s["x-kubernetes-validations"] ?? []) {
    // Transition rules (oldSelf) are the immutability checks crds.test.ts makes by updating objects.
    if (v.message && !v.rule.includes("oldSelf")) out.push(v.message);
  }
  for (const p of Object.values(s.properties ?? {})) messages(p, out);
  if (s.items) messages(s.items, out);
  if (typeof s.additionalProperties === "object") messages(s.additionalProperties, out);
  return out;
}

describe("the EC2NodeClass corpus covers the whole CRD", () => {
  const schema = crdSchema("karpenter.k8s.aws_ec2nodeclasses.yaml");

  it("every spec and status field is set by some valid or status manifest", () => {
    const seen = new Set<string>();
    for (const m of [...validManifests(), ...statusManifests()]) if (m.object.kind === "EC2NodeClass") used(m.object, schema, "", seen);
    const missing = [...paths(schema)].filter((p) => (p.startsWith(".spec") || p.startsWith(".status")) && !seen.has(p));
    assert.deepEqual(missing, [], "fields no manifest sets: add them to test/apis/manifests/valid or status");
  });

  it("every validation rule is sampled by an invalid manifest refused with its message", () => {
    const expects = invalidManifests()
      .filter((m) => m.object.kind === "EC2NodeClass")
      .map((m) => m.expect);
    const unsampled = [...new Set(messages(schema))].filter((msg) => !expects.some((e) => msg.includes(e)));
    assert.deepEqual(unsampled, [], "rules no invalid manifest exercises: add one to test/apis/manifests/invalid");
  });
});
