import type { V1Container, V1Pod } from "@kubernetes/client-node";
import type { ResourceList } from "../cloudprovider/types.js";
import { parseResourceList } from "../core/quantity.js";
import { addInto, maxInto } from "../core/resources.js";

/**
 * A container's requests. The API server defaults a missing request to the limit when only the limit
 * is set; pods read from files (tenon simulate) may not have been through admission, so the same
 * defaulting happens here.
 */
function containerRequests(c: V1Container, field: string): ResourceList {
  const requests = parseResourceList(c.resources?.requests, `${field}.resources.requests`);
  const limits = parseResourceList(c.resources?.limits, `${field}.resources.limits`);
  for (const [name, value] of Object.entries(limits)) if (requests[name] === undefined) requests[name] = value;
  return requests;
}

/**
 * What the scheduler reserves for a pod, exactly as kube's resource.PodRequests computes it:
 * max(sum of containers + sum of restartable (sidecar) init containers,
 *     max over init containers i of (init container i + sidecars started before i))
 * then pod-level requests (spec.resources, for the resources they name) replace the container
 * aggregate, then spec.overhead is added. Every pod also takes one `pods` slot.
 */
export function podRequests(pod: V1Pod): ResourceList {
  const spec = pod.spec;
  const reqs: ResourceList = {};
  (spec?.containers ?? []).forEach((c, i) => addInto(reqs, containerRequests(c, `spec.containers[${i}]`)));
  const sidecars: ResourceList = {};
  const initPeak: ResourceList = {};
  for (const [i, c] of (spec?.initContainers ?? []).entries()) {
    const r = containerRequests(c, `spec.initContainers[${i}]`);
    if (c.restartPolicy === "Always") {
      // A sidecar keeps running next to the app containers and every later init container.
      addInto(reqs, r);
      addInto(sidecars, r);
      maxInto(initPeak, sidecars);
    } else {
      const during: ResourceList = { ...r };
      addInto(during, sidecars);
      maxInto(initPeak, during);
    }
  }
  maxInto(reqs, initPeak);
  const podLevel = parseResourceList(spec?.resources?.requests, "spec.resources.requests");
  for (const [k, v] of Object.entries(parseResourceList(spec?.resources?.limits, "spec.resources.limits"))) if (podLevel[k] === undefined) podLevel[k] = v;
  for (const [k, v] of Object.entries(podLevel)) reqs[k] = v;
  addInto(reqs, parseResourceList(spec?.overhead, "spec.overhead"));
  reqs["pods"] = (reqs["pods"] ?? 0) + 1;
  return reqs;
}
