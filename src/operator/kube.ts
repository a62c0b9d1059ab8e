// Where the controller's Kubernetes credentials come from, in the order an operator expects: an
// explicit kubeconfig (flag or KUBECONFIG) for running outside the cluster, the pod's service
// account when running inside it, and otherwise whatever kubectl would use.
import { existsSync } from "node:fs";
import { delimiter } from "node:path";
import {
  type ApiConstructor,
  type ApiType,
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
import type { LeaderFence } from "./fence.js";
import { instrumentKubeApi } from "./metrics-clients.js";

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

export interface MakeClientsOptions {
  /**
   * Refuse every mutating call (create, patch, replace, delete, and their status and eviction
   * subresources) with NotLeaderError, before it is sent, whenever the fence is down. Clients made
   * later through the returned kubeConfig are fenced too. Reads are never fenced.
   */
  fence?: LeaderFence;
}

export function makeClients(kubeConfig: KubeConfig, options: MakeClientsOptions = {}): KubeClients {
  const { fence } = options;
  const kc = fence ? fencedKubeConfig(kubeConfig, fence) : kubeConfig;
  const api = <T extends object>(client: T, name: string): T => (fence ? fenceApi(instrumentKubeApi(client, name), name, fence) : instrumentKubeApi(client, name));
  return {
    kubeConfig: kc,
    core: api(kubeConfig.makeApiClient(CoreV1Api), "CoreV1Api"),
    apps: api(kubeConfig.makeApiClient(AppsV1Api), "AppsV1Api"),
    policy: api(kubeConfig.makeApiClient(PolicyV1Api), "PolicyV1Api"),
    coordination: api(kubeConfig.makeApiClient(CoordinationV1Api), "CoordinationV1Api"),
    events: api(kubeConfig.makeApiClient(EventsV1Api), "EventsV1Api"),
    apiextensions: api(kubeConfig.makeApiClient(ApiextensionsV1Api), "ApiextensionsV1Api"),
    customObjects: api(kubeConfig.makeApiClient(CustomObjectsApi), "CustomObjectsApi"),
    objects: api(KubernetesObjectApi.makeApiClient(kubeConfig), "KubernetesObjectApi"),
  };
}

/** client-node's mutating methods, on every generated API and on KubernetesObjectApi. */
export const isMutatingMethod = (name: string): boolean => /^(create|patch|replace|delete)/.test(name);

/** The API object with its mutating methods checking the fence first; everything else passes through. */
export function fenceApi<T extends object>(api: T, apiName: string, fence: LeaderFence): T {
  return new Proxy(api, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== "function") return value;
      const fn = value as (...args: unknown[]) => unknown;
      if (typeof prop !== "string" || !isMutatingMethod(prop)) return fn.bind(target);
      return (...args: unknown[]) => {
        // A rejected promise, like any failed API call, rather than a synchronous throw.
        try {
          fence.assertLeader(`${apiName}.${prop}`);
        } catch (err) {
          return Promise.reject(err);
        }
        return fn.apply(target, args);
      };
    },
  });
}

/** The KubeConfig, with the API clients it makes fenced. */
function fencedKubeConfig(kubeConfig: KubeConfig, fence: LeaderFence): KubeConfig {
  return new Proxy(kubeConfig, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (prop === "makeApiClient") {
        return <T extends ApiType>(apiClass: ApiConstructor<T>): T => fenceApi(instrumentKubeApi(target.makeApiClient(apiClass), apiClass.name), apiClass.name, fence);
      }
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** The HTTP status of a failed API call, or undefined when the failure was not an API response. */
export function apiStatus(err: unknown): number | undefined {
  if (typeof err === "object" && err !== null && "code" in err && typeof err.code === "number") return err.code;
  return undefined;
}

export const isNotFound = (err: unknown): boolean => apiStatus(err) === 404;
export const isConflict = (err: unknown): boolean => apiStatus(err) === 409;
