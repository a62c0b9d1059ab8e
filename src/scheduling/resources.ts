import type { ResourceList } from "../cloudprovider/types.js";

/**
 * Resource names mapped to dense vector slots for one solve, so fit checks compare a few numbers in a
 * Float64Array instead of walking string-keyed maps. cpu, memory and pods always take slots 0–2.
 */
export class ResourceIndex {
  readonly names: string[] = ["cpu", "memory", "pods"];
  private readonly slots = new Map<string, number>([
    ["cpu", 0],
    ["memory", 1],
    ["pods", 2],
  ]);

  slot(name: string): number {
    let i = this.slots.get(name);
    if (i === undefined) {
      i = this.names.length;
      this.names.push(name);
      this.slots.set(name, i);
    }
    return i;
  }

  has(name: string): boolean {
    return this.slots.has(name);
  }

  get size(): number {
    return this.names.length;
  }

  /** Registers every name of a list (call for all inputs before building vectors). */
  register(list: ResourceList): void {
    for (const name of Object.keys(list)) this.slot(name);
  }

  vector(list: ResourceList): Float64Array {
    const v = new Float64Array(this.names.length);
    for (const [name, value] of Object.entries(list)) {
      const i = this.slots.get(name);
      if (i === undefined) throw new Error(`resource ${name} was not registered before building vectors`);
      v[i] = value;
    }
    return v;
  }

  list(v: Float64Array): ResourceList {
    const out: ResourceList = {};
    for (let i = 0; i < v.length; i++) if (v[i] !== 0) out[this.names[i]!] = v[i]!;
    return out;
  }
}

/** True when used + extra fits within capacity in every resource. */
export function fitsWith(used: Float64Array, extra: Float64Array, capacity: Float64Array): boolean {
  for (let i = 0; i < capacity.length; i++) if (used[i]! + extra[i]! > capacity[i]!) return false;
  return true;
}

export function fits(request: Float64Array, capacity: Float64Array): boolean {
  for (let i = 0; i < capacity.length; i++) if (request[i]! > capacity[i]!) return false;
  return true;
}

/** Resources in which request exceeds capacity. */
export function shortfalls(request: Float64Array, capacity: Float64Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < capacity.length; i++) if (request[i]! > capacity[i]!) out.push(i);
  return out;
}

// ResourceList (string-keyed) helpers, for the edges of the core.
export function sumLists(...lists: ResourceList[]): ResourceList {
  const out: ResourceList = {};
  for (const l of lists) for (const [k, v] of Object.entries(l)) out[k] = (out[k] ?? 0) + v;
  return out;
}

