/**
 * `--node NAME` and `--allow-empty-node`, shared by compile, diff, apply and agent: a node that no
 * endpoint of the inputs is on stops the command (PC3050, exit 1) unless `--allow-empty-node`
 * says the node really has none. See model/nodes.ts for why.
 */
import { Option } from "commander";
import { formatDiagnostics } from "../diagnostics/index.js";
import type { SourceFile } from "../diagnostics/types.js";
import { nodeNotNamed, nodesNamed } from "../model/nodes.js";
import type { Model } from "../model/types.js";
import { nameFormatProblem } from "../model/schema/references.js";
import { InputError, UsageError } from "./io.js";

export const ALLOW_EMPTY_NODE = "--allow-empty-node";

export interface NodeFlagValues {
  readonly node: string;
  readonly allowEmptyNode?: boolean;
}

export function allowEmptyNodeOption(): Option {
  return new Option(ALLOW_EMPTY_NODE, "compile for --node even when no endpoint of the inputs is on it (by default that is an error: a mistyped node name would remove the node's enforcement)");
}

/** The node names of a model's workload and host endpoints, sorted. */
export function modelNodes(model: Model): string[] {
  return nodesNamed(model.endpoints, model.hostEndpoints);
}

/**
 * `--node` is the name of a node, compared with every endpoint's spec.node / spec.nodeName. A
 * node name is a DNS-1123 subdomain; anything else could never match an endpoint (the loader
 * refuses such names, PC2009), so it is a usage error, with the value shown escaped.
 */
export function checkNodeFlag(command: string, node: string): string {
  if (node.trim() === "") throw new UsageError(`${command}: --node must not be empty`);
  const problem = nameFormatProblem(node, "subdomain", "node name");
  if (problem) throw new UsageError(`${command}: --node: ${problem}`);
  return node;
}

/** Throws the PC3050 diagnostic (exit 1) when `named` lacks `flags.node` and the flag does not allow it. */
export function requireNodeNamed(flags: NodeFlagValues, named: readonly string[], sources: readonly SourceFile[]): void {
  if (flags.allowEmptyNode) return;
  const d = nodeNotNamed(flags.node, named, ALLOW_EMPTY_NODE);
  if (d) throw new InputError(formatDiagnostics([d], sources));
}
