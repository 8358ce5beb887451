/**
 * `policy-compile apply -f PATH... --node NAME`: program the kernel of the current network
 * namespace (run it under `ip netns exec` to target another one) with the minimal transaction,
 * verify by reading back, and retry from a fresh read on lock contention or failure.
 *
 * Output: one summary line on stdout; with `--dry-run`, the transaction instead (nothing is
 * written). Exit 3 when the kernel could not be brought into the desired state, with the tool's
 * error and the failing input line on stderr.
 */
import { hostInterfaceOption, type HostInterfaceFlagValues } from "./host-interface-flags.js";
import { failsafeFromFlags, failsafeInboundOption, failsafeOutboundOption, type FailsafeFlagValues } from "./failsafe-flags.js";
import { Option, type Command } from "commander";
import { formatTransaction, type Backend, type HookMode } from "../diff/index.js";
import { Dataplane, type ApplyResult } from "../dataplane/index.js";
import type { EndpointToHostAction } from "../render/index.js";
import type { CliContext, RegisterCommand } from "./context.js";
import { UsageError } from "./io.js";
import { dataplaneCallAsync, endpointToHostOption, formatFamilies } from "./diff.js";
import { compileFamiliesOrFail, compileNftFamiliesOrFail, liveStates } from "./families.js";
import { allowEmptyNodeOption, type NodeFlagValues } from "./node-flags.js";
import { dataplaneOption, type DataplaneFlag } from "./dataplane-flag.js";
import { applyNft, resolveDataplane } from "./nft-inputs.js";

interface ApplyCommandOptions extends FailsafeFlagValues, HostInterfaceFlagValues, NodeFlagValues {
  readonly file: string[];
  readonly node: string;
  readonly backend: Backend | "auto";
  readonly dryRun?: boolean;
  readonly hookMode: HookMode;
  readonly retries: string;
  readonly iptablesSave?: string;
  readonly iptablesRestore?: string;
  readonly ipset?: string;
  readonly endpointToHostAction: EndpointToHostAction;
  readonly dataplane: DataplaneFlag;
  readonly nft?: string;
}

const HELP_AFTER = `
What it touches: chains named cali-*, ipsets named cali4*, and its own hook rules (known by
their "cali:" hash comment) in INPUT, FORWARD and OUTPUT. Everything else is left as it is.
With IPv6 in play (an IPv6 address or IPv6-only rule in the inputs), the same in ip6tables
with the cali6* sets, applied after IPv4; each family gets its own output line ("IPv6: ...").
--iptables-save/--iptables-restore override the IPv4 binaries only.

With --dataplane nftables, apply owns the tables ip calico and ip6 calico, whole, and nothing
else: one atomic nft -f transaction per family, verified by reading the table back (nft --json).
-f may also name one calico.nft script (compile --dataplane nftables --out DIR writes it; --node
is then not used). With --dataplane auto: nftables when kube-proxy's ip kube-proxy (or ip6
kube-proxy) table has chains, as Felix's Auto mode; the choice is said on stderr.

Output:
  applied <n> ipset and <m> iptables lines on <backend> in <k> attempt(s) (<ms> ms)
  applied <n> nft lines to ip calico in <k> attempt(s) (<ms> ms)
  already in sync on <backend> (<ms> ms)
  --dry-run prints the transaction instead and writes nothing.

Examples:
  $ policy-compile apply -f policies/ --node node-1
  $ ip netns exec test-ns policy-compile apply -f policies/ --node node-1 --backend nft --dry-run
  $ policy-compile apply -f out/calico.nft --node node-1 --dataplane nftables
`;

export const registerApply: RegisterCommand = (program: Command, ctx: CliContext) => {
  program
    .command("apply")
    .description("Program the kernel of the current network namespace with the minimal transaction.")
    .requiredOption("-f, --file <path...>", "YAML/JSON files or directories (recursive); repeatable")
    .requiredOption("--node <name>", "the node to compile for")
    .addOption(new Option("--backend <backend>", "iptables variant").choices(["auto", "legacy", "nft"]).default("auto"))
    .option("--dry-run", "print the transaction, write nothing")
    .addOption(new Option("--hook-mode <mode>", "hook rules at the top of INPUT/FORWARD/OUTPUT, or after other rules").choices(["insert", "append"]).default("insert"))
    .option("--retries <n>", "retries after a failed attempt", "10")
    .option("--iptables-save <path>", "iptables-save binary (default: iptables-<backend>-save)")
    .option("--iptables-restore <path>", "iptables-restore binary (default: iptables-<backend>-restore)")
    .option("--ipset <path>", "ipset binary (default: ipset)")
    .addOption(dataplaneOption({ auto: true }))
    .option("--nft <path>", "nft binary, with --dataplane nftables (default: nft)")
    .addOption(endpointToHostOption())
    .addHelpText("after", HELP_AFTER)
    .addOption(failsafeInboundOption())
    .addOption(failsafeOutboundOption())
    .addOption(hostInterfaceOption())
    .addOption(allowEmptyNodeOption())
    .action(async (options: ApplyCommandOptions) => {
      const failsafe = failsafeFromFlags(options);
      const retries = Number(options.retries);
      if (!Number.isInteger(retries) || retries < 0) throw new UsageError(`policy-compile apply: --retries must be a whole number, got "${options.retries}"`);
      if ((await resolveDataplane(options.dataplane, "policy-compile apply", ctx, options.nft)) === "nftables") {
        const compileNft = (paths: readonly string[]) => compileNftFamiliesOrFail(paths, { ...options, command: "policy-compile apply" }, options.endpointToHostAction, ctx, failsafe, { flags: options, fromKernel: true });
        await applyNft(options.file, { retries, ...(options.nft ? { nft: options.nft } : {}), ...(options.dryRun ? { dryRun: true } : {}) }, ctx, compileNft);
        return;
      }
      const families = await compileFamiliesOrFail(options.file, { ...options, command: "policy-compile apply" }, options.endpointToHostAction, ctx, failsafe, { flags: options, fromKernel: true });
      const dataplaneFor = (ipVersion: 4 | 6) =>
        new Dataplane({
          backend: options.backend,
          hookMode: options.hookMode,
          retries,
          ipVersion,
          binaries: {
            ...(ipVersion === 4 && options.iptablesSave ? { iptablesSave: options.iptablesSave } : {}),
            ...(ipVersion === 4 && options.iptablesRestore ? { iptablesRestore: options.iptablesRestore } : {}),
            ...(options.ipset ? { ipset: options.ipset } : {}),
          },
        });
      const states = await liveStates(families, () => dataplaneCallAsync(() => dataplaneFor(6).holdsOwned()));
      if (options.dryRun) {
        const txs = [];
        for (const s of states) txs.push(await dataplaneCallAsync(() => dataplaneFor(s.ipVersion).plan(s)));
        ctx.io.stdout(txs.length === 1 ? formatTransaction(txs[0]!) : formatFamilies(txs));
        return;
      }
      for (const desired of states) {
        const result = await dataplaneCallAsync(() => dataplaneFor(desired.ipVersion).apply(desired));
        for (const f of result.recovered) {
          ctx.io.stderr(`policy-compile apply: attempt failed and was retried: ${f.tool ? `${f.tool}: ` : ""}${f.stderr.split("\n")[0] ?? ""}\n`);
        }
        ctx.io.stdout(`${desired.ipVersion === 6 ? "IPv6: " : ""}${summary(result)}\n`);
      }
    });
};

function summary(r: ApplyResult): string {
  const ms = `${r.durationMs} ms`;
  if (!r.changed) return `already in sync on ${r.backend} (${ms})`;
  return `applied ${r.lines.ipset} ipset and ${r.lines.iptables} iptables lines on ${r.backend} in ${r.attempts} attempt(s) (${ms})`;
}
