// Names and UIDs for the objects the simulator creates (pods of a Deployment, PVCs of a
// StatefulSet). They are derived from the object they belong to rather than drawn at random, so
// simulating the same manifests twice prints the same plan, and tests can compare plans.
import { createHash } from "node:crypto";

const digest = (parts: readonly string[]): Buffer => createHash("sha256").update(parts.join("\0")).digest();

/** A UUID (version-4 layout) that is a function of the parts. */
export function stableUID(...parts: string[]): string {
  const h = digest(parts).toString("hex");
  const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

// The alphabet Kubernetes uses for generated name suffixes (no vowels, no look-alike characters).
const safeAlphabet = "bcdfghjklmnpqrstvwxz2456789";

/** A Kubernetes-style generated suffix ("7d9f8b6c4", "x2k9q") that is a function of the parts. */
export function stableSuffix(length: number, ...parts: string[]): string {
  const bytes = digest(parts);
  let out = "";
  for (let i = 0; i < length; i++) out += safeAlphabet[bytes[i % bytes.length]! % safeAlphabet.length];
  return out;
}
