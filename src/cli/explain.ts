/**
 * `policy-compile explain -f PATH... --from SRC --to DST --port N [--protocol P] [--staged]`: why a flow is
 * allowed or denied, from the rules each involved node would run. SRC and DST are `ns/pod`, a
 * workload (`ns/web`: the pods named `web-<hash>-<id>`), labels (`ns/app=web,tier=front`), a
 * node (`host:node-1`) or an IPv4 or IPv6 address; an address of a pod of the inputs is that pod.
 * With `-n NS` a bare name or labels are in NS. A selection of several pods answers for every
 * pair, grouped where the answers agree. An IPv6 address (or `--ip-version 6` between two
 * dual-stack pods) traces the IPv6 rules (ip6tables, cali6 sets; ICMP means ICMPv6). With
 * `--staged`, the flow is traced twice: today, and with the staged policies promoted
 * (model/promote.ts), the pending answer naming the staged policy whose rule decides.
 * `--exit-code`: exit 1 when the answer (any pair's; with --staged the pending one) is deny.
 */
import { hostInterfaceOption, parseHostInterfaces, type HostInterfaceFlagValues } from "./host-interface-flags.js";
import { failsafeFromFlags, failsafeInboundOption, failsafeOutboundOption, type FailsafeFlagValues } from "./failsafe-flags.js";
import { Option, type Command } from "commander";
import { formatDiagnostics } from "../diagnostics/index.js";
import { parseCidr } from "../model/cidr.js";
import { CompileError, type DataplaneState } from "../render/index.js";
import { sourcePortNote } from "./source-port-note.js";
import type { Model } from "../model/types.js";
import { selectEndpoints, type EndpointSelection } from "../trace/select.js";
import { agreementKey, explanationJson, explanationText as explanationTextOf, stagedExplanationJson, stagedExplanationText as stagedExplanationTextOf } from "./explain-output.js";
import { DATAPLANE_HELP, dataplaneOption, type Dataplane } from "./dataplane-flag.js";
import { addFormatOptions, chosenFormat, fileOption, protocolOption, refusePortWithIcmp, type FormatFlagValues } from "./options.js";
import { parseLabelList } from "./selector.js";
import {
  EPHEMERAL_SOURCE_PORT,
  FlowTracer,
  StagedTracer,
  TraceError,
  mergePortRanges,
  type PortRange,
  type Flow,
  type FlowPeer,
  type TraceProtocol,
  type Verdict,
  type FlowExplanation,
  type StagedExplanation,
} from "../trace/index.js";
import type { CliContext, RegisterCommand } from "./context.js";
import { ExitCode, InputError, UsageError } from "./io.js";
import { loadOrFail } from "./load.js";

interface ExplainCommandOptions extends FailsafeFlagValues, HostInterfaceFlagValues, FormatFlagValues {
  readonly file: string[];
  readonly from: string;
  readonly to: string;
  readonly port?: string;
  readonly sourcePort?: string;
  readonly protocol: TraceProtocol;
  readonly node?: string;
  readonly namespace?: string;
  readonly ipVersion?: "4" | "6";
  readonly staged?: boolean;
  readonly exitCode?: boolean;
  readonly dataplane: Dataplane;
}

/** A `--from`/`--to` value: one peer, or pods to select from the inputs. */
type PeerSpec = { readonly kind: "peer"; readonly peer: FlowPeer } | { readonly kind: "select"; readonly selection: EndpointSelection };

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

const EXPECTED_PEER = "expected ns/pod, ns/workload, ns/label=value[,label=value...], host:<node>[/<interface>][@<ip>], or an IPv4 or IPv6 address (a bare pod, workload or label=value with -n NS)";

/** A `--from`/`--to` value; a name or labels without `ns/` take `-n`'s namespace. */
export function parsePeerSpec(text: string, flag: string, namespace: string | undefined): PeerSpec {
  if (text.startsWith("host:") || /^\d{1,3}(\.\d{1,3}){3}$/.test(text) || (text.includes(":") && !text.includes("/"))) return { kind: "peer", peer: parsePeer(text, flag) };
  const m = /^(?:([^/\s]+)\/)?([^/\s]+)$/.exec(text);
  const ns = m?.[1] ?? namespace;
  if (!m || ns === undefined) throw new UsageError(`policy-compile: ${flag} ${text}: ${EXPECTED_PEER}`);
  const rest = m[2] as string;
  if (!rest.includes("=")) return { kind: "select", selection: { kind: "name", namespace: ns, name: rest } };
  try {
    return { kind: "select", selection: { kind: "labels", namespace: ns, labels: parseLabelList(rest) } };
  } catch {
    throw new UsageError(`policy-compile: ${flag} ${text}: labels are label=value, comma-separated, each label once`);
  }
}

/** The peers a spec stands for, with how they were found (for the answer's header). */
function peersOf(model: Model, spec: PeerSpec, flag: string): { peers: FlowPeer[]; by?: string } {
  if (spec.kind === "peer") return { peers: [spec.peer] };
  const found = selectEndpoints(model, spec.selection, flag);
  const peers = found.endpoints.map((e): FlowPeer => ({ kind: "pod", namespace: e.namespace, name: e.name }));
  return { peers, ...(found.by !== "pod" && { by: found.by }) };
}

const peerText = (p: FlowPeer): string => (p.kind === "pod" ? `${p.namespace}/${p.name}` : p.kind === "ip" ? p.ip : `host:${p.node}${p.interfaceName ? `/${p.interfaceName}` : ""}${p.ip ? `@${p.ip}` : ""}`);

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

const HELP_AFTER = `
Peers (--from, --to):
  ns/pod               one pod (or WorkloadEndpoint)
  ns/web               the pods of workload "web" (web-<hash>-<id>, web-<id>, web-<n>)
  ns/app=web[,k=v...]  the pods of ns with these labels
  10.65.0.10           an address; a pod's own address is that pod
  host:node-1[/eth0][@10.0.0.1]  the node itself, through its host endpoints
  With -n NS, "web-1", "web" and "app=web" are in NS. A selection of several pods answers for
  every pair, grouped where the answers agree.

Output: the verdict, then per node the rule that decided (policy, tier, "ingress rule 0" is
the first of spec.ingress, as Calico numbers rules), the Log and Pass rules met on the way, and
for a deny at the end of a tier, each rule of the tier's policies with the first condition the
packet failed. -o json carries the same facts ("verdict": "allow" | "deny").

Exit code: 0 with an answer (allow or deny); with --exit-code, 1 when the answer is deny (any
pair's; with --staged the pending one). 1 for invalid input, 2 for a bad command line.

Examples:
  $ policy-compile explain -f policies/ -f cluster.yaml --from shop/web-7d9f8c6b5-x2x4z --to shop-db/db-0 --port 5432
  $ policy-compile explain -f policies/ -n shop --from app=web --to 10.65.0.20 --port 8080 -o json
  $ policy-compile explain -f policies/ --from shop/web --to shop-db/db-0 --port 5432 --protocol tcp --exit-code
`;

export const registerExplain: RegisterCommand = (program: Command, ctx: CliContext) => {
  const cmd = program
    .command("explain")
    .description("Explain why a flow between pods (or a pod and an IP) is allowed or denied, rule by rule.")
    .addOption(fileOption().makeOptionMandatory())
    .requiredOption("--from <src>", "source: ns/pod, ns/workload, ns/label=value, host:<node>[/<iface>][@<ip>], or an IPv4/IPv6 address")
    .requiredOption("--to <dst>", "destination: ns/pod, ns/workload, ns/label=value, host:<node>[/<iface>][@<ip>], or an IPv4/IPv6 address")
    .option("-n, --namespace <ns>", "the namespace of a --from/--to given without ns/")
    .option("--port <n>", "destination port (required for TCP, UDP, SCTP)")
    .option("--source-port <n>", `source port (TCP, UDP, SCTP; default ${EPHEMERAL_SOURCE_PORT}, an ephemeral port)`)
    .addOption(protocolOption("protocol", "TCP"));
  addFormatOptions(cmd, ["text", "json"], "text")
    .option("--node <name>", "accepted for compatibility; each pod's own node is used")
    .addOption(new Option("--ip-version <version>", "IP family of a pod-to-pod flow (an address peer decides by itself)").choices(["4", "6"]))
    .addOption(failsafeInboundOption())
    .addOption(failsafeOutboundOption())
    .addOption(hostInterfaceOption())
    .addOption(dataplaneOption({ description: `${DATAPLANE_HELP}; the rules named are that dataplane's chains and rules` }))
    .option("--staged", "also answer for the cluster with its staged policies promoted (Set/Learn/Ignore replace or add their enforced namesake, Delete removes it)")
    .option("--exit-code", "exit 1 when the answer is deny")
    .addHelpText("after", HELP_AFTER)
    .action(async (options: ExplainCommandOptions) => {
      const format = chosenFormat<"text" | "json">(options, "text", "policy-compile explain");
      const failsafe = failsafeFromFlags(options);
      const hostInterfaces = options.hostInterface?.length ? parseHostInterfaces(options.hostInterface) : undefined;
      refusePortWithIcmp(options.protocol, options, "policy-compile explain");
      const port = parsePort(options.port);
      const srcPort = parsePort(options.sourcePort, "--source-port");
      if (port === undefined && options.protocol !== "ICMP") throw new UsageError(`policy-compile explain: --port is required for ${options.protocol}`);
      const fromSpec = parsePeerSpec(options.from, "--from", options.namespace);
      const toSpec = parsePeerSpec(options.to, "--to", options.namespace);
      const flowOf = (from: FlowPeer, to: FlowPeer): Flow => ({
        from,
        to,
        protocol: options.protocol,
        ...(port !== undefined && { port }),
        ...(options.ipVersion !== undefined && { ipVersion: options.ipVersion === "6" ? (6 as const) : (4 as const) }),
        ...(srcPort !== undefined && { srcPort }),
      });
      const { model, sources } = await loadOrFail(options.file, ctx);
      let froms: ReturnType<typeof peersOf>;
      let tos: ReturnType<typeof peersOf>;
      try {
        froms = peersOf(model, fromSpec, "--from");
        tos = peersOf(model, toSpec, "--to");
      } catch (err) {
        traceFailure(err, sources);
      }
      const pairs = froms.peers.flatMap((f) => tos.peers.flatMap((t) => (f.kind === "pod" && t.kind === "pod" && f.namespace === t.namespace && f.name === t.name ? [] : [flowOf(f, t)])));
      if (pairs.length === 0) throw new InputError(`error[PC8010]: --from ${options.from} and --to ${options.to} select the same single pod: no flow to explain`);
      const v6 = [...froms.peers, ...tos.peers].some((p) => p.kind === "ip" && p.ip.includes(":")) || options.ipVersion === "6";
      const what = flowWhat(options, v6);
      const tracerOptions = { sources, ...(failsafe && { failsafe }), ...(hostInterfaces && { hostInterfaces }), ...(options.dataplane === "nftables" && { dataplane: "nftables" as const }) };
      let answers: { flow: Flow; verdict: Verdict; key: string; json: object; text: (head: string) => string }[];
      let ranges: readonly PortRange[];
      try {
        if (options.staged) {
          const tracer = new StagedTracer(model, tracerOptions);
          const enforcedNodes: [string, 4 | 6][] = [];
          const pendingNodes: [string, 4 | 6][] = [];
          answers = pairs.map((flow) => {
            const st = tracer.explain(flow);
            const family = tracer.pending.familyOf(flow);
            enforcedNodes.push(...st.enforced.hops.map((h) => [h.node, family] as [string, 4 | 6]));
            pendingNodes.push(...st.pending.hops.map((h) => [h.node, family] as [string, 4 | 6]));
            return { flow, verdict: st.pending.verdict, key: `${agreementKey(st.enforced)}\u0003${agreementKey(st.pending)}`, json: stagedExplanationJson(st), text: (head) => stagedExplanationTextOf(head, st) };
          });
          ranges = options.protocol === "ICMP" ? [] : mergePortRanges(rangesOf(tracer.enforced, enforcedNodes), rangesOf(tracer.pending, pendingNodes));
        } else {
          const tracer = new FlowTracer(model, tracerOptions);
          const nodes: [string, 4 | 6][] = [];
          answers = pairs.map((flow) => {
            const e = tracer.explain(flow);
            nodes.push(...e.hops.map((h) => [h.node, tracer.familyOf(flow)] as [string, 4 | 6]));
            return { flow, verdict: e.verdict, key: agreementKey(e), json: explanationJson(e), text: (head) => explanationTextOf(head, e) };
          });
          ranges = options.protocol === "ICMP" ? [] : rangesOf(tracer, nodes);
        }
      } catch (err) {
        traceFailure(err, sources);
      }
      const note = sourcePortNote({ sourcePortRanges: ranges, srcPort: srcPort ?? EPHEMERAL_SOURCE_PORT });
      if (note) ctx.io.stderr(note);
      const verdict: Verdict = answers.some((a) => a.verdict === "deny") ? "deny" : "allow";
      if (answers.length === 1 && froms.by === undefined && tos.by === undefined) {
        const a = answers[0] as (typeof answers)[number];
        ctx.io.stdout(format === "json" ? `${JSON.stringify(a.json, null, 2)}\n` : a.text(`${options.from} -> ${options.to} ${what}`));
      } else {
        // Pairs whose answers agree form one group, shown once with the trace of its first pair.
        const groups = new Map<string, (typeof answers)[number][]>();
        for (const a of answers) groups.set(a.key, [...(groups.get(a.key) ?? []), a]);
        const list = [...groups.values()];
        const selected = (spec: ReturnType<typeof peersOf>, text: string) => ({ given: text, ...(spec.by && { by: spec.by }), endpoints: spec.peers.map(peerText) });
        if (format === "json") {
          const json = {
            verdict,
            from: selected(froms, options.from),
            to: selected(tos, options.to),
            groups: list.map((g) => ({ pairs: g.map((a) => ({ from: peerText(a.flow.from), to: peerText(a.flow.to) })), ...(g[0] as (typeof answers)[number]).json })),
          };
          ctx.io.stdout(`${JSON.stringify(json, null, 2)}\n`);
        } else {
          const count = (n: number, w: string) => `${n} ${w}${n === 1 ? "" : "s"}`;
          const side = (spec: ReturnType<typeof peersOf>, text: string) => (spec.by === undefined ? text : `${text} (${count(spec.peers.length, "pod")} by ${spec.by === "workload" ? "workload name" : "labels"})`);
          const out = [`${side(froms, options.from)} -> ${side(tos, options.to)} ${what}: ${verdict.toUpperCase()}${verdict === "deny" ? ` for ${answers.filter((a) => a.verdict === "deny").length} of ${count(answers.length, "pair")}` : ` for all ${count(answers.length, "pair")}`}, ${count(list.length, "group")} of agreeing answers`];
          list.forEach((g, i) => {
            const first = g[0] as (typeof answers)[number];
            out.push("", `group ${i + 1}: ${first.verdict.toUpperCase()} for ${count(g.length, "pair")}: ${g.map((a) => `${peerText(a.flow.from)} -> ${peerText(a.flow.to)}`).join(", ")}`);
            out.push(first.text(`${peerText(first.flow.from)} -> ${peerText(first.flow.to)} ${what}`).trimEnd());
          });
          ctx.io.stdout(`${out.join("\n")}\n`);
        }
      }
      if (options.exitCode && verdict === "deny") ctx.exitCode = ExitCode.invalidInput;
    });
};

/** The source port ranges the rules of the nodes walked tell apart, per family, merged. */
function rangesOf(tracer: FlowTracer, nodes: readonly (readonly [string, 4 | 6])[]): PortRange[] {
  const byFamily = (f: 4 | 6) => tracer.sourcePortRanges(nodes.filter(([, v]) => v === f).map(([n]) => n), f);
  return mergePortRanges(byFamily(4), byFamily(6));
}

/** What the first line of an explanation names: the flow as the user gave it. */
export type WalkHeading = Pick<ExplainCommandOptions, "from" | "to" | "protocol" | "port" | "sourcePort">;

/** One walk as `explain` prints it, headed by the flow (the html views show these). */
export function explanationText(e: FlowExplanation, o: WalkHeading, v6: boolean): string {
  return explanationTextOf(`${o.from} -> ${o.to} ${flowWhat(o, v6)}`, e);
}

export function stagedExplanationText(st: StagedExplanation, o: WalkHeading, v6: boolean): string {
  return stagedExplanationTextOf(`${o.from} -> ${o.to} ${flowWhat(o, v6)}`, st);
}

function flowWhat(o: WalkHeading, v6: boolean): string {
  return (
    (o.protocol === "ICMP" ? (v6 ? "ICMPv6 echo" : "ICMP echo") : `${o.protocol}/${String(o.port)}${o.sourcePort === undefined ? "" : ` from source port ${o.sourcePort}`}`) +
    (v6 ? " (IPv6)" : "")
  );
}
