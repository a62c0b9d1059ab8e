// EC2 filters for the selector terms of an EC2NodeClass, and how to print a term in a message.
import type { Filter } from "@aws-sdk/client-ec2";

/** Tag selectors: `*` selects any value of the key (EC2's tag-key filter), else an exact value. */
export function tagFilters(tags: Record<string, string> | undefined): Filter[] {
  return Object.entries(tags ?? {}).map(([k, v]) => (v === "*" ? { Name: "tag-key", Values: [k] } : { Name: `tag:${k}`, Values: [v] }));
}

/** `tags a=b,c=*, id subnet-1` — the term as the user wrote it, for error messages. */
export function describeTerm(term: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(term)) {
    if (v === undefined) continue;
    if (k === "tags" && typeof v === "object" && v !== null) {
      parts.push(`tags ${Object.entries(v as Record<string, string>).map(([tk, tv]) => `${tk}=${tv}`).join(",")}`);
    } else parts.push(`${k} ${String(v)}`);
  }
  return parts.join(", ");
}

export const describeTerms = (terms: Record<string, unknown>[]): string => terms.map((t) => `(${describeTerm(t)})`).join(" or ");
