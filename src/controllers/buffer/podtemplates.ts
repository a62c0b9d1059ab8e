// PodTemplates, watched so a buffer follows its template at once (Karpenter's controller watches
// them too) instead of at the next 30 s resync: a changed template resizes the buffer's virtual
// pods, a deleted one sets it aside (ReadyForProvisioning False, PodTemplateNotFound).
import type { KubeConfig, V1PodTemplate } from "@kubernetes/client-node";
import type { CapacityBuffer } from "../../apis/capacitybuffer.js";
import type { KubeClients } from "../../operator/kube.js";
import type { Logger } from "../../operator/logging.js";
import { Store } from "../../state/store.js";

/** The buffers (namespace/name keys) whose spec.podTemplateRef names this template. */
export function buffersForPodTemplate(buffers: readonly CapacityBuffer[], namespace: string | undefined, name: string | undefined): string[] {
  return buffers
    .filter((b) => (b.metadata.namespace ?? "default") === (namespace ?? "default") && b.spec.podTemplateRef?.name === name)
    .map((b) => `${b.metadata.namespace ?? "default"}/${b.metadata.name ?? ""}`);
}

/** A store of every PodTemplate (the controller only needs to hear of changes; it reads the one it uses). */
export function podTemplateStore(kube: KubeClients, logger: Logger, kc: KubeConfig = kube.kubeConfig): Store<V1PodTemplate> {
  return new Store<V1PodTemplate>({
    kc,
    path: "/api/v1/podtemplates",
    list: async () => (await kube.core.listPodTemplateForAllNamespaces()) as { items: unknown[] },
    logger,
  });
}
