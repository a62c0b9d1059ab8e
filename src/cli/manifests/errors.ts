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
