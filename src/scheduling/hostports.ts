import type { V1Pod } from "@kubernetes/client-node";

/** One host port a pod binds on its node. */
export interface HostPort {
  ip: string;
  protocol: string;
  port: number;
}

const Wildcard = "0.0.0.0";

/** Host ports of the pod's (regular) containers, as kube's NodePorts plugin reads them. */
export function podHostPorts(pod: V1Pod): HostPort[] {
  const out: HostPort[] = [];
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c.ports ?? []) {
      if (!p.hostPort || p.hostPort <= 0) continue;
      out.push({ ip: p.hostIP || Wildcard, protocol: p.protocol || "TCP", port: p.hostPort });
    }
  }
  return out;
}

export function formatHostPort(p: HostPort): string {
  return `${p.ip}:${p.port}/${p.protocol}`;
}

/**
 * The host ports in use on one node. Two bindings conflict when protocol and port match and either
 * IP is the wildcard or the IPs are equal (kube's HostPortInfo.CheckConflict).
 */
export class HostPortUsage {
  private readonly used = new Map<string, string[]>();

  private static key(p: HostPort): string {
    return `${p.protocol}/${p.port}`;
  }

  conflict(ports: readonly HostPort[]): HostPort | undefined {
    for (const p of ports) {
      const ips = this.used.get(HostPortUsage.key(p));
      if (!ips) continue;
      if (p.ip === Wildcard || ips.includes(Wildcard) || ips.includes(p.ip)) return p;
    }
    return undefined;
  }

  add(ports: readonly HostPort[]): void {
    for (const p of ports) {
      const k = HostPortUsage.key(p);
      const ips = this.used.get(k);
      if (ips) ips.push(p.ip);
      else this.used.set(k, [p.ip]);
    }
  }

  remove(ports: readonly HostPort[]): void {
    for (const p of ports) {
      const ips = this.used.get(HostPortUsage.key(p));
      if (!ips) continue;
      const i = ips.indexOf(p.ip);
      if (i >= 0) ips.splice(i, 1);
      if (ips.length === 0) this.used.delete(HostPortUsage.key(p));
    }
  }

  get empty(): boolean {
    return this.used.size === 0;
  }
}
