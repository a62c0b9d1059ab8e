import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { V1PersistentVolumeClaim, V1Pod, V1VolumeAttachment } from "@kubernetes/client-node";
import { FakeClock } from "../../runtime/clock.js";
import { pendingVolumeAttachments } from "./volumes.js";

const va = (name: string, nodeName: string, pv?: string): V1VolumeAttachment => ({
  metadata: { name },
  spec: { attacher: "ebs.csi.aws.com", nodeName, source: pv ? { persistentVolumeName: pv } : { inlineVolumeSpec: {} } },
});

const podWithClaim = (name: string, claimName: string, tolerant: boolean): V1Pod => ({
  metadata: { name, namespace: "db" },
  spec: {
    nodeName: "n1",
    containers: [{ name: "c" }],
    volumes: [{ name: "data", persistentVolumeClaim: { claimName } }],
    ...(tolerant ? { tolerations: [{ operator: "Exists" }] } : {}),
  },
});

describe("pendingVolumeAttachments", () => {
  it("waits for the node's attachments, except inline ones and those of pods the drain leaves behind", () => {
    const claims: Record<string, V1PersistentVolumeClaim> = {
      "db/data-a": { spec: { volumeName: "pv-a" } },
      "db/data-b": { spec: { volumeName: "pv-b" } },
    };
    const pods = [podWithClaim("a", "data-a", false), podWithClaim("b", "data-b", true)];
    const pending = pendingVolumeAttachments(
      [va("va-a", "n1", "pv-a"), va("va-b", "n1", "pv-b"), va("va-inline", "n1"), va("va-other", "n2", "pv-x")],
      "n1",
      pods,
      (ns, name) => claims[`${ns}/${name}`],
      new FakeClock().now(),
    );
    assert.deepEqual(
      pending.map((v) => v.metadata!.name),
      ["va-a"],
    );
  });
});
