import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
/** Where the generated CRDs live: the plain folder for kubectl, and the chart's. */
export const crdOutputDirs = [join(root, "crds"), join(root, "charts/tenon/crds")];
