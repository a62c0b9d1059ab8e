// Kept-alive connections for the controller's Kubernetes calls. client-node 1.x builds a new
// https.Agent for every request, so each call pays a TCP connect and a full TLS handshake on both
// sides; under a burst (tens of nodes registering, hundreds of pods binding) that CPU competes with
// the calls themselves, the leader lease renewal among them. Here every call with the same TLS
// settings shares one keep-alive agent. Watches keep their own long-lived connection.
import { Agent as HttpAgent } from "node:http";
import { Agent as HttpsAgent, type AgentOptions } from "node:https";
import type { KubeConfig } from "@kubernetes/client-node";

/** Idle pooled sockets close after this, well before the API server's own idle timeout (90 s). */
export const IdleSocketMs = 30_000;

/** The options that decide who the agent talks to and how it proves itself: the pool's key. */
const KeyFields = ["ca", "cert", "key", "pfx", "passphrase", "rejectUnauthorized", "servername", "ciphers", "crl", "secureProtocol"] as const;

function keyOf(agent: HttpAgent | HttpsAgent): string {
  const options = (agent as HttpsAgent & { options?: AgentOptions }).options ?? {};
  const parts = KeyFields.map((f) => {
    const v: unknown = options[f];
    if (v === undefined) return "";
    if (Buffer.isBuffer(v)) return v.toString("base64");
    return typeof v === "string" ? v : JSON.stringify(v);
  });
  return `${agent instanceof HttpsAgent ? "https" : "http"}|${parts.join("|")}`;
}

/** A request context as client-node hands it to its auth method. */
interface AgentContext {
  getAgent(): HttpAgent | HttpsAgent | undefined;
  setAgent(agent: HttpAgent | HttpsAgent): void;
}

/**
 * Makes every API client later built from `kc` reuse kept-alive connections. Credentials that
 * change (a rotated client certificate) get an agent of their own, so no call is sent with stale
 * TLS settings. Returns kc, changed in place.
 */
export function keepConnectionsAlive(kc: KubeConfig): KubeConfig {
  const pool = new Map<string, HttpAgent | HttpsAgent>();
  const original = kc.applySecurityAuthentication.bind(kc);
  kc.applySecurityAuthentication = async (context: Parameters<KubeConfig["applySecurityAuthentication"]>[0]) => {
    await original(context);
    const ctx = context as unknown as AgentContext;
    const made = ctx.getAgent();
    // Only client-node's plain agents: a proxy agent (another class) is left as it is.
    if (made === undefined || (made.constructor !== HttpsAgent && made.constructor !== HttpAgent)) return;
    const key = keyOf(made);
    let shared = pool.get(key);
    if (!shared) {
      const options = { ...((made as HttpsAgent & { options?: AgentOptions }).options ?? {}), keepAlive: true, timeout: IdleSocketMs };
      shared = made instanceof HttpsAgent ? new HttpsAgent(options) : new HttpAgent(options);
      pool.set(key, shared);
    }
    made.destroy();
    ctx.setAgent(shared);
  };
  return kc;
}
