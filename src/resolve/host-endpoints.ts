/**
 * Host endpoints of one node and the policies that apply to them, split the way Felix's
 * calculation graph splits them before the dataplane sees them (felix-dataplane.md §3,
 * Calico's host endpoint docs):
 *
 * - doNotTrack policies → untracked tiers (raw table), both directions;
 * - preDNAT policies → pre-DNAT tiers (mangle table), ingress only (validation already refused
 *   egress rules and the Egress type on them);
 * - every other policy → normal tiers (filter table, and mangle for DNAT'd host egress);
 *   those with applyOnForward also → forward tiers (the filter table's forward chains).
 *
 * Only GlobalNetworkPolicy can select a host endpoint: namespaced policies are scoped to their
 * namespace's label, which host endpoints do not carry. The `*` endpoint is keyed
 * `any-interface-at-all`, as Felix keys it, so its chains are `cali-fh-any-interface-at-all` etc.
 */
import { Codes } from "../diagnostics/codes.js";
import type { Diagnostic } from "../diagnostics/types.js";
import type { HostEndpoint, Policy, Tier } from "../model/types.js";
import { compareStrings } from "./ordering.js";
import type { EndpointTier, HostEndpointTiers, LocalHostEndpoint } from "./types.js";
import { appendToTiers } from "./tiers.js";

/** Felix's internal name for the all-interfaces host endpoint. */
export const ALL_INTERFACES = "any-interface-at-all";

type Dir = "ingress" | "egress";

export interface HostEndpointResolution {
  readonly hostEndpoints: LocalHostEndpoint[];
  /** Policy → directions some host endpoint chain jumps to. */
  readonly used: Map<Policy, Set<Dir>>;
  readonly profiles: readonly string[];
  readonly errors: Diagnostic[];
}


const emptyTiers = (): { ingress: EndpointTier[]; egress: EndpointTier[] } => ({ ingress: [], egress: [] });

/**
 * `ordered`: every policy of the model in Calico evaluation order; `selectorOf` gives each
 * policy's combined selector and `selectorTextOf` its text (the policy-group key).
 */
export function resolveHostEndpoints(
  all: readonly HostEndpoint[],
  node: string,
  ordered: readonly Policy[],
  selectorOf: (p: Policy) => { matches(labels: Readonly<Record<string, string>>): boolean },
  tierOf: (name: string) => Tier,
  selectorTextOf: (p: Policy) => string,
): HostEndpointResolution {
  const errors: Diagnostic[] = [];
  const here: { hep: HostEndpoint; iface: string }[] = [];
  const byIface = new Map<string, HostEndpoint>();
  for (const hep of all) {
    if (hep.node !== node) continue;
    // Not placed on an interface (resolveHostInterfaces refused it with PC3040): no chains.
    if (hep.interfaceName === undefined || hep.interfaceName === "") continue;
    const iface = hep.interfaceName === "*" ? ALL_INTERFACES : hep.interfaceName;
    const first = byIface.get(iface);
    if (first) {
      errors.push({
        code: Codes.duplicateHostInterface.code,
        severity: "error",
        message: `host endpoints ${first.name} and ${hep.name} on node ${node} both name interface ${hep.interfaceName}; policy cannot tell them apart`,
        ...(hep.origin && { span: hep.origin.span }),
        ...(first.origin && { notes: [{ message: `${first.name} is defined here`, span: first.origin.span }] }),
      });
      continue;
    }
    byIface.set(iface, hep);
    here.push({ hep, iface });
  }
  here.sort((a, b) => compareStrings(a.iface, b.iface));

  // Only global policies can match a host endpoint (see above); most models have few.
  const global = ordered.filter((p) => p.namespace === undefined);
  const used = new Map<Policy, Set<Dir>>();
  const use = (p: Policy, dir: Dir): void => {
    let dirs = used.get(p);
    if (!dirs) used.set(p, (dirs = new Set()));
    dirs.add(dir);
  };
  const hostEndpoints = here.map(({ hep, iface }): LocalHostEndpoint => {
    const normal = emptyTiers();
    const forward = emptyTiers();
    const untracked = emptyTiers();
    const preDNAT: EndpointTier[] = [];
    for (const p of global) {
      if (!selectorOf(p).matches(hep.labels)) continue;
      const tier = tierOf(p.tier);
      const dirs: Dir[] = [];
      if (p.types.includes("Ingress")) dirs.push("ingress");
      if (p.types.includes("Egress")) dirs.push("egress");
      if (p.doNotTrack) {
        if (hep.interfaceName === "*") {
          errors.push({
            code: Codes.untrackedWildcard.code,
            severity: "error",
            message: `doNotTrack policy ${p.id} selects host endpoint ${hep.name} (interfaceName: *); Calico does not apply untracked policy to the all-interfaces endpoint, so it would be ignored: narrow the selector or use a named host endpoint`,
            ...(p.origin && { span: p.origin.span }),
            ...(hep.origin && { notes: [{ message: `${hep.name} is defined here`, span: hep.origin.span }] }),
          });
          continue;
        }
        for (const d of dirs) {
          appendToTiers(untracked[d], tier, p, selectorTextOf(p));
          use(p, d);
        }
      } else if (p.preDNAT) {
        if (dirs.includes("ingress")) {
          appendToTiers(preDNAT, tier, p, selectorTextOf(p));
          use(p, "ingress");
        }
      } else {
        for (const d of dirs) {
          appendToTiers(normal[d], tier, p, selectorTextOf(p));
          use(p, d);
          if (p.applyOnForward) appendToTiers(forward[d], tier, p, selectorTextOf(p));
        }
      }
    }
    return {
      kind: "LocalHostEndpoint",
      name: hep.name,
      interfaceName: iface,
      wildcard: hep.interfaceName === "*",
      normal: normal as HostEndpointTiers,
      forward: forward as HostEndpointTiers,
      preDNAT,
      untracked: untracked as HostEndpointTiers,
      profiles: hep.profiles,
      ...(hep.origin && { span: hep.origin.span }),
    };
  });
  const profiles = [...new Set(here.flatMap(({ hep }) => hep.profiles))];
  return { hostEndpoints, used, profiles, errors };
}
