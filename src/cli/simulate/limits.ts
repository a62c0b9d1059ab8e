// The bounds `tenon simulate` holds its input to, so that no input can make it run out of memory
// or run for hours. Each is documented in `tenon simulate --help` and docs/simulate.md; past one,
// the input is refused with a message naming the file (and object) and the bound.

/** Largest input file (or standard input) read: far above any cluster's `kubectl get -o yaml`. */
export const MaxInputBytes = 64 * 1024 * 1024;
/** All inputs together. */
export const MaxTotalInputBytes = 256 * 1024 * 1024;
/** Pods in one simulation: those in the input plus those its workloads would create. */
export const MaxPods = 50_000;
/** Nesting of YAML/JSON values: real manifests stay below 30; recursion stays far from the stack's end. */
export const MaxDepth = 500;
/** YAML documents in one input: a cluster's objects one per document stay far below. */
export const MaxDocuments = 200_000;
/** How many times YAML aliases may be expanded in one document (the `yaml` package's maxAliasCount). */
export const MaxAliasCount = 1000;

export const mebibytes = (n: number): string => `${n / (1024 * 1024)} MiB`;
