// The name rules of the API server: RFC 1123 labels and subdomains for object names and
// namespaces, qualified names for label and annotation keys, and label values.
import { quote } from "../../safe-text.js";
import { type Issues, invalid } from "./issues.js";

const dnsLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const dnsSubdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const qualifiedNamePart = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const labelValue = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** Why a name is not an RFC 1123 subdomain (most object names), or undefined when it is one. */
export function dnsSubdomainError(name: string): string | undefined {
  if (name.length > 253) return "must be at most 253 characters";
  if (!dnsSubdomain.test(name)) return "must be a lowercase RFC 1123 subdomain: lower-case letters, digits, '-' and '.', starting and ending with a letter or digit (e.g. 'web-1' or 'example.com')";
  return undefined;
}

/** Why a name is not an RFC 1123 label (namespaces), or undefined when it is one. */
export function dnsLabelError(name: string): string | undefined {
  if (name.length > 63) return "must be at most 63 characters";
  if (!dnsLabel.test(name)) return "must be a lowercase RFC 1123 label: lower-case letters, digits and '-', starting and ending with a letter or digit (e.g. 'my-namespace')";
  return undefined;
}

/** Why a key is not a qualified name ([prefix/]name, as label and annotation keys are), or undefined. */
export function qualifiedNameError(key: string): string | undefined {
  const parts = key.split("/");
  if (parts.length > 2) return "must be a qualified name: an optional DNS subdomain prefix and '/', then a name (e.g. 'app' or 'example.com/app')";
  const name = parts[parts.length - 1]!;
  if (parts.length === 2) {
    const prefix = parts[0]!;
    if (prefix === "") return "the prefix before '/' must not be empty";
    const err = dnsSubdomainError(prefix);
    if (err) return `the prefix before '/' ${err}`;
  }
  if (name === "") return "the name must not be empty";
  if (name.length > 63) return "the name part must be at most 63 characters";
  if (!qualifiedNamePart.test(name)) return "the name part must consist of letters, digits, '-', '_' or '.', and start and end with a letter or digit (e.g. 'app.kubernetes.io/name')";
  return undefined;
}

export function labelValueError(value: string): string | undefined {
  if (value.length > 63) return "must be at most 63 characters";
  if (!labelValue.test(value)) return "must be empty, or letters, digits, '-', '_' or '.' starting and ending with a letter or digit";
  return undefined;
}

/** Checks a key, adding an issue at the path when it is not a qualified name. */
export function checkKey(key: unknown, path: string, out: Issues): void {
  if (typeof key !== "string") return;
  const err = qualifiedNameError(key);
  if (err) out.push({ path, message: invalid(key, err) });
}

/** Checks a label map: each key a qualified name, each value a label value. */
export function checkLabels(labels: unknown, path: string, out: Issues): void {
  if (typeof labels !== "object" || labels === null) return;
  for (const [k, v] of Object.entries(labels)) {
    const at = `${path}.${k}`;
    const keyErr = qualifiedNameError(k);
    if (keyErr) out.push({ path: at, message: `invalid key ${quote(k)}: ${keyErr}` });
    if (typeof v === "string") {
      const valueErr = labelValueError(v);
      if (valueErr) out.push({ path: at, message: invalid(v, valueErr) });
    }
  }
}
