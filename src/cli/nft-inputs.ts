/**
 * The nftables side of `apply` and `diff`: the desired tables are compiled from the inputs
 * (compileNft), or come from one `calico.nft` script (what `compile --dataplane nftables --out
 * DIR` writes: the reviewed artifact), read with parseNftScript; a script line it cannot read is
 * a PC5020 diagnostic at its file:line:col, exit 1.
 */
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { Codes } from "../diagnostics/codes.js";
import { formatDiagnostics } from "../diagnostics/index.js";
import type { Diagnostic } from "../diagnostics/index.js";
import { diffNft, emptyNftKernelState, formatNftTransaction, isEmptyNftTransaction, NftScriptError, nftKernelStateOf, parseNftScript, type NftTransaction } from "../diff/index.js";
import { NftDataplane, detectDataplane, execaRunner } from "../dataplane/index.js";
import type { DataplaneFlag } from "./dataplane-flag.js";
import type { SourceFile } from "../diagnostics/types.js";
import { requireNodeNamed, type NodeFlagValues } from "./node-flags.js";
import { dataplaneCall, dataplaneCallAsync } from "./diff.js";
import type { NftDataplaneState } from "../render/nftables/types.js";
import type { CliContext } from "./context.js";
import { InputError, UsageError } from "./io.js";

/** Compiles policy inputs to the node's tables (the CLI's compileNftFamiliesOrFail, with the command's flags). */
export type CompileNft = (paths: readonly string[]) => Promise<{ readonly states: readonly NftDataplaneState[]; readonly nodes: readonly string[]; readonly sources: readonly SourceFile[] }>;

const isScript = (paths: readonly string[]): boolean => paths.some((p) => p.endsWith(".nft"));

/** The desired tables: compiled from policy inputs, or read from one calico.nft script. */
export async function desiredNftStates(paths: readonly string[], flag: string, command: string, ctx: CliContext, compileNft: CompileNft): Promise<NftDataplaneState[]> {
  return isScript(paths) ? readNftStates(paths, flag, command, ctx) : [...(await compileNft(paths)).states];
}

/** The desired tables of one script file (one path: a script is one transaction's worth). */
export async function readNftStates(paths: readonly string[] | undefined, flag: string, command: string, ctx: CliContext): Promise<NftDataplaneState[]> {
  if (!paths || paths.length !== 1 || !paths[0]!.endsWith(".nft")) {
    throw new UsageError(`${command}: ${flag} takes either policy inputs or one calico.nft script, not both`);
  }
  const file = paths[0] as string;
  let text: string;
  try {
    text = await readFile(resolve(ctx.io.cwd, file), "utf8");
  } catch (e) {
    throw new UsageError(`${command}: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    return parseNftScript(text);
  } catch (e) {
    if (!(e instanceof NftScriptError)) throw e;
    const lines = text.split("\n");
    const start = lines.slice(0, e.line - 1).reduce((n, l) => n + l.length + 1, 0) + e.column - 1;
    const end = lines.slice(0, e.line).reduce((n, l) => n + l.length + 1, 0) - 1;
    const d: Diagnostic = { code: Codes.nftScriptUnreadable.code, severity: "error", message: e.detail, span: { file, start, end: Math.max(start + 1, end) } };
    throw new InputError(formatDiagnostics([d], [{ file, text }]));
  }
}

/** The desired state of a family the script does not mention: an empty table. */
export function emptyNftState(ipVersion: 4 | 6): NftDataplaneState {
  return { kind: "NftDataplaneState", ipVersion, family: ipVersion === 4 ? "ip" : "ip6", chains: [], sets: [], maps: [] };
}

/** One family: the transaction. Both: each under an `# IPv4` / `# IPv6` banner. */
export function formatNftFamilies(txs: readonly NftTransaction[]): string {
  if (txs.length === 1) return formatNftTransaction(txs[0] as NftTransaction);
  return txs.map((tx) => `# IPv${tx.ipVersion}\n${formatNftTransaction(tx)}`).join("");
}

/** `--dataplane auto` resolved against this namespace's kernel (said on stderr); other values as given. */
export async function resolveDataplane(flag: DataplaneFlag, command: string, ctx: CliContext, nft = "nft"): Promise<"iptables" | "nftables"> {
  if (flag !== "auto") return flag;
  const d = await dataplaneCallAsync(() => detectDataplane(execaRunner, nft));
  ctx.io.stderr(`${command}: --dataplane auto chose ${d.dataplane} (${d.reason})\n`);
  return d.dataplane;
}

export interface NftRunOptions {
  readonly nft?: string;
  readonly retries?: number;
}

/** The desired tables to reconcile: the script's, and an empty ip6 table when only the kernel still has one. */
export async function nftTargets(states: readonly NftDataplaneState[], dataplaneFor: (v: 4 | 6) => NftDataplane): Promise<NftDataplaneState[]> {
  const v4 = states.find((s) => s.ipVersion === 4) ?? emptyNftState(4);
  const v6 = states.find((s) => s.ipVersion === 6) ?? ((await dataplaneCallAsync(() => dataplaneFor(6).read())).exists ? emptyNftState(6) : null);
  return v6 ? [v4, v6] : [v4];
}

/** `apply --dataplane nftables`: one verified `nft -f` transaction per family (or the plan, with --dry-run). */
export async function applyNft(file: readonly string[], options: NftRunOptions & { readonly dryRun?: boolean }, ctx: CliContext, compileNft: CompileNft): Promise<void> {
  const command = "policy-compile apply";
  const states = await desiredNftStates(file, "-f", command, ctx, compileNft);
  const dataplaneFor = (ipVersion: 4 | 6) => new NftDataplane({ ipVersion, ...(options.nft ? { nft: options.nft } : {}), ...(options.retries !== undefined ? { retries: options.retries } : {}) });
  const targets = await nftTargets(states, dataplaneFor);
  if (options.dryRun) {
    const txs: NftTransaction[] = [];
    for (const s of targets) txs.push(await dataplaneCallAsync(() => dataplaneFor(s.ipVersion).plan(s)));
    ctx.io.stdout(formatNftFamilies(txs));
    return;
  }
  for (const desired of targets) {
    const r = await dataplaneCallAsync(() => dataplaneFor(desired.ipVersion).apply(desired));
    for (const f of r.recovered) ctx.io.stderr(`${command}: attempt failed and was retried: ${f.tool ? `${f.tool}: ` : ""}${f.stderr.split("\n")[0] ?? ""}\n`);
    const table = `${desired.family} calico`;
    const ms = `${r.durationMs} ms`;
    ctx.io.stdout(`${desired.ipVersion === 6 ? "IPv6: " : ""}${r.changed ? `applied ${r.lines} nft lines to ${table} in ${r.attempts} attempt(s) (${ms})` : `already in sync: ${table} (${ms})`}\n`);
  }
}

/** `diff --dataplane nftables`: offline between two scripts, or against this namespace's tables. */
export async function diffNftCommand(
  options: { readonly from?: string[]; readonly to?: string[]; readonly file?: string[]; readonly live?: boolean; readonly format: "text" | "json" } & NftRunOptions & NodeFlagValues,
  ctx: CliContext,
  compileNft: CompileNft,
): Promise<boolean> {
  const command = "policy-compile diff";
  const txs: NftTransaction[] = [];
  if (options.from && options.to) {
    let from: readonly NftDataplaneState[];
    let to: readonly NftDataplaneState[];
    if (!isScript(options.from) && !isScript(options.to)) {
      // Either version may have the node's endpoints (a change can add the first or remove the last).
      const a = await compileNft(options.from);
      const b = await compileNft(options.to);
      requireNodeNamed(options, [...new Set([...a.nodes, ...b.nodes])].sort(), [...a.sources, ...b.sources]);
      [from, to] = [a.states, b.states];
    } else {
      from = await desiredNftStates(options.from, "--from", command, ctx, compileNft);
      to = await desiredNftStates(options.to, "--to", command, ctx, compileNft);
    }
    for (const v of [4, 6] as const) {
      const a = from.find((s) => s.ipVersion === v);
      const b = to.find((s) => s.ipVersion === v);
      if (!a && !b && v === 6) continue;
      txs.push(dataplaneCall(() => diffNft(a ? nftKernelStateOf(a) : emptyNftKernelState(v), b ?? emptyNftState(v))));
    }
  } else {
    const states = await desiredNftStates(options.file ?? [], "-f", command, ctx, compileNft);
    const dataplaneFor = (ipVersion: 4 | 6) => new NftDataplane({ ipVersion, ...(options.nft ? { nft: options.nft } : {}) });
    for (const s of await nftTargets(states, dataplaneFor)) txs.push(await dataplaneCallAsync(() => dataplaneFor(s.ipVersion).plan(s)));
  }
  ctx.io.stdout(options.format === "json" ? `${JSON.stringify(txs.length === 1 ? txs[0] : txs, null, 2)}\n` : formatNftFamilies(txs));
  return txs.some((tx) => !isEmptyNftTransaction(tx));
}
