import type { RequirementOperator } from "../apis/common.js";
import type { RequirementSpec } from "../cloudprovider/types.js";

/**
 * One label key's allowed values, in the representation Karpenter uses so that every operator
 * intersects with every other:
 * - not complement: the value must be one of `values` (In; DoesNotExist when empty)
 * - complement: the value must NOT be one of `values` (NotIn; Exists when empty), and
 *   Gt/Lt add integer bounds (a label that isn't an integer then never matches).
 * Immutable: intersection returns a new requirement.
 */
export class Requirement {
  private canonicalKey?: string;

  private constructor(
    readonly key: string,
    readonly complement: boolean,
    readonly values: ReadonlySet<string>,
    readonly greaterThan: number | undefined,
    readonly lessThan: number | undefined,
    readonly minValues: number | undefined,
  ) {}

  static create(key: string, operator: RequirementOperator | string, values: readonly string[] = [], minValues?: number): Requirement {
    switch (operator) {
      case "In":
        return new Requirement(key, false, new Set(values), undefined, undefined, minValues);
      case "NotIn":
        return new Requirement(key, true, new Set(values), undefined, undefined, minValues);
      case "Exists":
        return new Requirement(key, true, new Set(), undefined, undefined, minValues);
      case "DoesNotExist":
        return new Requirement(key, false, new Set(), undefined, undefined, minValues);
      case "Gt":
      case "Lt": {
        const bound = Number.parseInt(values[0] ?? "", 10);
        // kube: a Gt/Lt whose value is not an integer matches nothing.
        if (values.length !== 1 || !Number.isFinite(bound)) return new Requirement(key, false, new Set(), undefined, undefined, minValues);
        return operator === "Gt"
          ? new Requirement(key, true, new Set(), bound, undefined, minValues)
          : new Requirement(key, true, new Set(), undefined, bound, minValues);
      }
      default:
        throw new Error(`unknown requirement operator "${operator}" for key ${key}: use In, NotIn, Exists, DoesNotExist, Gt or Lt`);
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
    if (!/^-?[0-9]+$/.test(value)) return false;
    const n = Number(value);
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

  /** The operator this requirement reads as (Gt/Lt for bounded complements). */
  get operator(): RequirementOperator {
    if (this.complement) {
      if (this.greaterThan !== undefined) return "Gt";
      if (this.lessThan !== undefined) return "Lt";
      return this.values.size > 0 ? "NotIn" : "Exists";
    }
    return this.values.size > 0 ? "In" : "DoesNotExist";
  }

  /** Operators that a node without the label satisfies. */
  get allowsAbsence(): boolean {
    const op = this.operator;
    return op === "NotIn" || op === "DoesNotExist";
  }

  intersection(other: Requirement): Requirement {
    if (other === this) return this;
    const complement = this.complement && other.complement;
    const greaterThan = maxDefined(this.greaterThan, other.greaterThan);
    const lessThan = minDefined(this.lessThan, other.lessThan);
    const minValues = maxDefined(this.minValues, other.minValues);
    // No integer lies strictly between the bounds.
    if (greaterThan !== undefined && lessThan !== undefined && lessThan - greaterThan <= 1) {
      return new Requirement(this.key, false, new Set(), undefined, undefined, minValues);
    }
    let values: Set<string>;
    if (this.complement && other.complement) values = new Set([...this.values, ...other.values]);
    else if (this.complement) values = new Set([...other.values].filter((v) => !this.values.has(v)));
    else if (other.complement) values = new Set([...this.values].filter((v) => !other.values.has(v)));
    else values = new Set([...this.values].filter((v) => other.values.has(v)));
    const bounded = new Requirement(this.key, complement, values, greaterThan, lessThan, minValues);
    if (greaterThan !== undefined || lessThan !== undefined) {
      for (const v of [...values]) if (!bounded.withinBounds(v)) values.delete(v);
    }
    // A concrete set has no use for bounds any more: they were applied to its values.
    if (!complement) return new Requirement(this.key, false, values, undefined, undefined, minValues);
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
      return this.values.size > 0 ? [{ key: this.key, operator: "In", values: this.sortedValues(), ...mv }] : [{ key: this.key, operator: "DoesNotExist" }];
    }
    const out: RequirementSpec[] = [];
    if (this.values.size > 0) out.push({ key: this.key, operator: "NotIn", values: this.sortedValues(), ...mv });
    if (this.greaterThan !== undefined) out.push({ key: this.key, operator: "Gt", values: [String(this.greaterThan)] });
    if (this.lessThan !== undefined) out.push({ key: this.key, operator: "Lt", values: [String(this.lessThan)] });
    if (out.length === 0) out.push({ key: this.key, operator: "Exists", ...mv });
    return out;
  }

  /** A stable identity string, used to intern requirement sets. */
  canonical(): string {
    if (this.canonicalKey === undefined) {
      this.canonicalKey = `${this.key}${this.complement ? "!" : "="}${this.sortedValues().join(",")}|${this.greaterThan ?? ""}|${this.lessThan ?? ""}|${this.minValues ?? ""}`;
    }
    return this.canonicalKey;
  }

  toString(): string {
    switch (this.operator) {
      case "In":
        return `${this.key} In [${this.sortedValues().join(", ")}]`;
      case "NotIn":
        return `${this.key} NotIn [${this.sortedValues().join(", ")}]`;
      case "Gt":
        return `${this.key} Gt ${this.greaterThan}${this.lessThan !== undefined ? ` Lt ${this.lessThan}` : ""}`;
      case "Lt":
        return `${this.key} Lt ${this.lessThan}`;
      default:
        return `${this.key} ${this.operator}`;
    }
  }
}

function maxDefined(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.max(a, b);
}

function minDefined(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.min(a, b);
}
