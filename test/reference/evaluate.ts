/**
 * Reference evaluator: the verdict the policies *mean*, written from the semantics
 * (/work/shared/reference/k8s-semantics.md and Calico's documented policy model), independent of
 * src/resolve and src/render. It is the specification the differential test holds the trace to.
 * Only src/model (the loaded Model) and src/selector (label matching) are used.
 *
 * Scope: IPv4 workload endpoints (Pods and WorkloadEndpoints with their profiles); TCP/UDP/SCTP/ICMP
 * flows with a source port (default EPHEMERAL_SOURCE_PORT); no host endpoints.
 */
import type { EntityRule, Model, Policy, Port, Rule, WorkloadEndpoint, Direction, Labels } from "../../src/model/index.js";
import { parseSelector } from "../../src/selector/index.js";
import { EPHEMERAL_SOURCE_PORT, type Flow, type FlowPeer, type Verdict } from "../../src/trace/index.js";


/** A resolved side of a flow: the endpoint (when it is a workload of the model) and its IP. */
interface Peer {
  readonly endpoint?: WorkloadEndpoint;
  readonly ip: string;
}

const selectorCache = new Map<string, (l: Labels) => boolean>();
function matches(text: string, labels: Labels): boolean {
  let m = selectorCache.get(text);
  if (!m) {
    const s = parseSelector(text === "" ? "all()" : text);
    m = (l) => s.matches(l);
    selectorCache.set(text, m);
  }
  return m(labels);
}

function ipToInt(ip: string): number {
  return ip.split(".").reduce((a, o) => a * 256 + Number(o), 0);
}
/** IPv4 only: `ip` inside `cidr` (a bare address is a /32). */
export function inCidr(ip: string, cidr: string): boolean {
  if (ip.includes(":") || cidr.includes(":")) return false;
  const [net, len = "32"] = cidr.split("/") as [string, string?];
  const bits = Number(len);
  if (bits === 0) return true;
  const mask = 2 ** 32 - 2 ** (32 - bits);
  return (ipToInt(ip) & mask) >>> 0 === (ipToInt(net) & mask) >>> 0;
}

function resolvePeer(model: Model, p: FlowPeer): Peer {
  if (p.kind === "ip") return { ip: p.ip };
  if (p.kind === "host") throw new Error("the reference evaluator models pods only, not host endpoints");
  const endpoint = model.endpoints.find((e) => e.namespace === p.namespace && e.name === p.name);
  if (!endpoint || endpoint.ipNetworks.length === 0) throw new Error(`unknown pod ${p.namespace}/${p.name}`);
  return { endpoint, ip: endpoint.ipNetworks[0]!.split("/")[0]! };
}

/**
 * Namespace labels as the kns.<ns> profile carries them (pcns.-prefixed, prefix removed). An
 * endpoint sees them only through that profile: a Pod always lists it, a WorkloadEndpoint only
 * when its spec.profiles names it (Calico endpoints inherit labels from the profiles they list,
 * nothing else), so a WorkloadEndpoint without it has no namespace labels: only namespaceSelectors
 * true of an empty label set pick it (`all()`, which Calico renders has(projectcalico.org/namespace),
 * or `!has(team)`), never `env == "a-env"`.
 */
function namespaceLabels(model: Model, ns: string, endpoint?: WorkloadEndpoint): Labels {
  if (endpoint && !endpoint.profiles.includes(`kns.${ns}`)) return {};
  const prof = model.profiles.find((p) => p.name === `kns.${ns}`);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(prof?.labelsToApply ?? {})) if (k.startsWith("pcns.")) out[k.slice(5)] = v;
  return out;
}

/**
 * Does the peer match the rule side's selector part (selector, notSelector, namespaceSelector)?
 * Calico: a selector matches workload endpoints by label and network sets by label (the peer IP
 * inside one of the set's nets). In a namespaced policy, a selector without namespaceSelector is
 * limited to the policy's namespace; a namespaceSelector picks namespaces by their labels; in a
 * global policy, no namespaceSelector means every namespace (and global network sets).
 */
function selectorMatches(model: Model, policyNs: string | undefined, er: EntityRule, peer: Peer): boolean {
  if (er.selector === undefined && er.notSelector === undefined && er.namespaceSelector === undefined) return true;
  const selector = er.selector ?? "all()";
  const inScope = (c: Candidate): boolean => {
    const ns = c.ns;
    if (er.namespaceSelector !== undefined) {
      return ns !== undefined && matches(er.namespaceSelector, namespaceLabels(model, ns, c.endpoint));
    }
    if (policyNs !== undefined) return ns === policyNs;
    return true;
  };
  const labelOk = (labels: Labels): boolean =>
    matches(selector, labels) && (er.notSelector === undefined || !matches(er.notSelector, labels));
  // notSelector alone (no selector/namespaceSelector): "not matching" includes peers outside any set.
  if (er.selector === undefined && er.namespaceSelector === undefined) {
    const hit = candidates(model, peer).some((c) => inScope(c) && matches(er.notSelector!, c.labels));
    return !hit;
  }
  return candidates(model, peer).some((c) => inScope(c) && labelOk(c.labels));
}

/** Every labelled thing the peer's IP belongs to: its endpoint, and network sets holding the IP. */
interface Candidate {
  readonly ns: string | undefined;
  readonly labels: Labels;
  readonly endpoint?: WorkloadEndpoint;
}
function candidates(model: Model, peer: Peer): Candidate[] {
  const out: Candidate[] = [];
  if (peer.endpoint) out.push({ ns: peer.endpoint.namespace, labels: peer.endpoint.labels, endpoint: peer.endpoint });
  for (const s of model.networkSets) if (s.nets.some((n) => inCidr(peer.ip, n))) out.push({ ns: s.namespace, labels: s.labels });
  return out;
}

/** The flow's port on one side: the destination port, or the source port (a client's ephemeral port unless given). */
function sidePort(flow: Flow, isDest: boolean): number | undefined {
  if (flow.protocol === "ICMP") return undefined;
  return isDest ? flow.port : (flow.srcPort ?? EPHEMERAL_SOURCE_PORT);
}

function portMatches(port: Port, value: number | undefined, protocol: string, peer: Peer): boolean {
  if (value === undefined) return false;
  if (port.kind === "range") return value >= port.first && value <= port.last;
  // Named port: resolved against that side's endpoint's declared ports (a source port names the source's).
  return peer.endpoint?.ports.some((p) => p.name === port.name && p.protocol === protocol && p.port === value) ?? false;
}

function entityMatches(model: Model, policyNs: string | undefined, er: EntityRule, peer: Peer, flow: Flow, isDest: boolean): boolean {
  if (er.nets.length > 0 && !er.nets.some((n) => inCidr(peer.ip, n))) return false;
  if (er.notNets.some((n) => inCidr(peer.ip, n))) return false;
  if (!selectorMatches(model, policyNs, er, peer)) return false;
  const protocol = flow.protocol.toLowerCase();
  const port = sidePort(flow, isDest);
  if (er.ports.length > 0 && !er.ports.some((p) => portMatches(p, port, protocol, peer))) return false;
  if (er.notPorts.length > 0 && er.notPorts.some((p) => portMatches(p, port, protocol, peer))) return false;
  if (er.serviceAccounts) {
    const ep = peer.endpoint;
    if (!ep || ep.serviceAccount === undefined) return false;
    if (er.serviceAccounts.names.length > 0 && !er.serviceAccounts.names.includes(ep.serviceAccount)) return false;
    if (er.serviceAccounts.selector !== undefined) {
      const sa = model.profiles.find((p) => p.name === `ksa.${ep.namespace}.${ep.serviceAccount}`);
      const l: Record<string, string> = {};
      for (const [k, v] of Object.entries(sa?.labelsToApply ?? {})) if (k.startsWith("pcsa.")) l[k.slice(5)] = v;
      if (!matches(er.serviceAccounts.selector, l)) return false;
    }
  }
  return true;
}

function protoName(p: string | number): string {
  if (typeof p === "number") return ({ 1: "icmp", 6: "tcp", 17: "udp", 132: "sctp" } as Record<number, string>)[p] ?? String(p);
  return p;
}

/** One rule against the flow: protocol, ICMP, then source and destination entity rules. */
export function ruleMatches(model: Model, policyNs: string | undefined, rule: Rule, src: Peer, dst: Peer, flow: Flow): boolean {
  const protocol = flow.protocol.toLowerCase();
  if (rule.ipVersion === 6) return false;
  if (rule.protocol !== undefined && protoName(rule.protocol) !== protocol) return false;
  if (rule.notProtocol !== undefined && protoName(rule.notProtocol) === protocol) return false;
  if (rule.icmp) {
    if (protocol !== "icmp" || !flow.icmp || flow.icmp.type !== rule.icmp.type) return false;
    if (rule.icmp.code !== undefined && flow.icmp.code !== rule.icmp.code) return false;
  }
  if (rule.notICMP && protocol === "icmp" && flow.icmp && flow.icmp.type === rule.notICMP.type &&
      (rule.notICMP.code === undefined || flow.icmp.code === rule.notICMP.code)) return false;
  return entityMatches(model, policyNs, rule.source, src, flow, false) && entityMatches(model, policyNs, rule.destination, dst, flow, true);
}

/** Does the policy select this endpoint (its selector, namespace, GNP namespaceSelector)? */
export function policyApplies(model: Model, p: Policy, ep: WorkloadEndpoint, dir: Direction): boolean {
  if (!p.types.includes(dir)) return false;
  if (p.stagedAction !== undefined) return false; // staged: never enforced
  if (p.preDNAT || p.doNotTrack) return false; // host-endpoint only
  if (p.namespace !== undefined && p.namespace !== ep.namespace) return false;
  if (!matches(p.selector, ep.labels)) return false;
  if (p.namespaceSelector !== undefined) {
    if (!matches(p.namespaceSelector, namespaceLabels(model, ep.namespace, ep))) return false;
  }
  if (p.serviceAccountSelector !== undefined) return false; // not generated
  return true;
}

const byOrder = (a?: number, b?: number): number => (a ?? Infinity) - (b ?? Infinity) || 0;

/** The verdict at one endpoint in one direction: tiers in order, then profiles. */
export function endpointVerdict(model: Model, ep: WorkloadEndpoint, dir: Direction, src: Peer, dst: Peer, flow: Flow): Verdict {
  const tiers = [...model.tiers].sort((a, b) => byOrder(a.order, b.order) || (a.name < b.name ? -1 : 1));
  tiers: for (const tier of tiers) {
    const pols = model.policies
      .filter((p) => p.tier === tier.name && policyApplies(model, p, ep, dir))
      .sort((a, b) => byOrder(a.order, b.order) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    if (pols.length === 0) continue; // a tier with no policy for this endpoint is skipped
    for (const p of pols) {
      for (const r of dir === "Ingress" ? p.ingress : p.egress) {
        if (!ruleMatches(model, p.namespace, r, src, dst, flow)) continue;
        if (r.action === "Allow") return "allow";
        if (r.action === "Deny") return "deny";
        if (r.action === "Pass") continue tiers; // skip the rest of this tier
        // Log: record and continue
      }
    }
    // No policy in the tier decided: the tier's default action (end-of-tier deny, or Pass).
    if (tier.defaultAction === "Deny") return "deny";
  }
  // No tier decided: profiles in order; no profile (or none allows) = deny.
  for (const name of ep.profiles) {
    const prof = model.profiles.find((p) => p.name === name);
    if (!prof) continue;
    for (const r of dir === "Ingress" ? prof.ingress : prof.egress) {
      if (!ruleMatches(model, undefined, r, src, dst, flow)) continue;
      if (r.action === "Allow") return "allow";
      if (r.action === "Deny") return "deny";
      if (r.action === "Pass") break;
    }
  }
  return "deny";
}

/** The flow's verdict: egress at a source workload, then ingress at a destination workload. */
export function referenceVerdict(model: Model, flow: Flow): Verdict {
  const src = resolvePeer(model, flow.from);
  const dst = resolvePeer(model, flow.to);
  if (src.endpoint && endpointVerdict(model, src.endpoint, "Egress", src, dst, flow) === "deny") return "deny";
  if (dst.endpoint && endpointVerdict(model, dst.endpoint, "Ingress", src, dst, flow) === "deny") return "deny";
  return "allow";
}
