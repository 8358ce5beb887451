/**
 * The --node flag: the name of a Kubernetes/Calico node, compared with every endpoint's
 * spec.node / spec.nodeName. A node name is a DNS-1123 subdomain; anything else could never
 * match an endpoint (the loader refuses such names, PC2009), so it is a usage error, with the
 * value shown escaped rather than echoed raw.
 */
import { nameFormatProblem } from "../model/schema/references.js";
import { UsageError } from "./io.js";

export function checkNodeFlag(command: string, node: string): string {
  if (node.trim() === "") throw new UsageError(`${command}: --node must not be empty`);
  const problem = nameFormatProblem(node, "subdomain", "node name");
  if (problem) throw new UsageError(`${command}: --node: ${problem}`);
  return node;
}
