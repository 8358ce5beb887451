/**
 * `policy-compile diff`: the minimal transaction between two states, printed for review.
 *
 *   diff --node NAME --from PATH... --to PATH...   offline: what moving a node from the `--from`
 *                                                  inputs to the `--to` inputs writes (PR review)
 *   diff --node NAME -f PATH... --live             against the kernel of this network namespace
 *
 * Output (text): the `ipset restore` lines to run before iptables, the `iptables-restore
 * --noflush` input, and the `ipset restore` lines to run after, each under a `#` header;
 * `# no changes` when there is nothing to do. `--format json` prints the Transaction.
 */
import { hostInterfaceOption, type HostInterfaceFlagValues } from "./host-interface-flags.js";
import { failsafeFromFlags, failsafeInboundOption, failsafeOutboundOption, type FailsafeFlagValues } from "./failsafe-flags.js";
import { Option, type Command } from "commander";
import { formatDiagnostics } from "../diagnostics/index.js";
import { CompileError, type DataplaneState, type EndpointToHostAction } from "../render/index.js";
import { diff, DiffError, formatTransaction, isEmptyTransaction, kernelStateOf, type Backend, type HookMode, type Transaction } from "../diff/index.js";
import { Dataplane, DataplaneError } from "../dataplane/index.js";
import type { CliContext, RegisterCommand } from "./context.js";
import { DataplaneFailure, ExitCode, InputError, UsageError } from "./io.js";
import { addFormatOptions, chosenFormat, fileOption } from "./options.js";
import { compileFamiliesOrFail, compileNftFamiliesOrFail, liveStates } from "./families.js";
import { allowEmptyNodeOption, requireNodeNamed, type NodeFlagValues } from "./node-flags.js";
import { dataplaneOption, type DataplaneFlag } from "./dataplane-flag.js";
import { diffNftCommand, resolveDataplane } from "./nft-inputs.js";

interface DiffCommandOptions extends FailsafeFlagValues, HostInterfaceFlagValues, NodeFlagValues {
  readonly node: string;
  readonly from?: string[];
  readonly to?: string[];
  readonly file?: string[];
  readonly live?: boolean;
  readonly backend: Backend | "auto";
  readonly hookMode: HookMode;
  readonly format?: string;
  readonly output?: string;
  readonly exitCode?: boolean;
  readonly endpointToHostAction: EndpointToHostAction;
  readonly dataplane: DataplaneFlag;
  readonly nft?: string;
}

const HELP_AFTER = `
Output:
  "# ipset restore (before iptables)", "# iptables-restore --noflush (<backend>)" and
  "# ipset restore (after iptables)" sections, only those with lines; "# no changes" when the
  states are equal. --format json prints the transaction as JSON.
  With IPv6 in play (either side), one transaction per family, under "# IPv4" and "# IPv6"
  banners (the IPv6 one for ip6tables-restore and the cali6 sets); JSON is then an array.

  With --dataplane nftables, the output is the one nft -f transaction per table ("# nft -f -
  (ip calico)"); --live reads the tables with nft --json. --from/--to (or -f) may also name one
  calico.nft script each (compile --dataplane nftables --out DIR writes it).
  --dataplane auto (with --live): nftables when kube-proxy's ip kube-proxy table has chains.

Examples:
  $ policy-compile diff --node node-1 --from main/policies --to pr/policies
  $ policy-compile diff --node node-1 --dataplane nftables --from main/calico.nft --to pr/calico.nft
  $ policy-compile diff --node node-1 -f policies/ --live
`;

export const registerDiff: RegisterCommand = (program: Command, ctx: CliContext) => {
  const cmd = program
    .command("diff")
    .description("Print the minimal ipset/iptables transaction between two versions of the inputs, or against the live kernel.")
    .requiredOption("--node <name>", "the node to compile for")
    .option("--from <path...>", "inputs the node is programmed with now (files or directories)")
    .option("--to <path...>", "inputs the node should be programmed with")
    .addOption(fileOption("inputs, with --live (several after one -f, or -f repeated)"))
    .option("--live", "diff against the kernel of the current network namespace (reads only)")
    .addOption(new Option("--backend <backend>", "iptables variant the transaction is written for (auto needs --live)").choices(["auto", "legacy", "nft"]).default("auto"))
    .addOption(new Option("--hook-mode <mode>", "hook rules at the top of INPUT/FORWARD/OUTPUT, or after other rules").choices(["insert", "append"]).default("insert"))
    .addOption(dataplaneOption({ auto: true }))
    .option("--nft <path>", "nft binary, with --dataplane nftables --live (default: nft)")
    .option("--exit-code", "exit 1 when the transaction is not empty (as git diff --exit-code and kubectl diff do)");
  addFormatOptions(cmd, ["text", "json"], "text")
    .addOption(endpointToHostOption())
    .addHelpText("after", HELP_AFTER)
    .addOption(failsafeInboundOption())
    .addOption(failsafeOutboundOption())
    .addOption(hostInterfaceOption())
    .addOption(allowEmptyNodeOption())
    .action(async (options: DiffCommandOptions) => {
      const format = chosenFormat<"text" | "json">(options, "text", "policy-compile diff");
      const failsafe = failsafeFromFlags(options);
      const offline = options.from !== undefined || options.to !== undefined;
      if (offline && (options.live || options.file)) throw new UsageError("policy-compile diff: use either --from/--to or -f with --live, not both");
      if (offline && options.dataplane === "auto") throw new UsageError("policy-compile diff: --dataplane auto needs --live (it asks the kernel)");
      if ((await resolveDataplane(options.dataplane, "policy-compile diff", ctx, options.nft)) === "nftables") {
        if (!offline && (!options.live || !options.file)) throw new UsageError("policy-compile diff: give --from and --to, or -f with --live");
        if (offline && (!options.from || !options.to)) throw new UsageError("policy-compile diff: --from and --to go together");
        const compileNft = (paths: readonly string[]) =>
          compileNftFamiliesOrFail(paths, { ...options, command: "policy-compile diff", checkNode: !offline }, options.endpointToHostAction, ctx, failsafe, { flags: options, fromKernel: !offline });
        const changed = await diffNftCommand({ ...options, format }, ctx, compileNft);
        if (options.exitCode && changed) ctx.exitCode = ExitCode.invalidInput;
        return;
      }
      // One transaction per IP family: IPv4 always, IPv6 when either side uses it.
      const txs: Transaction[] = [];
      if (offline) {
        if (!options.from || !options.to) throw new UsageError("policy-compile diff: --from and --to go together");
        const backend = options.backend === "auto" ? "legacy" : options.backend;
        // Either version may have the node's endpoints (a change can add the first or remove the last).
        const nodeFlags = { ...options, command: "policy-compile diff", checkNode: false };
        const from = await compileFamiliesOrFail(options.from, nodeFlags, options.endpointToHostAction, ctx, failsafe, { flags: options, fromKernel: false });
        const to = await compileFamiliesOrFail(options.to, nodeFlags, options.endpointToHostAction, ctx, failsafe, { flags: options, fromKernel: false });
        requireNodeNamed(options, [...new Set([...from.nodes, ...to.nodes])].sort(), [...from.sources, ...to.sources]);
        const pairs: [DataplaneState, DataplaneState][] = [[from.v4, to.v4]];
        if (from.v6 || to.v6) pairs.push([from.ipv6(), to.ipv6()]);
        for (const [a, b] of pairs) txs.push(dataplaneCall(() => diff(kernelStateOf(a), b, { backend, hookMode: options.hookMode })));
      } else {
        if (!options.live || !options.file) throw new UsageError("policy-compile diff: give --from and --to, or -f with --live");
        const desired = await compileFamiliesOrFail(options.file, { ...options, command: "policy-compile diff" }, options.endpointToHostAction, ctx, failsafe, { flags: options, fromKernel: true });
        const dataplaneFor = (ipVersion: 4 | 6) => new Dataplane({ backend: options.backend, hookMode: options.hookMode, ipVersion });
        for (const state of await liveStates(desired, () => dataplaneCallAsync(() => dataplaneFor(6).holdsOwned()))) {
          const dataplane = dataplaneFor(state.ipVersion);
          txs.push(await dataplaneCallAsync(() => dataplane.plan(state)));
        }
      }
      ctx.io.stdout(format === "json" ? `${JSON.stringify(txs.length === 1 ? txs[0] : txs, null, 2)}\n` : formatFamilies(txs));
      if (options.exitCode && txs.some((tx) => !isEmptyTransaction(tx))) ctx.exitCode = ExitCode.invalidInput;
    });
};

/** One family: the transaction as before. Both: each under an `# IPv4` / `# IPv6` banner. */
export function formatFamilies(txs: readonly Transaction[]): string {
  if (txs.length === 1) return formatTransaction(txs[0] as Transaction);
  return txs.map((tx) => `# IPv${tx.ipVersion}\n${formatTransaction(tx)}`).join("");
}

export function endpointToHostOption(): Option {
  return new Option("--endpoint-to-host-action <action>", "verdict for workload-to-host traffic that egress policy allowed")
    .choices(["ACCEPT", "DROP", "RETURN"])
    .default("ACCEPT");
}

/** Dataplane and diff failures are exit 3, with the tool's own message. */
export function dataplaneCall<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    throw toFailure(e);
  }
}

export async function dataplaneCallAsync<T>(f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    throw toFailure(e);
  }
}

function toFailure(e: unknown): unknown {
  if (e instanceof DataplaneError || e instanceof DiffError) return new DataplaneFailure(`policy-compile: ${e.message}`);
  // A transaction line the guard refused (render/safe-token.ts): bad input, and nothing ran.
  if (e instanceof CompileError) return new InputError(formatDiagnostics(e.diagnostics, []));
  return e;
}
