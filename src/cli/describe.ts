/**
 * `policy-compile describe node NAME -f PATH... [-o text|json] [-n NS]`: what lands on one node,
 * in the terms of the policies (render/describe-node.ts builds it; this file prints it). Text for
 * people, JSON (the NodeDescription) for tools.
 */
import { Option, type Command } from "commander";
import { formatDiagnostics } from "../diagnostics/index.js";
import { CompileError } from "../render/index.js";
import { describeNode, type DirectionDescription, type NodeDescription } from "../render/describe-node.js";
import { requireNamespace } from "../trace/select.js";
import type { CliContext, RegisterCommand } from "./context.js";
import { traceFailure } from "./explain.js";
import { InputError, UsageError } from "./io.js";
import { loadOrFail } from "./load.js";
import { checkNodeFlag, modelNodes, requireNodeNamed } from "./node-flags.js";
import { addFormatOptions, chosenFormat, fileOption, type FormatFlagValues } from "./options.js";

interface DescribeCommandOptions extends FormatFlagValues {
  readonly file: string[];
  readonly namespace?: string;
  readonly ipVersion?: "4" | "6";
}

const HELP_AFTER = `
Output: per local endpoint its interface and, per direction, the tiers and policies that apply
in the order Calico evaluates them, the profiles, and the number of kernel rules that can run
for it (its endpoint chain, policy and profile chains); per ipset the selector behind its name
and its size; totals for the node. -o json prints the same as a NodeDescription.

Examples:
  $ policy-compile describe node node-1 -f policies/ -f cluster.yaml
  $ policy-compile describe node node-2 -f policies/ -f cluster.yaml -n shop -o json
`;

const count = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;

function directionText(d: DirectionDescription): string {
  const tiers = d.tiers.length === 0 ? "no policy" : d.tiers.map((t) => `tier ${t.tier}: ${t.policies.join(", ")}`).join("; ");
  const profiles = d.profiles.length === 0 ? "no profile" : `profiles ${d.profiles.join(", ")}`;
  return `${tiers}; ${profiles}; ${count(d.rules, "rule")}`;
}

export function nodeDescriptionText(n: NodeDescription): string {
  const lines = [`node ${n.node} (IPv${n.ipVersion})`, `endpoints (${n.endpoints.length}):`];
  if (n.endpoints.length === 0) lines.push("  none");
  for (const e of n.endpoints) lines.push(`  ${e.endpoint} (${e.interface})`, `    ingress: ${directionText(e.ingress)}`, `    egress:  ${directionText(e.egress)}`);
  if (n.hostEndpoints.length > 0) {
    lines.push(`host endpoints (${n.hostEndpoints.length}):`);
    for (const h of n.hostEndpoints) lines.push(`  ${h.name} (${h.interface})`);
  }
  lines.push(`ipsets (${n.ipsets.length}):`);
  if (n.ipsets.length === 0) lines.push("  none");
  for (const s of n.ipsets) lines.push(`  ${s.name} ${count(s.members, "member")}: ${s.selector}`);
  const t = n.totals;
  lines.push(
    `totals: ${count(t.endpoints, "endpoint")}, ${count(t.policies, "policy").replace("policys", "policies")}, ${count(t.profiles, "profile")}, ${count(t.chains, "chain")}, ${count(t.rules, "rule")}, ${count(t.ipsets, "ipset")}, ${count(t.members, "member")}`,
  );
  return `${lines.join("\n")}\n`;
}

export const registerDescribe: RegisterCommand = (program: Command, ctx: CliContext) => {
  const cmd = program
    .command("describe")
    .description("Describe what lands on a node: its endpoints with the tiers, policies and profiles that apply, its ipsets, totals.")
    .argument("<what>", "node (the only thing described so far)")
    .argument("<name>", "the node's name (Pod spec.nodeName / WorkloadEndpoint spec.node)")
    .addOption(fileOption().makeOptionMandatory())
    .option("-n, --namespace <ns>", "only the endpoints of this namespace")
    .addOption(new Option("--ip-version <version>", "the family described (default 4)").choices(["4", "6"]));
  addFormatOptions(cmd, ["text", "json"], "text")
    .addHelpText("after", HELP_AFTER)
    .action(async (what: string, name: string, options: DescribeCommandOptions) => {
      if (what !== "node") throw new UsageError(`policy-compile describe: cannot describe ${JSON.stringify(what)}; describe node NAME`);
      const format = chosenFormat<"text" | "json">(options, "text", "policy-compile describe");
      checkNodeFlag("policy-compile describe node", name);
      const { model, sources } = await loadOrFail(options.file, ctx);
      requireNodeNamed({ node: name }, modelNodes(model), sources);
      let d: NodeDescription;
      try {
        if (options.namespace !== undefined) requireNamespace(model, options.namespace, "--namespace");
        d = describeNode(model, name, { ...(options.namespace !== undefined && { namespace: options.namespace }), ...(options.ipVersion === "6" && { ipVersion: 6 as const }) });
      } catch (err) {
        if (err instanceof CompileError) throw new InputError(formatDiagnostics(err.diagnostics, sources));
        traceFailure(err, sources);
      }
      ctx.io.stdout(format === "json" ? `${JSON.stringify(d, null, 2)}\n` : nodeDescriptionText(d));
    });
};
