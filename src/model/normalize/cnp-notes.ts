/** A warning from the ClusterNetworkPolicy conversion, at a path inside the resource. */
import type { CodeInfo } from "../../diagnostics/codes.js";
import type { Path } from "../paths.js";

export interface CnpNote {
  readonly code: CodeInfo;
  readonly message: string;
  /** From the resource's root, e.g. `["spec", "egress", 1, "to", 0, "nodes"]`. */
  readonly path: Path;
  readonly part?: "key" | "value";
}
