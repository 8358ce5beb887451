/**
 * `policy-compile compile -f PATH... --node NAME`: the ipsets and filter-table rules that enforce
 * every policy on one node, as restore input.
 *
 * Output on stdout (default `--format restore`): a `# ipsets.restore` section, then a
 * `# iptables.restore` section, then (when IPv6 is in play) a `# ip6tables.restore` section.
 * With `--out DIR` the files are written instead (each to a temporary name first, then renamed,
 * so a failure never leaves half a file) and a one-line summary is printed. `--format json`
 * prints the DataplaneState of one family (`--ip-version`, default 4).
 *
 * `--dataplane nftables` (felix-nftables.md): one `nft -f` script instead, creating tables
 * `ip calico` (and `ip6 calico` when IPv6 is in play); `--out DIR` writes `DIR/calico.nft` and
 * nothing else, `--format json` prints the NftDataplaneState(s).
 *
 * IPv6: Felix programs each family separately; so the IPv6 chains go to `ip6tables.restore` and
 * the `cali60…` (family inet6) sets are appended to `ipsets.restore` after the IPv4 ones, since
 * one `ipset restore` loads both families. An IPv4-only input writes exactly what it always did.
 */
import { hostInterfaceOption, hostInterfacesFor, warnHostInterfaces, type HostInterfaceFlagValues } from "./host-interface-flags.js";
import { failsafeFromFlags, failsafeInboundOption, failsafeOutboundOption, type FailsafeFlagValues } from "./failsafe-flags.js";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { Option, type Command } from "commander";
import { formatDiagnostics } from "../diagnostics/index.js";
import {
  CompileError,
  compileBoth,
  compileNftBoth,
  renderNftScript,
  renderRestore,
  type CompiledFamilies,
  type CompiledNftFamilies,
  type CompileOptions,
  type DataplaneState,
  type EndpointToHostAction,
  type NftDataplaneState,
} from "../render/index.js";
import type { SourceFile } from "../diagnostics/types.js";
import { dataplaneOption, type Dataplane } from "./dataplane-flag.js";
import type { CliContext, RegisterCommand } from "./context.js";
import { InputError, UsageError } from "./io.js";
import { loadOrFail } from "./load.js";
import { allowEmptyNodeOption, checkNodeFlag, modelNodes, requireNodeNamed, type NodeFlagValues } from "./node-flags.js";

interface CompileCommandOptions extends FailsafeFlagValues, HostInterfaceFlagValues, NodeFlagValues {
  readonly file: string[];
  readonly node: string;
  readonly out?: string;
  readonly format: "restore" | "json";
  readonly endpointToHostAction: EndpointToHostAction;
  readonly ipVersion: "4" | "6";
  readonly dataplane: Dataplane;
}

const HELP_AFTER = `
Output:
  restore (default)  "# ipsets.restore" then "# iptables.restore": input for
                     "ipset restore" and "iptables-restore --noflush", in that order.
                     With IPv6 in play (an IPv6 pod/endpoint/network-set address, or
                     an IPv6-only rule), "# ip6tables.restore" follows, for
                     "ip6tables-restore --noflush"; the cali60 (inet6) sets are in
                     the ipsets section after the cali40 ones.
  json               the DataplaneState (chains, hook rules, ipsets) of one family
                     (--ip-version, default 4) as JSON.
  --out DIR          writes DIR/ipsets.restore and DIR/iptables.restore instead,
                     and DIR/ip6tables.restore when IPv6 is in play.

With --dataplane nftables (Felix's nftables mode):
  restore (default)  one "nft -f" script creating table ip calico (and ip6 calico
                     with IPv6 in play): sets, chains, verdict maps, rules.
  json               {"v4": NftDataplaneState, "v6"?: NftDataplaneState}.
  --out DIR          writes DIR/calico.nft only (no ipsets, no iptables files).

Without host endpoints only the filter table is emitted. A host endpoint on the node adds
the mangle table (preDNAT policy, DNAT'd host egress), and untracked (doNotTrack) policy
the raw table, in each family's file.

Examples:
  $ policy-compile compile -f policies/ -f cluster.yaml --node node-1
  $ policy-compile compile -f policies/ --node node-1 --out /tmp/node-1
  $ ipset restore < /tmp/node-1/ipsets.restore && iptables-restore --noflush < /tmp/node-1/iptables.restore
  $ ip6tables-restore --noflush < /tmp/node-1/ip6tables.restore   # dual-stack clusters
  $ policy-compile compile -f policies/ --node node-1 --dataplane nftables --out /tmp/node-1
  $ nft -f /tmp/node-1/calico.nft
`;

export const registerCompile: RegisterCommand = (program: Command, ctx: CliContext) => {
  program
    .command("compile")
    .description("Compile policies into the ipsets and iptables filter chains that enforce them on one node.")
    .requiredOption("-f, --file <path...>", "YAML/JSON files or directories (recursive); repeatable")
    .requiredOption("--node <name>", "the node to compile for (Pod spec.nodeName / WorkloadEndpoint spec.node)")
    .option("--out <dir>", "write DIR/ipsets.restore and DIR/iptables.restore (and DIR/ip6tables.restore with IPv6)")
    .addOption(new Option("--format <format>", "what to print").choices(["restore", "json"]).default("restore"))
    .addOption(
      new Option("--endpoint-to-host-action <action>", "verdict for workload-to-host traffic that egress policy allowed")
        .choices(["ACCEPT", "DROP", "RETURN"])
        .default("ACCEPT"),
    )
    .addOption(new Option("--ip-version <version>", "the family --format json prints").choices(["4", "6"]).default("4"))
    .addOption(dataplaneOption())
    .addHelpText("after", HELP_AFTER)
    .addOption(failsafeInboundOption())
    .addOption(failsafeOutboundOption())
    .addOption(hostInterfaceOption())
    .addOption(allowEmptyNodeOption())
    .action(async (options: CompileCommandOptions) => {
      const failsafe = failsafeFromFlags(options);
      checkNodeFlag("policy-compile compile", options.node);
      const { model, sources } = await loadOrFail(options.file, ctx);
      requireNodeNamed(options, modelNodes(model), sources);
      const hostInterfaces = await hostInterfacesFor(options, model, options.node, false);
      warnHostInterfaces(model, options.node, hostInterfaces, sources, ctx);
      const compileOptions: Omit<CompileOptions, "ipVersion"> = {
        node: options.node,
        endpointToHostAction: options.endpointToHostAction,
        ...(failsafe && { failsafe }),
        ...(hostInterfaces && { hostInterfaces }),
      };
      if (options.dataplane === "nftables") {
        await compileNftables(model, compileOptions, options, sources, ctx);
        return;
      }
      let states: CompiledFamilies;
      let files: Record<string, string>;
      try {
        states = compileBoth(model, compileOptions);
        // Printing checks every line (render/safe-token.ts): a refusal is an input error too.
        files = restoreFiles(states);
      } catch (e) {
        if (e instanceof CompileError) throw new InputError(formatDiagnostics(e.diagnostics, sources));
        throw e;
      }
      if (options.out !== undefined) {
        const dir = resolve(ctx.io.cwd, options.out);
        await writeAtomically(dir, files);
        const names = Object.keys(files).map((f) => join(options.out as string, f));
        const wrote = names.length === 2 ? names.join(" and ") : `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`;
        ctx.io.stdout(`${summary(states.v4, options.node)}${states.v6 ? `; IPv6: ${counts(states.v6)}` : ""}; wrote ${wrote}\n`);
        return;
      }
      if (options.format === "json") {
        const state = options.ipVersion === "6" ? states.v6 : states.v4;
        if (!state) throw new UsageError("policy-compile compile: --ip-version 6: the input has no IPv6 (no IPv6 address and no IPv6-only rule)");
        ctx.io.stdout(`${JSON.stringify(state, null, 2)}\n`);
      } else {
        ctx.io.stdout(Object.entries(files).map(([name, text]) => `# ${name}\n${text}`).join(""));
      }
    });
};

/** `compile --dataplane nftables`: the `nft -f` script, `DIR/calico.nft`, or the states as JSON. */
async function compileNftables(
  model: Parameters<typeof compileNftBoth>[0],
  compileOptions: Omit<CompileOptions, "ipVersion">,
  options: CompileCommandOptions,
  sources: readonly SourceFile[],
  ctx: CliContext,
): Promise<void> {
  let states: CompiledNftFamilies;
  let script: string;
  try {
    states = compileNftBoth(model, compileOptions);
    // Printing checks every line (nftables/script.ts): a refusal is an input error too.
    script = renderNftScript(states.v6 ? [states.v4, states.v6] : [states.v4]);
  } catch (e) {
    if (e instanceof CompileError) throw new InputError(formatDiagnostics(e.diagnostics, sources));
    throw e;
  }
  if (options.out !== undefined) {
    await writeAtomically(resolve(ctx.io.cwd, options.out), { "calico.nft": script });
    ctx.io.stdout(`node ${options.node}: ${nftCounts(states.v4)}${states.v6 ? `; IPv6: ${nftCounts(states.v6)}` : ""}; wrote ${join(options.out, "calico.nft")}\n`);
  } else if (options.format === "json") {
    ctx.io.stdout(`${JSON.stringify(states, null, 2)}\n`);
  } else {
    ctx.io.stdout(script);
  }
}

function nftCounts(state: NftDataplaneState): string {
  const rules = state.chains.reduce((n, c) => n + c.rules.length, 0);
  const elements = state.sets.reduce((n, s) => n + s.elements.length, 0);
  return `table ${state.family} calico: ${state.chains.length} chains, ${rules} rules, ${state.sets.length} sets, ${elements} elements, ${state.maps.length} maps`;
}

/** The files `--out` writes, in the order they are loaded: sets first, then each family's rules. */
function restoreFiles(states: CompiledFamilies): Record<string, string> {
  const v4 = renderRestore(states.v4);
  if (!states.v6) return { "ipsets.restore": v4.ipsets, "iptables.restore": v4.iptables };
  const v6 = renderRestore(states.v6);
  return { "ipsets.restore": v4.ipsets + v6.ipsets, "iptables.restore": v4.iptables, "ip6tables.restore": v6.iptables };
}

function counts(state: DataplaneState): string {
  const rules = state.chains.reduce((n, c) => n + c.rules.length, 0);
  const members = state.ipsets.reduce((n, s) => n + s.members.length, 0);
  const tables = (state.tables ?? []).map((t) => `, ${t.table}: ${t.chains.length} chains, ${t.chains.reduce((n, c) => n + c.rules.length, 0)} rules`).join("");
  return `${state.chains.length} chains, ${rules} rules${tables}, ${state.ipsets.length} ipsets, ${members} members`;
}

function summary(state: DataplaneState, node: string): string {
  return `node ${node}: ${counts(state)}`;
}

/** All files land, or none is changed: temporaries first, renames only after every write. */
async function writeAtomically(dir: string, files: Readonly<Record<string, string>>): Promise<void> {
  const plan = Object.entries(files).map(([name, content]) => ({
    tmp: join(dir, `.${name}.${process.pid}.tmp`),
    final: join(dir, name),
    content,
  }));
  try {
    await mkdir(dir, { recursive: true });
    for (const f of plan) await writeFile(f.tmp, f.content);
    for (const f of plan) await rename(f.tmp, f.final);
  } catch (e) {
    await Promise.all(plan.map((f) => rm(f.tmp, { force: true })));
    throw new UsageError(`policy-compile compile: cannot write to ${dir}: ${(e as Error).message}`);
  }
}
