// Where the controller's Kubernetes credentials come from, in the order an operator expects: an
// explicit kubeconfig (flag or KUBECONFIG) for running outside the cluster, the pod's service
// account when running inside it, and otherwise whatever kubectl would use.
import { existsSync } from "node:fs";
import { delimiter } from "node:path";
import {
  ApiextensionsV1Api,
  AppsV1Api,
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  EventsV1Api,
  KubeConfig,
  KubernetesObjectApi,
  PolicyV1Api,
} from "@kubernetes/client-node";
import type { Env } from "./config.js";

export type KubeConfigSource = "kubeconfig" | "in-cluster" | "default";

export interface LoadKubeConfigOptions {
  /** A kubeconfig path, or several joined with the platform's path delimiter as KUBECONFIG allows. */
  kubeconfig?: string;
  env?: Env;
  /** Where the service account token is mounted; tests point it elsewhere. */
  serviceAccountTokenPath?: string;
}

const defaultTokenPath = "/var/run/secrets/kubernetes.io/serviceaccount/token";

/** Loads credentials and says where they came from, for the startup log line. */
export function loadKubeConfig(options: LoadKubeConfigOptions = {}): { kubeConfig: KubeConfig; source: KubeConfigSource } {
  const kc = new KubeConfig();
  const env = options.env ?? process.env;
  if (options.kubeconfig) {
    const paths = options.kubeconfig.split(delimiter).filter((p) => p !== "");
    for (const [i, path] of paths.entries()) {
      if (!existsSync(path)) throw new Error(`kubeconfig ${path} does not exist; fix KUBECONFIG (--kubeconfig) or unset it to use in-cluster config`);
      if (i === 0) {
        kc.loadFromFile(path);
        continue;
      }
      const more = new KubeConfig();
      more.loadFromFile(path);
      // Like kubectl: the first file that sets a current context decides it.
      kc.mergeConfig(more, Boolean(kc.currentContext));
    }
    if (!kc.getCurrentCluster()) throw new Error(`kubeconfig ${options.kubeconfig} has no current context with a cluster`);
    return { kubeConfig: kc, source: "kubeconfig" };
  }
  if (env.KUBERNETES_SERVICE_HOST && existsSync(options.serviceAccountTokenPath ?? defaultTokenPath)) {
    kc.loadFromCluster();
    return { kubeConfig: kc, source: "in-cluster" };
  }
  kc.loadFromDefault();
  if (!kc.getCurrentCluster()) {
    throw new Error("no Kubernetes credentials: set KUBECONFIG (--kubeconfig), or run in a pod with a service account");
  }
  return { kubeConfig: kc, source: "default" };
}

/** The typed API clients controllers use, made once from one KubeConfig. */
export interface KubeClients {
  kubeConfig: KubeConfig;
  core: CoreV1Api;
  apps: AppsV1Api;
  policy: PolicyV1Api;
  coordination: CoordinationV1Api;
  events: EventsV1Api;
  apiextensions: ApiextensionsV1Api;
  /** NodePools, NodeClaims and EC2NodeClasses. */
  customObjects: CustomObjectsApi;
  /** Generic apply/patch for any object. */
  objects: KubernetesObjectApi;
}

export function makeClients(kubeConfig: KubeConfig): KubeClients {
  return {
    kubeConfig,
    core: kubeConfig.makeApiClient(CoreV1Api),
    apps: kubeConfig.makeApiClient(AppsV1Api),
    policy: kubeConfig.makeApiClient(PolicyV1Api),
    coordination: kubeConfig.makeApiClient(CoordinationV1Api),
    events: kubeConfig.makeApiClient(EventsV1Api),
    apiextensions: kubeConfig.makeApiClient(ApiextensionsV1Api),
    customObjects: kubeConfig.makeApiClient(CustomObjectsApi),
    objects: KubernetesObjectApi.makeApiClient(kubeConfig),
  };
}

/** The HTTP status of a failed API call, or undefined when the failure was not an API response. */
export function apiStatus(err: unknown): number | undefined {
  if (typeof err === "object" && err !== null && "code" in err && typeof err.code === "number") return err.code;
  return undefined;
}

export const isNotFound = (err: unknown): boolean => apiStatus(err) === 404;
export const isConflict = (err: unknown): boolean => apiStatus(err) === 409;
