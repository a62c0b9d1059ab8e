// `tenon controller`: hands over to the operator. It is imported on demand so that
// `tenon simulate` does not load the Kubernetes and AWS clients it never uses.

/** Runs the controller with its own arguments (flags after `controller`); it owns the process from here. */
export async function startController(argv: string[]): Promise<void> {
  const { runController } = await import("../operator/main.js");
  await runController(argv);
}
