/**
 * `policy-compile explain -f PATH... --from SRC --to DST --port N [--protocol P] [--staged]`: why a flow is
 * allowed or denied, from the rules each involved node would run. SRC and DST are `ns/pod` or
 * an IPv4 or IPv6 address outside the cluster. An IPv6 address (or `--ip-version 6` between two
 * dual-stack pods) traces the IPv6 rules (ip6tables, cali6 sets; ICMP means ICMPv6). With
 * `--staged`, the flow is traced twice: today, and with the staged policies promoted
 * (model/promote.ts), the pending answer naming the staged policy whose rule decides.
 */
import { hostInterfaceOption, parseHostInterfaces, type HostInterfaceFlagValues } from "./host-interface-flags.js";
import { failsafeFromFlags, failsafeInboundOption, failsafeOutboundOption, type FailsafeFlagValues } from "./failsafe-flags.js";
import { DATAPLANE_HELP, dataplaneOption, type Dataplane } from "./dataplane-flag.js";
import { Option, type Command } from "commander";
import { formatDiagnostics } from "../diagnostics/index.js";
import { parseCidr } from "../model/cidr.js";
import { CompileError } from "../render/index.js";
import { sourcePortNote } from "./source-port-note.js";
import {
  EPHEMERAL_SOURCE_PORT,
  FlowTracer,
  StagedTracer,
  TraceError,
  mergePortRanges,
  stagedRefText,
  type PortRange,
  type Flow,
  type FlowExplanation,
  type FlowPeer,
  type StagedExplanation,
  type TraceProtocol,
} from "../trace/index.js";
import type { CliContext, RegisterCommand } from "./context.js";
import { InputError, UsageError } from "./io.js";
import { loadOrFail } from "./load.js";

interface ExplainCommandOptions extends FailsafeFlagValues, HostInterfaceFlagValues {
  readonly file: string[];
  readonly from: string;
  readonly to: string;
  readonly port?: string;
  readonly sourcePort?: string;
  readonly protocol: TraceProtocol;
  readonly format: "text" | "json";
  readonly node?: string;
  readonly ipVersion?: "4" | "6";
  readonly staged?: boolean;
  readonly dataplane: Dataplane;
}

/** What the first line of an explanation names: the flow as the user gave it. */
export type WalkHeading = Pick<ExplainCommandOptions, "from" | "to" | "protocol" | "port" | "sourcePort">;

export function parsePeer(text: string, flag: string): FlowPeer {
  const host = /^host:([^/@\s]+)(?:\/([^/@\s]+))?(?:@(\S+))?$/.exec(text);
  if (host) {
    const ip = host[3];
    if (ip !== undefined && parseCidr(ip, true) === undefined) throw new UsageError(`policy-compile: ${flag} ${text}: ${ip} is not an IPv4 or IPv6 address`);
    return { kind: "host", node: host[1] as string, ...(host[2] !== undefined && { interfaceName: host[2] }), ...(ip !== undefined && { ip }) };
  }
  if (text.startsWith("host:")) throw new UsageError(`policy-compile: ${flag} ${text}: expected host:<node>[/<interface>][@<ip>]`);
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(text)) return { kind: "ip", ip: text };
  if (text.includes(":") && !text.includes("/")) {
    if (parseCidr(text, true)?.version !== 6) throw new UsageError(`policy-compile: ${flag} ${text}: not an IPv6 address`);
    return { kind: "ip", ip: text };
  }
  const m = /^([^/\s]+)\/([^/\s]+)$/.exec(text);
  if (!m) throw new UsageError(`policy-compile: ${flag} ${text}: expected ns/pod, host:<node>[/<interface>][@<ip>], or an IPv4 or IPv6 address`);
  return { kind: "pod", namespace: m[1] as string, name: m[2] as string };
}

export function parsePort(text: string | undefined, flag = "--port"): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > 65535) throw new UsageError(`policy-compile: ${flag} ${text}: expected 1..65535`);
  return Number(text);
}

/** Trace and compile failures become exit-1 messages with their code, never stack traces. */
export function traceFailure(e: unknown, sources: Parameters<typeof formatDiagnostics>[1]): never {
  if (e instanceof TraceError) throw new InputError(`error[${e.code}]: ${e.message}`);
  if (e instanceof CompileError) throw new InputError(formatDiagnostics(e.diagnostics, sources));
  throw e;
}

export const registerExplain: RegisterCommand = (program: Command, ctx: CliContext) => {
  program
    .command("explain")
    .description("Explain why a flow between pods (or a pod and an IP) is allowed or denied, rule by rule.")
    .requiredOption("-f, --file <path...>", "YAML/JSON files or directories (recursive); repeatable")
    .requiredOption("--from <src>", "source: ns/pod, host:<node>[/<iface>][@<ip>] (a node through its host endpoints), or an IPv4/IPv6 address")
    .requiredOption("--to <dst>", "destination: ns/pod, host:<node>[/<iface>][@<ip>] (a node through its host endpoints), or an IPv4/IPv6 address")
    .option("--port <n>", "destination port (required for TCP, UDP, SCTP)")
    .option("--source-port <n>", `source port (TCP, UDP, SCTP; default ${EPHEMERAL_SOURCE_PORT}, an ephemeral port)`)
    .addOption(new Option("--protocol <p>", "protocol").choices(["TCP", "UDP", "SCTP", "ICMP"]).default("TCP"))
    .addOption(new Option("--format <format>", "output").choices(["text", "json"]).default("text"))
    .option("--node <name>", "accepted for compatibility; each pod's own node is used")
    .addOption(new Option("--ip-version <version>", "IP family of a pod-to-pod flow (an address peer decides by itself)").choices(["4", "6"]))
    .addOption(failsafeInboundOption())
    .addOption(failsafeOutboundOption())
    .addOption(hostInterfaceOption())
    .addOption(dataplaneOption({ description: `${DATAPLANE_HELP}; the rules named are that dataplane's chains and rules` }))
    .option("--staged", "also answer for the cluster with its staged policies promoted (Set/Learn/Ignore replace or add their enforced namesake, Delete removes it)")
    .action(async (options: ExplainCommandOptions) => {
      const failsafe = failsafeFromFlags(options);
      const hostInterfaces = options.hostInterface?.length ? parseHostInterfaces(options.hostInterface) : undefined;
      const port = parsePort(options.port);
      const srcPort = parsePort(options.sourcePort, "--source-port");
      if (port === undefined && options.protocol !== "ICMP") throw new UsageError(`policy-compile explain: --port is required for ${options.protocol}`);
      const flow: Flow = {
        from: parsePeer(options.from, "--from"),
        to: parsePeer(options.to, "--to"),
        protocol: options.protocol,
        ...(port !== undefined && options.protocol !== "ICMP" && { port }),
        ...(options.ipVersion !== undefined && { ipVersion: options.ipVersion === "6" ? (6 as const) : (4 as const) }),
        ...(srcPort !== undefined && options.protocol !== "ICMP" && { srcPort }),
      };
      const dataplane = options.dataplane === "nftables" ? { dataplane: "nftables" as const } : {};
      const { model, sources } = await loadOrFail(options.file, ctx);
      if (options.staged) {
        let st: StagedExplanation;
        let ranges: readonly PortRange[];
        try {
          const tracer = new StagedTracer(model, { sources, ...(failsafe && { failsafe }), ...(hostInterfaces && { hostInterfaces }), ...dataplane });
          st = tracer.explain(flow);
          const family = tracer.pending.familyOf(flow);
          const enforced = tracer.enforced.sourcePortRanges(st.enforced.hops.map((h) => h.node), family);
          const pending = tracer.pending.sourcePortRanges(st.pending.hops.map((h) => h.node), family);
          ranges = flow.protocol === "ICMP" ? [] : mergePortRanges(enforced, pending);
        } catch (err) {
          traceFailure(err, sources);
        }
        const stagedNote = sourcePortNote({ sourcePortRanges: ranges, srcPort: srcPort ?? EPHEMERAL_SOURCE_PORT });
        if (stagedNote) ctx.io.stderr(stagedNote);
        const v6 = [flow.from, flow.to].some((p) => p.kind === "ip" && p.ip.includes(":")) || options.ipVersion === "6";
        ctx.io.stdout(options.format === "json" ? `${JSON.stringify(stagedExplanationJson(st), null, 2)}\n` : stagedExplanationText(st, options, v6));
        return;
      }
      let e: FlowExplanation;
      let ranges: readonly PortRange[];
      try {
        const tracer = new FlowTracer(model, { sources, ...(failsafe && { failsafe }), ...(hostInterfaces && { hostInterfaces }), ...dataplane });
        e = tracer.explain(flow);
        ranges = flow.protocol === "ICMP" ? [] : tracer.sourcePortRanges(e.hops.map((h) => h.node), tracer.familyOf(flow));
      } catch (err) {
        traceFailure(err, sources);
      }
      const v6 = [flow.from, flow.to].some((p) => p.kind === "ip" && p.ip.includes(":")) || options.ipVersion === "6";
      const note = sourcePortNote({ sourcePortRanges: ranges, srcPort: srcPort ?? EPHEMERAL_SOURCE_PORT });
      if (note) ctx.io.stderr(note);
      ctx.io.stdout(options.format === "json" ? `${JSON.stringify(explanationJson(e), null, 2)}\n` : explanationText(e, options, v6));
    });
};

function stagedExplanationJson(st: StagedExplanation): object {
  return { verdict: st.pending.verdict, enforced: explanationJson(st.enforced), pending: explanationJson(st.pending), staged: st.staged };
}

/** Both answers: the verdict line names both, then the staged policies met, then each trace. */
export function stagedExplanationText(st: StagedExplanation, o: WalkHeading, v6: boolean): string {
  const lines = [`${o.from} -> ${o.to} ${flowWhat(o, v6)}: enforced ${st.enforced.verdict.toUpperCase()}, pending ${st.pending.verdict.toUpperCase()}`];
  if (st.staged.length === 0) lines.push("staged:     none of the staged policies is met by this flow");
  for (const r of st.staged) lines.push(`staged:     ${stagedRefText(r)}`);
  lines.push("", "enforced (today):", ...hopLines(st.enforced), "", "pending (staged policies promoted):", ...hopLines(st.pending));
  return `${lines.join("\n")}\n`;
}

function explanationJson(e: FlowExplanation): object {
  return {
    verdict: e.verdict,
    hops: e.hops.map((h) => ({ node: h.node, ...(h.table !== undefined && { table: h.table, hook: h.hook }), ...(h.untracked && { untracked: true }), ...(h.undecided && { undecided: true }), direction: h.direction, endpoint: h.endpoint, verdict: h.verdict, decidedBy: h.decidedBy ?? null, chains: h.chains, ...(h.groups && { groups: h.groups }) })),
  };
}

function flowWhat(o: WalkHeading, v6: boolean): string {
  return (
    (o.protocol === "ICMP" ? (v6 ? "ICMPv6 echo" : "ICMP echo") : `${o.protocol}/${String(o.port)}${o.sourcePort === undefined ? "" : ` from source port ${o.sourcePort}`}`) +
    (v6 ? " (IPv6)" : "")
  );
}

export function explanationText(e: FlowExplanation, o: WalkHeading, v6: boolean): string {
  const lines = [`${o.from} -> ${o.to} ${flowWhat(o, v6)}: ${e.verdict.toUpperCase()}`, ...hopLines(e)];
  return `${lines.join("\n")}\n`;
}

/** Each hop: a blank line, the node and verdict, what decided, where, the rule, the chains. */
function hopLines(e: FlowExplanation): string[] {
  const lines: string[] = [];
  for (const h of e.hops) {
    const where = h.table === undefined ? "" : ` ${h.table} ${String(h.hook)}${h.untracked ? " (untracked)" : ""}:`;
    const of = h.endpoint === "-" ? "" : ` of ${h.endpoint}`;
    const verdict = h.undecided ? `${h.verdict} (no rule of it decided; the packet went on)` : h.verdict;
    lines.push("", `${h.node}:${where} ${h.direction}${of}: ${verdict}`);
    const d = h.decidedBy;
    if (d) {
      lines.push(`  decided by: ${d.summary}`);
      if (d.file !== undefined) lines.push(`  at:         ${d.file}${d.line !== undefined ? `:${d.line}` : ""}`);
      lines.push(`  rule:       ${d.chain} #${d.rule} ${d.hash}: ${d.iptables ?? d.nft ?? ""}`);
    }
    lines.push(`  chains:     ${h.chains.join(" -> ")}`);
    // A group chain's name is a hash: say which policies it runs.
    for (const [chain, ids] of Object.entries(h.groups ?? {})) lines.push(`  group:      ${chain} = ${ids.join(", ")}`);
  }
  return lines;
}
