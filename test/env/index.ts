// The test environment for node:test. Either start and stop by hand:
//
//   const env = await startControlPlane({ scheduler: true, controllerManager: true, kwok: true });
//   after(() => env.stop());
//
// or let hooks do it, in a file or inside describe():
//
//   const cluster = useControlPlane({ kwok: true });
//   const aws = useMoto();
//   it("…", async () => { const core = cluster().kubeConfig().makeApiClient(CoreV1Api); … });
//
// Processes never outlive the test process: exit and signal hooks kill them, and a watchdog
// kills them if the test process itself is killed.
import { after, before } from "node:test";
import { startControlPlane, type ControlPlane, type ControlPlaneOptions } from "./controlplane.js";
import { startMoto, type Moto, type MotoOptions } from "./moto.js";

export * from "./controlplane.js";
export * from "./moto.js";
export { bin, cacheDir, ensureBuilt, versions } from "./paths.js";
export { freePort, waitFor } from "./proc.js";

function useResource<T extends { stop(): Promise<void> }>(what: string, start: () => Promise<T>): () => T {
  let value: T | undefined;
  before(async () => {
    value = await start();
  });
  after(async () => {
    await value?.stop();
    value = undefined;
  });
  return () => {
    if (!value) throw new Error(`${what} is not running: use it inside a test, after the before() hook`);
    return value;
  };
}

/** Starts a control plane in before() and stops it in after(); returns a getter. */
export function useControlPlane(opts: ControlPlaneOptions = {}): () => ControlPlane {
  return useResource("the control plane", () => startControlPlane(opts));
}

/** Starts moto in before() and stops it in after(); returns a getter. */
export function useMoto(opts: MotoOptions = {}): () => Moto {
  return useResource("moto", () => startMoto(opts));
}
