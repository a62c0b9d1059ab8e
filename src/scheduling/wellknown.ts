import { WellKnownNodeLabels } from "../apis/labels.js";

/**
 * Labels every node tenon launches carries with a value known from its instance type, NodePool or
 * offering. A pod may require one of these even when its NodePool does not mention it (the
 * instance types narrow it instead); custom labels must be defined by the NodePool.
 */
export const WellKnownLabels: ReadonlySet<string> = new Set<string>(WellKnownNodeLabels);
