// Pure: which VolumeAttachments a terminating node must see detached before its instance goes.
import type { V1PersistentVolumeClaim, V1Pod, V1VolumeAttachment } from "@kubernetes/client-node";
import { isDrainable } from "./drain.js";

/**
 * The node's VolumeAttachments that still block termination. Volumes of pods the drain does not
 * wait for (mirror pods, pods tolerating the disrupted taint, pods stuck terminating) stay attached
 * until the instance goes, so they are not waited for; nor are attachments without a
 * PersistentVolume (inline volumes).
 */
export function pendingVolumeAttachments(
  attachments: readonly V1VolumeAttachment[],
  nodeName: string,
  podsOnNode: readonly V1Pod[],
  claimOf: (namespace: string, name: string) => V1PersistentVolumeClaim | undefined,
  now: number,
): V1VolumeAttachment[] {
  const ignoredVolumes = new Set<string>();
  for (const pod of podsOnNode) {
    if (isDrainable(pod, now)) continue;
    for (const v of pod.spec?.volumes ?? []) {
      const claimName = v.persistentVolumeClaim?.claimName ?? (v.ephemeral ? `${pod.metadata?.name}-${v.name}` : undefined);
      if (!claimName) continue;
      const volumeName = claimOf(pod.metadata?.namespace ?? "", claimName)?.spec?.volumeName;
      if (volumeName) ignoredVolumes.add(volumeName);
    }
  }
  return attachments.filter((va) => {
    if (va.spec?.nodeName !== nodeName) return false;
    const pv = va.spec.source?.persistentVolumeName;
    return pv !== undefined && pv !== null && !ignoredVolumes.has(pv);
  });
}
