/**
 * Which host endpoints the node programs for one HostEndpoint resource of the model: the one
 * place the engine's host endpoint path asks it (NodeState calls it per changed resource).
 *
 * Today: the resource itself when it is on this node. A HostEndpoint with expectedIPs and no
 * interfaceName is resolved by compile() against the node's interfaces (CompileOptions
 * .hostInterfaces, one copy per interface that carries one of its IPs); the same pure resolver
 * goes here, so the engine and compile() agree on the copies.
 */
import type { HostEndpoint } from "../../model/types.js";

export function nodeHostEndpoints(hep: HostEndpoint, node: string): readonly HostEndpoint[] {
  return hep.node === node ? [hep] : [];
}
