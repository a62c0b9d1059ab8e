/**
 * Input the simulator cannot use: unreadable files, YAML that does not parse, objects that are not
 * Kubernetes objects. The message already names the file (and line, object, field when known), so
 * the CLI prints it as it is. Schema violations use the API's ValidationError instead, which names
 * the object and every bad field the same way the controller reports them.
 */
export class ManifestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ManifestError";
  }
}

/** One refused input, with the file it came from (so problems print in the order of the files). */
export interface InputProblem {
  source: string;
  message: string;
  /** The error as thrown, so that a single problem surfaces as it always did (its own class). */
  error?: Error;
}

/**
 * Every refused input of a run, so that `tenon simulate examples/bad` names each bad file at once
 * instead of one per run. The message of one problem is that problem's message, as before.
 */
export class InputErrors extends ManifestError {
  constructor(readonly problems: readonly InputProblem[]) {
    super(problems.map((p) => p.message).join("\n"));
    this.name = "InputErrors";
  }
}
