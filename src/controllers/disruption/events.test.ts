// The consolidation events, in Karpenter v1.14's words: ConsolidationCandidate as validation
// starts, ConsolidationRejected with the kind of failure, ConsolidationApproved from a Balanced score.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { V1Node } from "@kubernetes/client-node";
import type { NodeClaim } from "../../apis/nodeclaim.js";
import type { NodePool } from "../../apis/nodepool.js";
import type { Candidate, Command } from "../../disruption/index.js";
import { commandForNode, consolidationApprovedEvents, consolidationApprovedNodePoolEvent, consolidationCandidateEvents, consolidationRejectedEvents } from "./events.js";

const node = (name: string): V1Node => ({ metadata: { name, uid: `node-${name}` } });
const claim = (name: string): NodeClaim => ({ metadata: { name, uid: `claim-${name}` } }) as NodeClaim;
const cand = (name: string): Candidate => ({ name, node: node(name), claim: claim(`${name}-claim`) }) as unknown as Candidate;
const command = (decision: "delete" | "replace", names: string[], replacements: number, savings: number): Command =>
  ({ method: names.length > 1 ? "multi" : "single", decision, candidates: names.map(cand), replacements: Array.from({ length: replacements }, () => ({})), savingsPerHour: savings }) as unknown as Command;

describe("consolidation events", () => {
  it("name the command from each candidate's side, as Karpenter's command string before it has an id", () => {
    assert.equal(commandForNode(command("delete", ["a"], 0, 0), "a"), "delete: [a]");
    assert.equal(commandForNode(command("replace", ["a"], 1, 0), "a"), "replace: [a] -> [1 replacement]");
    assert.equal(commandForNode(command("replace", ["a"], 2, 0), "a"), "replace: [a] -> [2 replacements]");
    assert.equal(commandForNode(command("delete", ["a", "b", "c"], 0, 0), "b"), "delete: [b] (part of 3-node consolidation)");
  });

  it("announce a candidate and a rejection on its Node and NodeClaim", () => {
    const cmd = command("replace", ["a"], 1, 0.1234);
    assert.deepEqual(consolidationCandidateEvents(cmd, cmd.candidates[0]!), [
      { involvedObject: { apiVersion: "v1", kind: "Node", name: "a", uid: "node-a" }, type: "Normal", reason: "ConsolidationCandidate", message: "Consolidation candidate: replace: [a] -> [1 replacement] (savings: $0.12)", dedupeValues: ["node-a", "replace: [a] -> [1 replacement]"] },
      { involvedObject: { apiVersion: "karpenter.sh/v1", kind: "NodeClaim", name: "a-claim", uid: "claim-a-claim" }, type: "Normal", reason: "ConsolidationCandidate", message: "Consolidation candidate: replace: [a] -> [1 replacement] (savings: $0.12)", dedupeValues: ["claim-a-claim", "replace: [a] -> [1 replacement]"] },
    ]);
    const multi = command("delete", ["a", "b"], 0, 0.4);
    const rejected = consolidationRejectedEvents(multi, multi.candidates[1]!, "budget");
    assert.deepEqual(
      rejected.map((e) => [e.involvedObject.kind, e.reason, e.message, e.dedupeValues]),
      [
        ["Node", "ConsolidationRejected", "Consolidation rejected: delete: [b] (part of 2-node consolidation), reason: budget (savings: $0.40)", ["node-b", "delete: [b] (part of 2-node consolidation)", "budget"]],
        ["NodeClaim", "ConsolidationRejected", "Consolidation rejected: delete: [b] (part of 2-node consolidation), reason: budget (savings: $0.40)", ["claim-b-claim", "delete: [b] (part of 2-node consolidation)", "budget"]],
      ],
    );
  });

  it("approve with the score against its threshold, on the node (single) or the NodePool (multi)", () => {
    const score = { value: 1.5, decision: "approved" as const, threshold: 0.5, k: 2, savingsFraction: 0.5, disruptionFraction: 1 / 3 };
    const message = "score 1.50 >= threshold 0.50 (k: 2, savings 50.0%, disruption 33.3%)";
    assert.deepEqual(
      consolidationApprovedEvents(node("a"), claim("c"), score).map((e) => [e.involvedObject.kind, e.type, e.reason, e.message, e.dedupeValues]),
      [
        ["Node", "Normal", "ConsolidationApproved", message, ["node-a"]],
        ["NodeClaim", "Normal", "ConsolidationApproved", message, ["claim-c"]],
      ],
    );
    const np = { metadata: { name: "p", uid: "pool-p" } } as NodePool;
    assert.deepEqual(consolidationApprovedNodePoolEvent(np, { ...score, value: Infinity, disruptionFraction: 0 }), {
      involvedObject: { apiVersion: "karpenter.sh/v1", kind: "NodePool", name: "p", uid: "pool-p" },
      type: "Normal",
      reason: "ConsolidationApproved",
      message: "score +Inf >= threshold 0.50 (k: 2, savings 50.0%, disruption 0.0%)",
      dedupeValues: ["pool-p"],
    });
  });
});
