/**
 * resolveNode(model, node): the per-node view Felix's calculation graph would produce.
 *
 * 1. Local endpoints are those whose node is `node`.
 * 2. A policy is *active* when its (combined) selector matches a local endpoint. For each local
 *    endpoint and direction the applying policies are grouped into tiers in Calico order.
 * 3. Only the directions some endpoint uses are converted, so an ingress-only policy gets no
 *    egress chain and its egress selectors get no ipset.
 * 4. Ipsets are computed for exactly the sets the converted rules reference.
 * 5. Everything is for one IP family: the IPv6 view has the same endpoints and active policies
 *    (Felix programs every workload in both families' tables) but only the rules, nets and
 *    ipset members of IPv6.
 *
 * 5. Host endpoints of the node get their own tiers (host-endpoints.ts). preDNAT and doNotTrack
 *    policies apply to host endpoints only (Felix leaves them out of workload tiers).
 * 6. Staged policies are members of their tiers like any other, and their rules are converted so
 *    the ipsets they reference exist (Felix's rule scanner keeps them, calico-332.md §4.3), but
 *    the renderer gives them no chain and no jump. A staged Delete never reaches Felix: it is in
 *    no tier and references no ipset.
 *
 * Inputs that cannot be enforced (two local endpoints on one interface, a host endpoint without
 * an interface name, untracked policy on the `*` host endpoint) raise a CompileError naming
 * each resource.
 */
import { Codes } from "../diagnostics/codes.js";
import type { Diagnostic } from "../diagnostics/types.js";
import { reachesFelix } from "../model/policy-kinds.js";
import type { Model, Policy, Profile, Rule, WorkloadEndpoint } from "../model/types.js";
import { CompileError } from "../render/errors.js";
import type { IpSet } from "../render/types.js";
import { resolveHostEndpoints } from "./host-endpoints.js";
import { resolveHostInterfaces, type HostInterface } from "./host-interfaces.js";
import { IpSetResolver } from "./ipsets.js";
import { compareStrings, comparePolicies, compareTiers, tierLookup } from "./ordering.js";
import { resolveRule, type IpSetDemand } from "./rules.js";
import { NAMESPACE_LABEL, SelectorCache, policySelectorText } from "./selectors.js";
import { appendToTiers, isForced } from "./tiers.js";
import type { EndpointTier, LocalEndpoint, NodeView, ResolvedPolicy, ResolvedProfile, ResolvedRule } from "./types.js";

type Dir = "ingress" | "egress";

function duplicateInterfaces(local: readonly WorkloadEndpoint[]): Diagnostic[] {
  const seen = new Map<string, WorkloadEndpoint>();
  const diags: Diagnostic[] = [];
  for (const ep of local) {
    const first = seen.get(ep.interfaceName);
    if (!first) {
      seen.set(ep.interfaceName, ep);
      continue;
    }
    diags.push({
      code: Codes.duplicateInterface.code,
      severity: "error",
      message: `endpoints ${first.key} and ${ep.key} both use interface ${ep.interfaceName}; policy cannot tell them apart`,
      ...(ep.origin && { span: ep.origin.span }),
      ...(first.origin && { notes: [{ message: `${first.key} is defined here`, span: first.origin.span }] }),
    });
  }
  return diags;
}

/** `ipVersion` picks the family the view is for (default IPv4): rules, nets and ipset members. */
/**
 * `onIpSet`, when given, hears every ipset a rule of the view needs, with the selector (and named
 * port) behind its hashed name: what `describe node` and `explain` print beside a set's name.
 */
export function resolveNode(model: Model, node: string, ipVersion: 4 | 6 = 4, hostInterfaces?: readonly HostInterface[], onIpSet?: (d: IpSetDemand) => void): NodeView {
  const cache = new SelectorCache();
  const local = model.endpoints
    .filter((e) => e.node === node)
    .sort((a, b) => compareStrings(a.interfaceName, b.interfaceName) || compareStrings(a.key, b.key));

  // Which local endpoints each policy applies to. A namespaced policy's selector requires
  // `projectcalico.org/namespace == <ns>`, so its candidates are the local endpoints of that
  // namespace; most policies of a large cluster then need no parsing at all.
  const localByNamespace = new Map<string, WorkloadEndpoint[]>();
  for (const e of local) {
    const ns = e.labels[NAMESPACE_LABEL] ?? "";
    const list = localByNamespace.get(ns);
    if (list) list.push(e);
    else localByNamespace.set(ns, [e]);
  }
  const selectorTexts = new Map<Policy, string>();
  const selectorText = (p: Policy): string => {
    let text = selectorTexts.get(p);
    if (text === undefined) selectorTexts.set(p, (text = policySelectorText(cache, p)));
    return text;
  };
  const applies = new Map<Policy, WorkloadEndpoint[]>();
  for (const p of model.policies) {
    // Felix's calculation graph puts pre-DNAT and untracked policy only into host endpoint tiers,
    // and never receives a staged Delete.
    if (p.preDNAT || p.doNotTrack || !reachesFelix(p)) continue;
    const candidates = p.namespace === undefined ? local : (localByNamespace.get(p.namespace) ?? []);
    if (candidates.length === 0) continue;
    const sel = cache.parse(selectorText(p));
    const eps = candidates.filter((e) => sel.matches(e.labels));
    if (eps.length > 0) applies.set(p, eps);
  }
  const active = [...applies.keys()];
  const tierOf = tierLookup(model);
  const byCalicoOrder = (a: Policy, b: Policy): number => compareTiers(tierOf(a.tier), tierOf(b.tier)) || comparePolicies(a, b);
  // expectedIPs-only host endpoints become one per interface they govern, before any chain is
  // rendered; their addresses stay in the ipsets as given (model.hostEndpoints, unchanged).
  const placed = resolveHostInterfaces(model.hostEndpoints, node, hostInterfaces);
  const hosts = placed.hostEndpoints.some((h) => h.node === node)
    ? resolveHostEndpoints(placed.hostEndpoints, node, model.policies.filter(reachesFelix).sort(byCalicoOrder), (p) => cache.parse(selectorText(p)), tierOf, selectorText)
    : undefined;
  const errors = [...duplicateInterfaces(local), ...placed.diagnostics.filter((d) => d.severity === "error"), ...(hosts?.errors ?? [])];
  if (errors.length > 0) throw new CompileError(errors);

  const ordered = [...active].sort(byCalicoOrder);
  const used = new Map<Policy, Set<Dir>>();
  for (const [p, dirs] of hosts?.used ?? []) used.set(p, new Set(dirs));
  const endpoints: LocalEndpoint[] = local.map((ep) => {
    const tiersFor = (dir: Dir): EndpointTier[] => {
      const type = dir === "ingress" ? "Ingress" : "Egress";
      const tiers: EndpointTier[] = [];
      for (const p of ordered) {
        if (!p.types.includes(type) || !applies.get(p)?.includes(ep)) continue;
        let dirs = used.get(p);
        if (!dirs) used.set(p, (dirs = new Set()));
        dirs.add(dir);
        appendToTiers(tiers, tierOf(p.tier), p, selectorText(p));
      }
      return tiers;
    };
    return {
      kind: "LocalEndpoint",
      key: ep.key,
      interfaceName: ep.interfaceName,
      ingressTiers: tiersFor("ingress"),
      egressTiers: tiersFor("egress"),
      profiles: ep.profiles,
      ...(ep.origin && { span: ep.origin.span }),
    };
  });

  // AssumeNeededOnEveryNode: active on every node, both chains programmed (calico-332.md §5.3).
  const forced = new Set<Policy>();
  for (const p of model.policies) {
    if (!isForced(p)) continue;
    forced.add(p);
    used.set(p, new Set(["ingress", "egress"]));
  }

  const demands = new Map<string, IpSetDemand>();
  const convert = (rules: readonly Rule[], namespace: string | undefined): ResolvedRule[] => {
    const ctx = { cache, namespace, demand: (d: IpSetDemand) => demands.set(d.name, d), ipVersion };
    return rules.flatMap((r) => resolveRule(ctx, r) ?? []);
  };

  const policies: ResolvedPolicy[] = [...used]
    .map(([p, dirs]) => ({
      kind: "ResolvedPolicy" as const,
      id: p.id,
      policyKind: p.policyKind,
      name: p.name,
      ...(p.namespace !== undefined && { namespace: p.namespace }),
      ...(dirs.has("ingress") && { ingress: convert(p.ingress, p.namespace) }),
      ...(dirs.has("egress") && { egress: convert(p.egress, p.namespace) }),
      ...(forced.has(p) && { forced: true as const }),
      ...(p.origin && { span: p.origin.span }),
    }))
    .sort((a, b) => compareStrings(a.id, b.id));

  const profilesByName = new Map<string, Profile>(model.profiles.map((p) => [p.name, p]));
  const profileNames = [...new Set([...local.flatMap((e) => e.profiles), ...(hosts?.profiles ?? [])])].sort(compareStrings);
  // A profile an endpoint names but the model lacks still gets (empty, allow-nothing) chains,
  // so the endpoint chain's jump resolves and the endpoint fails closed.
  const profiles: ResolvedProfile[] = profileNames.map((name) => {
    const p = profilesByName.get(name);
    return {
      kind: "ResolvedProfile",
      name,
      ingress: p ? convert(p.ingress, undefined) : [],
      egress: p ? convert(p.egress, undefined) : [],
      ...(p?.origin && { span: p.origin.span }),
    };
  });

  const resolver = new IpSetResolver(model, ipVersion);
  if (onIpSet) for (const d of demands.values()) onIpSet(d);
  const ipsets: IpSet[] = [...demands.values()]
    .sort((a, b) => compareStrings(a.name, b.name))
    .map((d) => resolver.resolve(d));

  return {
    kind: "NodeView",
    node,
    ipVersion,
    endpoints,
    ...(hosts && hosts.hostEndpoints.length > 0 && { hostEndpoints: hosts.hostEndpoints }),
    policies,
    profiles,
    ipsets,
  };
}
