/**
 * The independent reference: the verdict the policies *mean* for one flow, evaluated directly on
 * the resources as written (cluster.ts), from the documented semantics:
 * - Kubernetes NetworkPolicy (k8s-semantics.md §1: policyTypes defaulting, peers, ipBlock except,
 *   ports with the TCP default, named ports, endPort) placed where Calico puts it (§2.1: tier
 *   default, order 1000, only Kubernetes pods as subjects and peers);
 * - Calico v3 policy (§3: tiers in order, policies by order then `name/namespace/Kind`, Allow and
 *   Deny final, Pass to the next tier, Log continues, the end-of-tier deny of a tier that has a
 *   policy for the endpoint, then profiles; types defaulting §3.3; selectors, notSelector,
 *   namespaceSelector with all()/global(), serviceAccounts, nets/notNets, ports/notPorts, named
 *   ports, ICMP; network sets);
 * - ClusterNetworkPolicy (calico-332.md §1.3, §2.2–§2.6: tiers kube-admin/kube-baseline with
 *   default Pass, priority as order, Accept/Deny/Pass, namespaces/pods/networks peers, named
 *   ports under the pod's own protocol, the fail-closed rules for unknown peers);
 * - staged policies (§4): never enforced; the pending verdict is the verdict of the cluster with
 *   every staged policy promoted (Set/Learn/Ignore replace or add their enforced namesake,
 *   Delete removes it);
 * - host endpoints (felix-dataplane.md §1.2–§3): untracked (doNotTrack) policy in raw, pre-DNAT
 *   policy in mangle, normal policy in filter, applyOnForward policy on forwarded traffic,
 *   failsafe ports, profiles, and the rule that host-to-local-workload traffic is not policed.
 *
 * It imports nothing from src/ but types.
 */
import type { Flow, FlowPeer } from "../../src/trace/index.js";
import { familyOf, inCidr } from "./cidr.js";
import { clusterOf, namespaceLabelsOf, serviceAccountLabelsOf, type NamedPort, type RefSource, type PolicyKindName, type RefCluster, type RefHostInterface, type RefEndpoint, type RefPolicy, type RefTier } from "./cluster.js";
import { matchesLabelSelector, type LabelSelector } from "./label-selector.js";
import { refSelector, type Labels } from "./selector.js";

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
export type RefVerdict = "allow" | "deny";
type Direction = "Ingress" | "Egress";

/** One side of the packet: its address, the endpoint it belongs to, its L4 port. */
interface Side {
  readonly ip: string;
  readonly endpoint?: RefEndpoint;
  readonly port?: number;
}
/** The packet as the rules see it. */
interface Packet {
  readonly family: 4 | 6;
  /** IP protocol number: 6, 17, 132, 1 (ICMP) or 58 (ICMPv6). */
  readonly proto: number;
  readonly icmp?: { readonly type: number; readonly code: number };
  readonly src: Side;
  readonly dst: Side;
}

const PROTOCOLS: Readonly<Record<string, number>> = { TCP: 6, UDP: 17, ICMP: 1, ICMPV6: 58, SCTP: 132, UDPLITE: 136 };
const protoNumber = (p: string | number): number => (typeof p === "number" ? p : (PROTOCOLS[p.toUpperCase()] ?? Number(p)));
const L4 = new Set([6, 17, 132, 136]);

/** A rule reduced to its action and a predicate. */
interface RefRule {
  readonly action: "Allow" | "Deny" | "Pass" | "Log";
  readonly matches: (pkt: Packet) => boolean;
}

/** A policy as the tiers evaluate it. */
interface Pol {
  readonly kind: PolicyKindName;
  readonly name: string;
  readonly namespace?: string;
  readonly tier: string;
  readonly order: number;
  readonly types: ReadonlySet<Direction>;
  readonly ingress: readonly RefRule[];
  readonly egress: readonly RefRule[];
  readonly selects: (ep: RefEndpoint) => boolean;
  readonly preDNAT: boolean;
  readonly doNotTrack: boolean;
  readonly applyOnForward: boolean;
  readonly stagedAction?: string;
}

/** Something a selector can match, for an address: an endpoint or a network set. */
interface Candidate {
  readonly labels: Labels;
  readonly namespace?: string;
  /** Endpoints only (service accounts match endpoints, never network sets). */
  readonly endpoint?: RefEndpoint;
}

/** Byte-wise string order (Go's `<`). */
const goLess = (a: string, b: string): number => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return Buffer.compare(x, y);
};

export class Reference {
  private readonly policies: readonly Pol[];
  private readonly byIp = new Map<string, RefEndpoint[]>();

  constructor(
    readonly cluster: RefCluster,
    /** Evaluate staged policies as promoted (the pending verdict) instead of ignoring them. */
    readonly pending = false,
  ) {
    for (const e of cluster.endpoints) for (const ip of e.ips) this.byIp.set(ip, [...(this.byIp.get(ip) ?? []), e]);
    const all = cluster.policies.map((p) => this.policy(p));
    this.policies = pending ? promote(all) : all.filter((p) => p.stagedAction === undefined);
  }

  // ---------------------------------------------------------------- flows

  /** The flow's verdict (enforced, or pending when constructed so). */
  verdict(flow: Flow): RefVerdict {
    const family = this.familyOf(flow);
    const from = this.peer(flow.from, family);
    const to = this.peer(flow.to, family);
    const proto = flow.protocol === "ICMP" ? (family === 6 ? 58 : 1) : protoNumber(flow.protocol);
    const pkt: Packet = {
      family,
      proto,
      ...(flow.protocol === "ICMP" && { icmp: { type: flow.icmp?.type ?? (family === 6 ? 128 : 8), code: flow.icmp?.code ?? 0 } }),
      src: { ip: from.ip, ...(from.endpoint && { endpoint: from.endpoint }), ...(flow.protocol !== "ICMP" && { port: flow.srcPort ?? 40000 }) },
      dst: { ip: to.ip, ...(to.endpoint && { endpoint: to.endpoint }), ...(flow.protocol !== "ICMP" && { port: flow.port }) },
    };
    const node = (p: ResolvedPeer): string | undefined => p.endpoint?.node;
    // A pod or host sends; then the receiving node takes it in. On one node, one traversal.
    if (from.endpoint && to.endpoint && node(from) === node(to)) return this.sameNode(from, to, pkt);
    if (from.endpoint && this.leave(from, pkt) === "deny") return "deny";
    if (to.endpoint) return this.enter(to, pkt);
    return "allow";
  }

  private familyOf(flow: Flow): 4 | 6 {
    for (const p of [flow.from, flow.to]) {
      const ip = p.kind === "ip" ? p.ip : p.kind === "host" ? p.ip : undefined;
      if (ip !== undefined) return familyOf(ip);
    }
    return flow.ipVersion ?? 4;
  }

  private peer(p: FlowPeer, family: 4 | 6): ResolvedPeer {
    if (p.kind === "pod") {
      const ep = this.cluster.endpoints.find((e) => e.kind === "workload" && e.namespace === p.namespace && e.name === p.name);
      if (!ep) throw new Error(`reference: unknown pod ${p.namespace}/${p.name}`);
      const ip = ep.ips.find((x) => familyOf(x) === family);
      if (ip === undefined) throw new Error(`reference: pod ${p.namespace}/${p.name} has no IPv${family} address`);
      return { ip, endpoint: ep };
    }
    if (p.kind === "host") {
      const heps = this.cluster.endpoints.filter((e) => e.kind === "host" && e.node === p.node).sort((a, b) => goLess(a.name, b.name));
      const named = (e: RefEndpoint): boolean => e.interfaceName !== undefined && e.interfaceName !== "" && e.interfaceName !== "*";
      const chosen = heps.find((e) => p.interfaceName !== undefined && e.interfaceName === p.interfaceName) ?? heps.find((e) => p.ip !== undefined && e.ips.includes(p.ip)) ?? heps.find(named) ?? heps[0];
      if (!chosen) throw new Error(`reference: node ${p.node} has no host endpoint`);
      const ip = p.ip ?? chosen.ips.find((x) => familyOf(x) === family) ?? heps.flatMap((e) => e.ips).find((x) => familyOf(x) === family);
      if (ip === undefined) throw new Error(`reference: host ${p.node} has no IPv${family} address`);
      return { ip, endpoint: chosen, interfaceName: p.interfaceName ?? (named(chosen) ? chosen.interfaceName! : UPLINK) };
    }
    // An address is a host when a host endpoint expects it.
    const hep = this.cluster.endpoints.find((e) => e.kind === "host" && e.ips.includes(p.ip));
    if (hep) return { ip: p.ip, endpoint: hep, interfaceName: hep.interfaceName !== undefined && hep.interfaceName !== "*" && hep.interfaceName !== "" ? hep.interfaceName : UPLINK };
    // An address of a workload on a node is that workload: the packet goes to (or comes from) it.
    const owner = this.cluster.endpoints.find((e) => e.kind === "workload" && e.node !== undefined && e.ips.includes(p.ip));
    if (owner) return { ip: p.ip, endpoint: owner };
    return { ip: p.ip };
  }

  /** Both ends on one node: pod to pod (forward), pod to its host (input), host to its pod (output). */
  private sameNode(from: ResolvedPeer, to: ResolvedPeer, pkt: Packet): RefVerdict {
    const a = from.endpoint!;
    const b = to.endpoint!;
    if (a.kind === "host" && b.kind === "host") throw new Error("reference: host to itself is loopback");
    if (a.kind === "host") return "allow"; // host → local workload is not policed (felix-dataplane §1.2 cali-OUTPUT)
    if (b.kind === "host") {
      // Into its own host: pre-DNAT policy of a `*` endpoint sees the workload's packets (mangle
      // runs for every packet); then the workload's egress and DefaultEndpointToHostAction (ACCEPT).
      if (this.preFilter(a.node!, WORKLOAD, pkt) === "deny") return "deny";
      return this.normal(a, "Egress", pkt);
    }
    return this.forward(a.node!, WORKLOAD, WORKLOAD, pkt, () => (this.normal(a, "Egress", pkt) === "deny" ? "deny" : this.normal(b, "Ingress", pkt)));
  }

  /** The sending side's node: a workload's egress forwarded out of the uplink, or a host's output. */
  private leave(from: ResolvedPeer, pkt: Packet): RefVerdict {
    const ep = from.endpoint!;
    if (ep.kind === "host") return this.hostOutput(ep.node!, from.interfaceName!, pkt);
    return this.forward(ep.node!, WORKLOAD, UPLINK, pkt, () => this.normal(ep, "Egress", pkt));
  }

  /** The receiving side's node: a host's input path, or forwarded from the uplink into a workload. */
  private enter(to: ResolvedPeer, pkt: Packet): RefVerdict {
    const ep = to.endpoint!;
    if (ep.kind === "host") return this.hostInput(ep.node!, to.interfaceName!, pkt);
    return this.forward(ep.node!, UPLINK, WORKLOAD, pkt, () => this.normal(ep, "Ingress", pkt));
  }

  /**
   * A forwarded packet on a node (felix-dataplane §1.2 raw/mangle PREROUTING, cali-FORWARD):
   * untracked and pre-DNAT policy of the incoming interface's host endpoint; unless they
   * accepted, the forward (applyOnForward) ingress policy of that endpoint; the workload chains;
   * then the forward egress policy of the outgoing interface's endpoint. A workload interface
   * has no named host endpoint, but the `*` one's dispatch catches it too (§1.3).
   */
  private forward(node: string, inIface: string, outIface: string, pkt: Packet, workloads: () => RefVerdict): RefVerdict {
    const pre = this.preFilter(node, inIface, pkt);
    if (pre === "deny") return "deny";
    if (pre !== "allow" && this.forwardHostPolicy(node, inIface, "Ingress", pkt) === "deny") return "deny";
    if (workloads() === "deny") return "deny";
    return this.forwardHostPolicy(node, outIface, "Egress", pkt);
  }

  // ---------------------------------------------------------------- host endpoints

  /** The host endpoint that governs an interface of a node: the named one, else the node's `*` one. */
  private hostEndpoint(node: string, iface: string): RefEndpoint | undefined {
    const heps = this.cluster.endpoints.filter((e) => e.kind === "host" && e.node === node);
    return (iface === WORKLOAD ? undefined : heps.find((e) => e.interfaceName === iface)) ?? heps.find((e) => e.interfaceName === "*");
  }

  /**
   * raw then mangle for a packet arriving on `iface` (felix-dataplane §1.2): untracked ingress
   * policy, then pre-DNAT ingress policy; "allow" means the accept mark is set (the filter table
   * accepts it for the host; forwarded packets skip the forward host policy), undefined means no
   * verdict.
   */
  private preFilter(node: string, iface: string, pkt: Packet): RefVerdict | undefined {
    const hep = this.hostEndpoint(node, iface);
    if (!hep) return undefined;
    // raw PREROUTING skips host endpoints for packets from workload interfaces (and Calico
    // applies no untracked policy to `*`).
    const untracked = iface !== WORKLOAD && hep.interfaceName !== "*";
    const raw = !untracked || failsafeRaw(pkt, "in") ? undefined : this.tiers(hep, "Ingress", pkt, (p) => p.doNotTrack, "Pass");
    if (raw !== undefined) return raw;
    if (failsafe(pkt, "in")) return undefined;
    return this.tiers(hep, "Ingress", pkt, (p) => p.preDNAT && !p.doNotTrack, "Pass");
  }

  /** Traffic for the host itself, arriving on `iface`. */
  private hostInput(node: string, iface: string, pkt: Packet): RefVerdict {
    const pre = this.preFilter(node, iface, pkt);
    if (pre !== undefined) return pre;
    const hep = this.hostEndpoint(node, iface);
    if (!hep) return "allow";
    if (failsafe(pkt, "in")) return "allow";
    return this.normal(hep, "Ingress", pkt);
  }

  /** Traffic the host sends out of `iface`: raw (untracked egress), then filter. */
  private hostOutput(node: string, iface: string, pkt: Packet): RefVerdict {
    const hep = this.hostEndpoint(node, iface);
    if (!hep) return "allow";
    if (!failsafeRaw(pkt, "out")) {
      const raw = this.tiers(hep, "Egress", pkt, (p) => p.doNotTrack, "Pass");
      if (raw !== undefined) return raw;
    }
    if (failsafe(pkt, "out")) return "allow";
    return this.normal(hep, "Egress", pkt);
  }

  /**
   * applyOnForward policy of the host endpoint of `iface` for forwarded traffic: no failsafe, no
   * profiles; a node without such policy forwards (felix-dataplane §3 item 9). Profiles and the
   * "Drop if no profiles matched" rule belong to normal chains only (§3 items 10-11), so a
   * forward chain whose tiers all Pass decides nothing and the packet is forwarded.
   */
  private forwardHostPolicy(node: string, iface: string, dir: Direction, pkt: Packet): RefVerdict {
    const hep = this.hostEndpoint(node, iface);
    if (!hep) return "allow";
    const forward = (p: Pol): boolean => p.applyOnForward && !p.preDNAT && !p.doNotTrack;
    if (!this.applicable(hep, dir, forward).length) return "allow";
    return this.tiers(hep, dir, pkt, forward) ?? "allow";
  }

  // ---------------------------------------------------------------- tiers

  /** Normal (filter) policy: tiers, then profiles, then deny. */
  private normal(ep: RefEndpoint, dir: Direction, pkt: Packet): RefVerdict {
    const t = this.tiers(ep, dir, pkt, (p) => !p.preDNAT && !p.doNotTrack);
    if (t !== undefined) return t;
    for (const name of ep.profiles) {
      const prof = this.profileRules(name);
      if (!prof) continue;
      for (const r of dir === "Ingress" ? prof.ingress : prof.egress) {
        if (!r.matches(pkt)) continue;
        if (r.action === "Allow") return "allow";
        if (r.action === "Deny") return "deny";
        if (r.action === "Pass") break;
      }
    }
    return "deny";
  }

  private readonly profileCache = new Map<string, { ingress: RefRule[]; egress: RefRule[] } | undefined>();
  /** A profile's rules (a profile is global: its selectors are not namespace-scoped). */
  private profileRules(name: string): { ingress: RefRule[]; egress: RefRule[] } | undefined {
    if (!this.profileCache.has(name)) {
      const prof = this.cluster.profiles.get(name);
      this.profileCache.set(name, prof && { ingress: prof.ingress.map((r) => this.calicoRule(r, undefined)), egress: prof.egress.map((r) => this.calicoRule(r, undefined)) });
    }
    return this.profileCache.get(name);
  }

  private applicable(ep: RefEndpoint, dir: Direction, which: (p: Pol) => boolean): Pol[] {
    return this.policies.filter((p) => which(p) && p.types.has(dir) && p.selects(ep));
  }

  /**
   * The tiers in order for an endpoint and direction: a tier with no policy for it is skipped;
   * Allow/Deny decide, Pass leaves the tier, Log goes on; a tier nobody decided in ends in its
   * default action (`forceDefault` for untracked and pre-DNAT: Pass). Undefined: no verdict.
   */
  private tiers(ep: RefEndpoint, dir: Direction, pkt: Packet, which: (p: Pol) => boolean, forceDefault?: "Pass"): RefVerdict | undefined {
    const pols = this.applicable(ep, dir, which);
    const tiers = [...new Set(pols.map((p) => p.tier))].map((n) => this.tier(n)).sort(tierLess);
    tiers: for (const tier of tiers) {
      const inTier = pols.filter((p) => p.tier === tier.name).sort(polLess);
      for (const p of inTier) {
        for (const r of dir === "Ingress" ? p.ingress : p.egress) {
          if (!r.matches(pkt)) continue;
          if (r.action === "Allow") return "allow";
          if (r.action === "Deny") return "deny";
          if (r.action === "Pass") continue tiers;
        }
      }
      if ((forceDefault ?? tier.defaultAction) !== "Pass") return "deny";
    }
    return undefined;
  }

  /** A tier by name; one no Tier object defines is invalid: sorted last, ends in a drop (calico-332 §2.6 item 7). */
  private tier(name: string): RefTier & { invalid?: true } {
    return this.cluster.tiers.get(name) ?? { name, order: Infinity, defaultAction: "Deny", invalid: true };
  }

  // ---------------------------------------------------------------- policies

  private policy(p: RefPolicy): Pol {
    switch (p.kind) {
      case "KubernetesNetworkPolicy":
        return this.k8sPolicy(p.kind, p.name, p.namespace!, p.spec);
      case "StagedKubernetesNetworkPolicy":
        return { ...this.k8sPolicy(p.kind, p.name, p.namespace!, stagedK8sSpec(p.spec)), stagedAction: p.spec.stagedAction ?? "Set" };
      case "KubernetesClusterNetworkPolicy":
        return this.clusterPolicy(p.name, p.spec);
      default: {
        const pol = this.calicoPolicy(p.kind, p.name, p.namespace, p.spec);
        return p.kind.startsWith("Staged") ? { ...pol, stagedAction: p.spec.stagedAction ?? "Set" } : pol;
      }
    }
  }

  /** Calico NetworkPolicy / GlobalNetworkPolicy (and their staged kinds). */
  private calicoPolicy(kind: PolicyKindName, name: string, namespace: string | undefined, spec: Obj): Pol {
    const ingress: Obj[] = spec.ingress ?? [];
    const egress: Obj[] = spec.egress ?? [];
    // k8s-semantics §3.3: Calico's own types default.
    const types: Direction[] =
      Array.isArray(spec.types) && spec.types.length > 0 ? spec.types : egress.length > 0 && ingress.length === 0 ? ["Egress"] : egress.length > 0 ? ["Ingress", "Egress"] : ["Ingress"];
    const selector = refSelector(spec.selector);
    const nsSel: string | undefined = spec.namespaceSelector || undefined;
    const saSel: string | undefined = spec.serviceAccountSelector || undefined;
    const selects = (ep: RefEndpoint): boolean => {
      if (namespace !== undefined && (ep.kind !== "workload" || ep.namespace !== namespace)) return false;
      const namespaced = ep.namespace !== undefined;
      // A GlobalNetworkPolicy with a namespaceSelector: all() anywhere in it means "namespaced" (selector.md §9).
      if (!selector(ep.labels, nsSel !== undefined ? { namespaced } : undefined)) return false;
      if (nsSel !== undefined && !refSelector(nsSel)(namespaceLabelsOf(ep.labels), { namespaced })) return false;
      if (saSel !== undefined && !refSelector(saSel)(serviceAccountLabelsOf(ep.labels), { namespaced: ep.serviceAccount !== undefined })) return false;
      return true;
    };
    return {
      kind,
      name,
      ...(namespace !== undefined && { namespace }),
      tier: spec.tier || "default",
      order: typeof spec.order === "number" ? spec.order : Infinity,
      types: new Set(types),
      ingress: ingress.map((r) => this.calicoRule(r, namespace)),
      egress: egress.map((r) => this.calicoRule(r, namespace)),
      selects,
      preDNAT: spec.preDNAT === true,
      doNotTrack: spec.doNotTrack === true,
      applyOnForward: spec.applyOnForward === true,
    };
  }

  /** A Calico rule (policy or profile): protocol, ICMP, ipVersion, then both entity rules. */
  calicoRule(r: Obj, policyNs: string | undefined): RefRule {
    const proto = r.protocol === undefined ? undefined : protoNumber(r.protocol);
    const notProto = r.notProtocol === undefined ? undefined : protoNumber(r.notProtocol);
    const src = this.entity(r.source ?? {}, policyNs, "src", proto);
    const dst = this.entity(r.destination ?? {}, policyNs, "dst", proto);
    const icmpHit = (f: Obj | undefined, pkt: Packet): boolean =>
      f !== undefined && pkt.icmp !== undefined && (pkt.proto === 1 || pkt.proto === 58) && pkt.icmp.type === f.type && (f.code === undefined || pkt.icmp.code === f.code);
    return {
      action: r.action,
      matches: (pkt) => {
        if (r.ipVersion !== undefined && r.ipVersion !== pkt.family) return false;
        if (proto !== undefined && proto !== pkt.proto) return false;
        if (notProto !== undefined && notProto === pkt.proto) return false;
        if (r.icmp !== undefined && !icmpHit(r.icmp, pkt)) return false;
        if (r.notICMP !== undefined && icmpHit(r.notICMP, pkt)) return false;
        return src(pkt) && dst(pkt);
      },
    };
  }

  /** Everything labelled that an address is: its endpoint(s), and the network sets holding it. */
  private candidates(side: Side): Candidate[] {
    const out: Candidate[] = [];
    const eps = side.endpoint ? [side.endpoint] : (this.byIp.get(side.ip) ?? []);
    for (const e of eps) out.push({ labels: e.labels, ...(e.namespace !== undefined && { namespace: e.namespace }), endpoint: e });
    for (const s of this.cluster.networkSets) if (s.nets.some((n) => inCidr(side.ip, n))) out.push({ labels: s.labels, ...(s.namespace !== undefined && { namespace: s.namespace }) });
    return out;
  }

  /**
   * A Calico EntityRule as a predicate on one side of the packet (k8s-semantics §3.4–§3.5). In a
   * namespaced policy any selector field (notSelector too) limits the match to the policy's
   * namespace unless a namespaceSelector picks namespaces (all(): every namespaced entity;
   * global(): the non-namespaced ones). notSelector excludes what matches it in that scope; in a
   * global policy without other selectors an address no endpoint or set has passes it. Named
   * ports resolve against that side's endpoint.
   */
  private entity(er: Obj, policyNs: string | undefined, which: "src" | "dst", ruleProto: number | undefined): (pkt: Packet) => boolean {
    const nets: string[] = er.nets ?? [];
    const notNets: string[] = er.notNets ?? [];
    const sel: string | undefined = er.selector || undefined;
    const notSel: string | undefined = er.notSelector || undefined;
    const nsSel: string | undefined = er.namespaceSelector || undefined;
    const sa: Obj | undefined = er.serviceAccounts;
    const saNames: string[] = sa?.names ?? [];
    const saSel: string | undefined = sa?.selector || undefined;
    const ports: (string | number)[] = er.ports ?? [];
    const notPorts: (string | number)[] = er.notPorts ?? [];
    // In a namespaced policy a notSelector alone still limits the match to the namespace's
    // entities (k8s-semantics §3.4 "Scoping"); in a global one it lets every other address through.
    const positive = sel !== undefined || nsSel !== undefined || sa !== undefined || (notSel !== undefined && policyNs !== undefined);
    const inScope = (c: Candidate): boolean => {
      if (nsSel !== undefined) return refSelector(nsSel)(namespaceLabelsOf(c.labels), { namespaced: c.namespace !== undefined });
      if (policyNs !== undefined) return c.namespace === policyNs;
      return true;
    };
    const saOk = (c: Candidate): boolean => {
      if (sa === undefined) return true;
      const account = c.endpoint?.serviceAccount;
      if (account === undefined) return false;
      if (saNames.length > 0 && !saNames.includes(account)) return false;
      return saSel === undefined || refSelector(saSel)(serviceAccountLabelsOf(c.labels), { namespaced: true });
    };
    return (pkt) => {
      const side = which === "src" ? pkt.src : pkt.dst;
      if (nets.length > 0 && !nets.some((n) => inCidr(side.ip, n))) return false;
      if (notNets.some((n) => inCidr(side.ip, n))) return false;
      if (positive || notSel !== undefined) {
        const cands = this.candidates(side).filter(inScope);
        if (positive && !cands.some((c) => refSelector(sel)(c.labels) && saOk(c))) return false;
        if (notSel !== undefined && cands.some((c) => refSelector(notSel)(c.labels))) return false;
      }
      if (ports.length > 0 && !ports.some((p) => portHit(p, side, pkt, ruleProto))) return false;
      if (notPorts.some((p) => portHit(p, side, pkt, ruleProto))) return false;
      return true;
    };
  }

  /** Kubernetes NetworkPolicy (and a staged one), read directly (k8s-semantics §1). */
  private k8sPolicy(kind: PolicyKindName, name: string, namespace: string, spec: Obj): Pol {
    const egressRules: Obj[] = spec.egress ?? [];
    const policyTypes: Direction[] = Array.isArray(spec.policyTypes) && spec.policyTypes.length > 0 ? spec.policyTypes : egressRules.length > 0 ? ["Ingress", "Egress"] : ["Ingress"];
    const podSel: LabelSelector = spec.podSelector ?? {};
    const peerOk = (peer: Obj, side: Side): boolean => {
      if (peer.ipBlock) {
        const b: Obj = peer.ipBlock;
        return inCidr(side.ip, b.cidr) && !(b.except ?? []).some((x: string) => inCidr(side.ip, x));
      }
      // Pod and namespace selectors match Kubernetes pods only.
      const ep = side.endpoint ?? this.byIp.get(side.ip)?.find((e) => e.kind === "workload");
      if (!isK8sPod(ep)) return false;
      if (peer.namespaceSelector !== undefined) {
        if (!matchesLabelSelector(peer.namespaceSelector, namespaceLabelsOf(ep.labels))) return false;
      } else if (ep.namespace !== namespace) return false;
      return peer.podSelector === undefined || matchesLabelSelector(peer.podSelector, ep.labels);
    };
    const portsOk = (ports: Obj[] | undefined, pkt: Packet): boolean => {
      if (!ports || ports.length === 0) return true; // any protocol, any port
      return ports.some((p) => {
        if (protoNumber(p.protocol ?? "TCP") !== pkt.proto) return false;
        const port = pkt.dst.port;
        if (p.port === undefined) return true;
        if (typeof p.port === "number") return port !== undefined && (p.endPort === undefined ? port === p.port : port >= p.port && port <= p.endPort);
        // A named port: the destination pod's container port of that name and protocol.
        return namedPortOf(pkt.dst.endpoint, String(p.port), pkt.proto)?.some((x) => x === port) ?? false;
      });
    };
    const rule = (r: Obj, peerKey: "from" | "to"): RefRule => ({
      action: "Allow",
      matches: (pkt) => {
        const peers: Obj[] | undefined = r[peerKey];
        const side = peerKey === "from" ? pkt.src : pkt.dst;
        return portsOk(r.ports, pkt) && (!peers || peers.length === 0 || peers.some((p) => peerOk(p, side)));
      },
    });
    return {
      kind,
      name,
      namespace,
      tier: "default",
      order: 1000,
      types: new Set(policyTypes),
      ingress: policyTypes.includes("Ingress") ? (spec.ingress ?? []).map((r: Obj) => rule(r, "from")) : [],
      egress: policyTypes.includes("Egress") ? egressRules.map((r) => rule(r, "to")) : [],
      selects: (ep) => isK8sPod(ep) && ep.namespace === namespace && matchesLabelSelector(podSel, ep.labels),
      preDNAT: false,
      doNotTrack: false,
      applyOnForward: false,
    };
  }

  /** ClusterNetworkPolicy as Calico v3.32 enforces it (calico-332 §1.3, §2.2–§2.6). */
  private clusterPolicy(name: string, spec: Obj): Pol {
    const subject: Obj = spec.subject ?? {};
    const selects = (ep: RefEndpoint): boolean => {
      if (!isK8sPod(ep)) return false;
      const nsLabels = namespaceLabelsOf(ep.labels);
      if (subject.namespaces !== undefined) return matchesLabelSelector(subject.namespaces, nsLabels);
      const pods: Obj = subject.pods ?? {};
      return matchesLabelSelector(pods.namespaceSelector ?? {}, nsLabels) && matchesLabelSelector(pods.podSelector ?? {}, ep.labels);
    };
    /** A peer's predicate, or undefined for a peer of no supported kind (fail closed). */
    const peer = (p: Obj): ((c: Candidate[], ip: string) => boolean) | undefined => {
      if (p.namespaces !== undefined) {
        // §2.4, §2.6 item 1: the namespace selector alone, over the pcns. labels of anything
        // labelled (NetworkSets included, and, for a selector an unlabelled entity satisfies,
        // global network sets and host endpoints too); `{}` is all(): every namespaced entity.
        const empty = Object.keys(p.namespaces.matchLabels ?? {}).length === 0 && (p.namespaces.matchExpressions ?? []).length === 0;
        return (cands) => cands.some((c) => (empty ? c.namespace !== undefined : matchesLabelSelector(p.namespaces, namespaceLabelsOf(c.labels))));
      }
      if (p.pods !== undefined) {
        return (cands) =>
          cands.some((c) => isK8sPod(c.endpoint) && matchesLabelSelector(p.pods.namespaceSelector ?? {}, namespaceLabelsOf(c.labels)) && matchesLabelSelector(p.pods.podSelector ?? {}, c.labels));
      }
      if (Array.isArray(p.networks)) return (_c, ip) => p.networks.some((n: string) => inCidr(ip, n));
      return undefined;
    };
    /** One protocols entry: does it admit the packet? */
    const protocolHit = (e: Obj, pkt: Packet): boolean => {
      if (e.destinationNamedPort !== undefined) return namedPortOf(pkt.dst.endpoint, String(e.destinationNamedPort), pkt.proto)?.includes(pkt.dst.port ?? -1) ?? false;
      for (const [key, proto] of [["tcp", 6], ["udp", 17], ["sctp", 132]] as const) {
        if (e[key] === undefined) continue;
        if (pkt.proto !== proto) return false;
        const dp: Obj | undefined = e[key].destinationPort;
        const port = pkt.dst.port ?? -1;
        if (dp === undefined) return true;
        if (dp.number !== undefined) return port === dp.number;
        return port >= dp.range.start && port <= dp.range.end;
      }
      return false;
    };
    const rules = (list: Obj[] | undefined, peerKey: "from" | "to"): RefRule[] => {
      const out: RefRule[] = [];
      for (const r of list ?? []) {
        const action = r.action === "Accept" ? "Allow" : (r.action as "Deny" | "Pass");
        const peers = (r[peerKey] ?? []).map(peer);
        if (peers.some((p: unknown) => p === undefined)) {
          // §1.4/§2.5: a rule with a peer Calico cannot read fails closed: Accept is dropped, Deny/Pass deny everything.
          if (action !== "Allow") out.push({ action: "Deny", matches: () => true });
          continue;
        }
        const protocols: Obj[] | undefined = r.protocols;
        out.push({
          action,
          matches: (pkt) => {
            const side = peerKey === "from" ? pkt.src : pkt.dst;
            if (protocols !== undefined && !protocols.some((e) => protocolHit(e, pkt))) return false;
            const cands = this.candidates(side);
            return peers.some((p: (c: Candidate[], ip: string) => boolean) => p(cands, side.ip));
          },
        });
      }
      return out;
    };
    const ingress = rules(spec.ingress, "from");
    const egress = rules(spec.egress, "to");
    return {
      kind: "KubernetesClusterNetworkPolicy",
      name,
      tier: spec.tier === "Admin" ? "kube-admin" : "kube-baseline",
      order: Number(spec.priority),
      types: new Set<Direction>([...(ingress.length > 0 ? (["Ingress"] as const) : []), ...(egress.length > 0 ? (["Egress"] as const) : [])]),
      ingress,
      egress,
      selects,
      preDNAT: false,
      doNotTrack: false,
      applyOnForward: false,
    };
  }
}

/** A Kubernetes pod (Kubernetes policies select and match only these: the orchestrator term of k8s-semantics §2.2). */
const isK8sPod = (ep: RefEndpoint | undefined): ep is RefEndpoint => ep?.kind === "workload" && ep.labels["projectcalico.org/orchestrator"] === "k8s";

interface ResolvedPeer {
  readonly ip: string;
  readonly endpoint?: RefEndpoint;
  /** Host peers: the interface the host sends from / receives on. */
  readonly interfaceName?: string;
}

/** The interface traffic from or to outside the node uses. */
const UPLINK = "eth0";
/** Any workload interface (`cali…`): only a `*` host endpoint governs it. */
const WORKLOAD = "cali+";

/** Felix's default failsafe ports (felix-dataplane §1.2): inbound and outbound protocol:port. */
const FAILSAFE_IN: readonly (readonly [number, number])[] = [[6, 22], [17, 68], [6, 179], [6, 2379], [6, 2380], [6, 5473], [6, 6443], [6, 6666], [6, 6667]];
const FAILSAFE_OUT: readonly (readonly [number, number])[] = [[17, 53], [17, 67], [6, 179], [6, 2379], [6, 2380], [6, 5473], [6, 6443], [6, 6666], [6, 6667]];
const hit = (list: readonly (readonly [number, number])[], proto: number, port: number | undefined): boolean => list.some(([p, n]) => p === proto && n === port);
/** The filter/mangle failsafe rule of a direction: the destination port. */
const failsafe = (pkt: Packet, dir: "in" | "out"): boolean => hit(dir === "in" ? FAILSAFE_IN : FAILSAFE_OUT, pkt.proto, pkt.dst.port);
/** The raw copy also has the reverse direction (the other list's source ports). */
const failsafeRaw = (pkt: Packet, dir: "in" | "out"): boolean => failsafe(pkt, dir) || hit(dir === "in" ? FAILSAFE_OUT : FAILSAFE_IN, pkt.proto, pkt.src.port);

/** The port numbers an endpoint declares under a name for the packet's protocol. */
function namedPortOf(ep: RefEndpoint | undefined, name: string, proto: number): number[] | undefined {
  if (!ep) return undefined;
  return ep.ports.filter((p: NamedPort) => p.name === name && protoNumber(p.protocol) === proto).map((p) => p.port);
}

/** A Calico port entry (number, "a:b", or a name) against one side of the packet. */
function portHit(entry: string | number, side: Side, pkt: Packet, ruleProto: number | undefined): boolean {
  const port = side.port;
  if (port === undefined || !L4.has(pkt.proto)) return false;
  if (typeof entry === "number") return port === entry;
  const range = /^(\d+):(\d+)$/.exec(entry);
  if (range) return port >= Number(range[1]) && port <= Number(range[2]);
  if (/^\d+$/.test(entry)) return port === Number(entry);
  // A named port: the endpoint of that side declares it, under the rule's protocol (any when none).
  if (ruleProto !== undefined && ruleProto !== pkt.proto) return false;
  return namedPortOf(side.endpoint, entry, pkt.proto)?.includes(port) ?? false;
}

/** Felix's tier order: valid before invalid, ascending order, then name bytes. */
function tierLess(a: RefTier & { invalid?: true }, b: RefTier & { invalid?: true }): number {
  if (!!a.invalid !== !!b.invalid) return a.invalid ? 1 : -1;
  if (a.order !== b.order) return a.order < b.order ? -1 : 1;
  return goLess(a.name, b.name);
}

/** Policy order in a tier (calico-332 §3.3): ascending order (none = last), then `name/namespace/Kind` bytes. */
function polLess(a: Pol, b: Pol): number {
  if (a.order !== b.order) return a.order < b.order ? -1 : 1;
  return goLess(`${a.name}/${a.namespace ?? ""}/${a.kind}`, `${b.name}/${b.namespace ?? ""}/${b.kind}`);
}

const ENFORCED_KIND: Readonly<Record<string, PolicyKindName>> = {
  StagedNetworkPolicy: "NetworkPolicy",
  StagedGlobalNetworkPolicy: "GlobalNetworkPolicy",
  StagedKubernetesNetworkPolicy: "KubernetesNetworkPolicy",
};

/** Every staged policy promoted: Set/Learn/Ignore become (or replace) the enforced namesake, Delete removes it. */
function promote(all: readonly Pol[]): Pol[] {
  const key = (kind: string, p: Pol): string => `${kind}/${p.namespace ?? ""}/${p.name}`;
  const enforced = new Map<string, Pol>();
  for (const p of all) if (p.stagedAction === undefined) enforced.set(key(p.kind, p), p);
  for (const p of all) {
    if (p.stagedAction === undefined) continue;
    const kind = ENFORCED_KIND[p.kind]!;
    if (p.stagedAction === "Delete") enforced.delete(key(kind, p));
    else {
      const { stagedAction: _s, ...rest } = p;
      enforced.set(key(kind, p), { ...rest, kind });
    }
  }
  return [...enforced.values()];
}

/**
 * A StagedKubernetesNetworkPolicy's policyTypes: Calico's admission policy fills them when absent
 * from the presence of `egress` (calico-332 §4.2), unlike the Kubernetes API server.
 */
function stagedK8sSpec(spec: Obj): Obj {
  if (Array.isArray(spec.policyTypes) && spec.policyTypes.length > 0) return spec;
  return { ...spec, policyTypes: spec.egress !== undefined ? ["Ingress", "Egress"] : ["Ingress"] };
}

/** The enforced and the pending verdict of flows over one cluster. */
export class RefEvaluator {
  readonly enforced: Reference;
  readonly promoted: Reference;
  constructor(cluster: RefCluster) {
    this.enforced = new Reference(cluster, false);
    this.promoted = new Reference(cluster, true);
  }
}

/** The reference over YAML/JSON sources as the user wrote them. */
export const referenceOf = (sources: readonly RefSource[], options: { readonly hostInterfaces?: readonly RefHostInterface[] } = {}): RefEvaluator => new RefEvaluator(clusterOf(sources, options));
