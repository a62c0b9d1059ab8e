import { parseInt64 } from "./int64.js";
import type { RequirementOperator, RequirementSpec } from "./types.js";

/**
 * One label key's allowed values, in the representation Karpenter uses so that every operator
 * intersects with every other:
 * - not complement: the value must be one of `values` (In; DoesNotExist when empty)
 * - complement: the value must NOT be one of `values` (NotIn; Exists when empty), and
 *   Gt/Lt add integer bounds (a label that isn't an integer then never matches); Gte/Lte
 *   (Karpenter's NodePool and NodeClaim operators) are the same bounds moved by one.
 * and, unlike Karpenter, whether a node without the label satisfies it (`absent`), kept exactly
 * through intersections: kube-scheduler ANDs a term's expressions, so `Exists` with `NotIn [a]`
 * still needs the label, and `In [a]` with `In [b]` matches no node at all (not "DoesNotExist").
 * Immutable: intersection returns a new requirement.
 */
export class Requirement {
  private canonicalKey?: string;

  private constructor(
    readonly key: string,
    readonly complement: boolean,
    readonly values: ReadonlySet<string>,
    private readonly greaterThan: bigint | undefined,
    private readonly lessThan: bigint | undefined,
    readonly minValues: number | undefined,
    /** Whether a node without the label satisfies it. */
    readonly absent: boolean,
  ) {}

  static create(key: string, operator: RequirementOperator | string, values: readonly string[] = [], minValues?: number): Requirement {
    switch (operator) {
      case "In":
        return new Requirement(key, false, new Set(values), undefined, undefined, minValues, false);
      case "NotIn":
        return new Requirement(key, true, new Set(values), undefined, undefined, minValues, true);
      case "Exists":
        return new Requirement(key, true, new Set(), undefined, undefined, minValues, false);
      case "DoesNotExist":
        return new Requirement(key, false, new Set(), undefined, undefined, minValues, true);
      case "Gt":
      case "Lt":
      case "Gte":
      case "Lte": {
        // kube-scheduler reads the value with strconv.ParseInt: "4.5" or "64cores" is no integer,
        // and a Gt/Lt without exactly one integer matches no node.
        const bound = values.length === 1 ? parseInt64(values[0]!) : undefined;
        if (bound === undefined) return new Requirement(key, false, new Set(), undefined, undefined, minValues, false);
        // Labels are integers, so "≥ v" is "> v-1" and "≤ v" is "< v+1".
        if (operator === "Gt" || operator === "Gte") return new Requirement(key, true, new Set(), operator === "Gt" ? bound : bound - 1n, undefined, minValues, false);
        return new Requirement(key, true, new Set(), undefined, operator === "Lt" ? bound : bound + 1n, minValues, false);
      }
      default:
        throw new Error(`unknown requirement operator "${operator}" for key ${key}: use In, NotIn, Exists, DoesNotExist, Gt, Lt, Gte or Lte`);
    }
  }

  static exists(key: string): Requirement {
    return Requirement.create(key, "Exists");
  }

  static fromSpec(spec: RequirementSpec): Requirement {
    return Requirement.create(spec.key, spec.operator, spec.values ?? [], spec.minValues);
  }

  private withinBounds(value: string): boolean {
    if (this.greaterThan === undefined && this.lessThan === undefined) return true;
    const n = parseInt64(value);
    if (n === undefined) return false;
    return (this.greaterThan === undefined || n > this.greaterThan) && (this.lessThan === undefined || n < this.lessThan);
  }

  /** Whether a node whose label has this value satisfies the requirement. */
  has(value: string): boolean {
    if (this.complement) return !this.values.has(value) && this.withinBounds(value);
    return this.values.has(value) && this.withinBounds(value);
  }

  /** How many values satisfy it (Infinity for the open-ended complement forms). */
  get size(): number {
    return this.complement ? Number.POSITIVE_INFINITY : this.values.size;
  }

  /** The operator this requirement reads as (Gt/Lt for bounded complements; In for one no node satisfies). */
  get operator(): RequirementOperator {
    if (this.complement) {
      if (this.greaterThan !== undefined) return "Gt";
      if (this.lessThan !== undefined) return "Lt";
      return this.values.size > 0 || this.absent ? "NotIn" : "Exists";
    }
    return this.values.size > 0 || !this.absent ? "In" : "DoesNotExist";
  }

  /** Whether a node without the label satisfies it (NotIn, DoesNotExist). */
  get allowsAbsence(): boolean {
    return this.absent;
  }

  intersection(other: Requirement): Requirement {
    if (other === this) return this;
    const complement = this.complement && other.complement;
    const greaterThan = maxDefined(this.greaterThan, other.greaterThan);
    const lessThan = minDefined(this.lessThan, other.lessThan);
    const minValues = maxDefined(this.minValues, other.minValues);
    const absent = this.absent && other.absent;
    // No integer lies strictly between the bounds.
    if (greaterThan !== undefined && lessThan !== undefined && lessThan - greaterThan <= 1n) {
      return new Requirement(this.key, false, new Set(), undefined, undefined, minValues, absent);
    }
    let values: Set<string>;
    if (this.complement && other.complement) values = new Set([...this.values, ...other.values]);
    else if (this.complement) values = new Set([...other.values].filter((v) => !this.values.has(v)));
    else if (other.complement) values = new Set([...this.values].filter((v) => !other.values.has(v)));
    else values = new Set([...this.values].filter((v) => other.values.has(v)));
    const bounded = new Requirement(this.key, complement, values, greaterThan, lessThan, minValues, absent);
    if (greaterThan !== undefined || lessThan !== undefined) {
      for (const v of [...values]) if (!bounded.withinBounds(v)) values.delete(v);
    }
    // A concrete set has no use for bounds any more: they were applied to its values.
    if (!complement) return new Requirement(this.key, false, values, undefined, undefined, minValues, absent);
    return bounded;
  }

  /** True when no label value (and no absence, for In forms) satisfies both. */
  intersects(other: Requirement): boolean {
    return this.intersection(other).size > 0;
  }

  sortedValues(): string[] {
    return [...this.values].sort();
  }

  /** A value that satisfies the requirement, if a concrete one is known. */
  any(): string | undefined {
    if (!this.complement) return this.sortedValues()[0];
    return undefined;
  }

  /** As NodeSelectorRequirements (a bounded complement may need several). */
  toSpecs(): RequirementSpec[] {
    const mv = this.minValues !== undefined ? { minValues: this.minValues } : {};
    if (!this.complement) {
      if (this.values.size > 0) return [{ key: this.key, operator: "In", values: this.sortedValues(), ...mv }];
      // Nothing satisfies it: an In with no value (never planned onto a node; shown in explanations).
      return this.absent ? [{ key: this.key, operator: "DoesNotExist" }] : [{ key: this.key, operator: "In", values: [] }];
    }
    const out: RequirementSpec[] = [];
    if (this.values.size > 0) out.push({ key: this.key, operator: "NotIn", values: this.sortedValues(), ...mv });
    // A NodeClaim's Gt takes a non-negative value: "Gte 0" stays "Gte 0", not "Gt -1".
    if (this.greaterThan !== undefined)
      out.push(this.greaterThan < 0n ? { key: this.key, operator: "Gte", values: [String(this.greaterThan + 1n)] } : { key: this.key, operator: "Gt", values: [String(this.greaterThan)] });
    if (this.lessThan !== undefined) out.push({ key: this.key, operator: "Lt", values: [String(this.lessThan)] });
    // The label must be there (Exists), unless a bound already says so.
    if (!this.absent && this.greaterThan === undefined && this.lessThan === undefined) out.push({ key: this.key, operator: "Exists", ...(out.length === 0 ? mv : {}) });
    return out;
  }

  /** A stable identity string, used to intern requirement sets. */
  canonical(): string {
    if (this.canonicalKey === undefined) {
      this.canonicalKey = `${this.key}${this.complement ? "!" : "="}${this.sortedValues().join(",")}|${this.greaterThan ?? ""}|${this.lessThan ?? ""}|${this.minValues ?? ""}|${this.absent ? "a" : ""}`;
    }
    return this.canonicalKey;
  }

  toString(): string {
    const exists = this.complement && !this.absent && this.values.size > 0 && this.greaterThan === undefined && this.lessThan === undefined ? " (and Exists)" : "";
    switch (this.operator) {
      case "In":
        return `${this.key} In [${this.sortedValues().join(", ")}]`;
      case "NotIn":
        return `${this.key} NotIn [${this.sortedValues().join(", ")}]${exists}`;
      case "Gt":
        return `${this.key} Gt ${this.greaterThan}${this.lessThan !== undefined ? ` Lt ${this.lessThan}` : ""}`;
      case "Lt":
        return `${this.key} Lt ${this.lessThan}`;
      default:
        return `${this.key} ${this.operator}`;
    }
  }
}

function maxDefined<T extends number | bigint>(a: T | undefined, b: T | undefined): T | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return a > b ? a : b;
}

function minDefined<T extends number | bigint>(a: T | undefined, b: T | undefined): T | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return a < b ? a : b;
}
