// tenon's own NodePool annotations: optional extensions a Karpenter manifest never needs. They are
// annotations rather than fields so that the CRDs stay identical to Karpenter's: a NodePool that
// uses them still applies cleanly where Karpenter runs (which ignores them), and `kubectl explain`
// shows Karpenter's schema unchanged.

/**
 * Scheduled scale-to-zero: a YAML or JSON list of windows, e.g.
 * `[{"schedule":"0 20 * * 1-5","duration":"12h","timeZone":"Europe/Paris"}]`. Inside a window the
 * NodePool launches nothing and its nodes are drained and removed. See docs/sleep-windows.md.
 */
export const SleepWindowsAnnotation = "tenon.sh/sleep-windows";

/**
 * The least a consolidation replacement must save, as a percentage of the price of the nodes it
 * replaces ("20%"), so that small savings do not churn nodes. Deleting nodes saves 100% and is
 * never held back by it.
 */
export const MinSavingsAnnotation = "tenon.sh/consolidation-min-savings";

/**
 * Scheduled headroom on a CapacityBuffer (autoscaling.x-k8s.io/v1beta1): the same window list as
 * tenon.sh/sleep-windows (schedule, duration, timeZone), read by the same parser. Outside its
 * windows the buffer asks for no room; its room is launched ahead of each window by the measured
 * node start-up time and released when the window closes. See docs/headroom.md.
 */
export const ActiveWindowsAnnotation = "tenon.sh/active-windows";
