/**
 * Which nodes the inputs name, and the check that the node a command compiles for is one of
 * them. A mistyped `--node` (`nod-1` for `node-1`) compiles to a node without endpoints: valid
 * output that, applied, removes every workload chain of the real node. So a node that no
 * endpoint names is an error, unless the caller says that the node really has none.
 */
import { Codes } from "../diagnostics/codes.js";
import type { Diagnostic } from "../diagnostics/types.js";
import { closest } from "./suggest.js";

/** Anything placed on a node: workload endpoints (a pod without spec.nodeName has none) and host endpoints. */
interface Placed {
  readonly node?: string | undefined;
}

/** The node names of `placed`, sorted and unique. */
export function nodesNamed(...placed: readonly Iterable<Placed>[]): string[] {
  const names = new Set<string>();
  for (const list of placed) for (const p of list) if (p.node !== undefined && p.node !== "") names.add(p.node);
  return [...names].sort();
}

/** How many node names a message lists before it counts the rest. */
const LISTED = 10;

/**
 * The PC3050 error when `node` is not among `named`, else undefined. `flag` is the option that
 * overrides the check, named in the message so the user knows the way out.
 */
export function nodeNotNamed(node: string, named: readonly string[], flag: string): Diagnostic | undefined {
  if (named.includes(node)) return undefined;
  const near = closest(node, named);
  const listed = named.slice(0, LISTED).map((n) => JSON.stringify(n)).join(", ");
  const more = named.length > LISTED ? ` and ${named.length - LISTED} more` : "";
  const which = named.length === 0
    ? "the inputs name no node at all (no Pod with spec.nodeName, no WorkloadEndpoint or HostEndpoint with spec.node)"
    : `the inputs name ${named.length === 1 ? "the node" : `${named.length} nodes:`} ${listed}${more}`;
  return {
    code: Codes.nodeNotNamed.code,
    severity: "error",
    message: `node ${JSON.stringify(node)} has no endpoint in the inputs${near ? ` (did you mean ${JSON.stringify(near)}?)` : ""}: ${which}. Compiling for it would remove every workload chain of the node; if the node really has no endpoints, pass ${flag}`,
  };
}
