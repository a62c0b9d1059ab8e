// A small evaluator of the IAM policy tenon ships (docs/iam-policy.json): enough of IAM's
// semantics (action and resource globs, the condition operators the policy uses) to tell whether
// a call tenon makes, with the tags it sends, is allowed. An operator it does not know fails the
// test rather than being read as "allowed".
import { readFileSync } from "node:fs";

export interface PolicyStatement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface Policy {
  Version: string;
  Statement: PolicyStatement[];
}

/** What a request carries that the policy's conditions read: `aws:RequestTag/k`, `aws:TagKeys` … */
export type RequestContext = Record<string, string | string[]>;

export interface AWSRequest {
  action: string;
  resource: string;
  context: RequestContext;
}

export interface Placeholders {
  partition: string;
  region: string;
  accountID: string;
  clusterName: string;
  nodeRoleARN: string;
  interruptionQueueARN: string;
}

/** The policy file with its CloudFormation-style placeholders filled in (keys as well as values). */
export function loadPolicy(path: string, p: Placeholders): Policy {
  const text = readFileSync(path, "utf8")
    .replaceAll("${AWS::Partition}", p.partition)
    .replaceAll("${AWS::Region}", p.region)
    .replaceAll("${AWS::AccountId}", p.accountID)
    .replaceAll("${ClusterName}", p.clusterName)
    .replaceAll("${NodeRoleArn}", p.nodeRoleARN)
    .replaceAll("${InterruptionQueueArn}", p.interruptionQueueARN);
  const left = /\$\{[^}]+\}/.exec(text);
  if (left) throw new Error(`docs/iam-policy.json: placeholder ${left[0]} is not documented`);
  return JSON.parse(text) as Policy;
}

const list = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** IAM's glob: `*` any run of characters, `?` one; case-sensitive for resources and values. */
function glob(pattern: string, value: string, caseInsensitive = false): boolean {
  const re = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${re}$`, caseInsensitive ? "i" : "").test(value);
}

function conditionHolds(operator: string, key: string, wanted: string[], ctx: RequestContext): boolean {
  const present = key in ctx;
  const got = list(ctx[key]);
  switch (operator) {
    case "StringEquals":
      return present && got.some((g) => wanted.includes(g));
    case "StringLike":
      return present && got.some((g) => wanted.some((w) => glob(w, g)));
    case "StringEqualsIfExists":
      return !present || got.some((g) => wanted.includes(g));
    case "ForAllValues:StringEquals":
      return got.every((g) => wanted.includes(g));
    default:
      throw new Error(`the evaluator does not know the condition operator ${operator}`);
  }
}

export function statementAllows(s: PolicyStatement, r: AWSRequest): boolean {
  if (s.Effect !== "Allow") return false;
  if (!list(s.Action).some((a) => glob(a, r.action, true))) return false;
  if (!list(s.Resource).some((res) => glob(res, r.resource))) return false;
  return Object.entries(s.Condition ?? {}).every(([op, keys]) => Object.entries(keys).every(([k, v]) => conditionHolds(op, k, list(v), r.context)));
}

/** The statements that allow the request (none: denied). The policy has no Deny statements. */
export const allowingStatements = (p: Policy, r: AWSRequest): PolicyStatement[] => p.Statement.filter((s) => statementAllows(s, r));

/** Whether any statement names the action at all (whatever its resources and conditions). */
export const hasStatementFor = (p: Policy, action: string): boolean => p.Statement.some((s) => s.Effect === "Allow" && list(s.Action).some((a) => glob(a, action, true)));
