/**
 * Which host interface a HostEndpoint without `interfaceName` governs. Felix resolves such an
 * endpoint at run time from the node's interfaces and their addresses (its endpoint manager's
 * host endpoint resolution); compile() is offline, so the caller hands it the interfaces
 * (`CompileOptions.hostInterfaces`: CLI flags, the kernel read by apply/diff, the agent's watch).
 *
 * Felix's rules, followed here:
 * - per host interface, the candidates are the endpoints whose `interfaceName` is that
 *   interface, and the endpoints without interfaceName that expect one of its addresses;
 * - one endpoint governs an interface: the candidate with the alphabetically earliest name; the
 *   others are inactive on it (a warning says so: usually a mistake in the resources);
 * - an expectedIPs-only endpoint governs every interface that holds one of its addresses (a copy
 *   per interface, each with its own `cali-fh-<iface>`/`cali-th-<iface>` chains), and none when
 *   no interface holds one (no chains: a warning, not an error, as Felix just waits);
 * - workload interfaces (Calico's `cali` prefix) and `kube-ipvs0` (Felix's default
 *   InterfaceExclude) are never host interfaces.
 *
 * Deliberately unlike Felix: a named endpoint whose interface is missing from the list keeps its
 * chains (Felix programs it only once the interface exists). compile() cannot know that the list
 * is complete, and chains for an absent interface match no packet.
 *
 * Without a list, an expectedIPs-only endpoint of the node is refused (PC3040): guessing would
 * leave the interface unprotected or protect the wrong one.
 */
import { Codes } from "../diagnostics/codes.js";
import type { Diagnostic } from "../diagnostics/types.js";
import { formatCidr, parseCidr } from "../model/cidr.js";
import type { HostEndpoint } from "../model/types.js";
import { compareStrings } from "./ordering.js";

/** One interface of the node and its addresses: plain IPs, v4 or v6, no prefix length. */
export interface HostInterface {
  readonly name: string;
  readonly addresses: readonly string[];
}

export interface HostInterfaceResolution {
  /** The input with this node's expectedIPs-only endpoints replaced by a copy per interface they govern. */
  readonly hostEndpoints: readonly HostEndpoint[];
  /** PC3040 errors (no list given), PC4034/PC4035 warnings. */
  readonly diagnostics: readonly Diagnostic[];
}

/** Felix's default InterfaceExclude. */
const EXCLUDED = new Set(["kube-ipvs0"]);
const WORKLOAD_PREFIX = "cali";

export const isHostInterfaceName = (name: string): boolean => !name.startsWith(WORKLOAD_PREFIX) && !EXCLUDED.has(name);

/** An address in one spelling (`fd00::1` for `fd00:0::1`), or the text as given if it is none. */
function canonical(ip: string): string {
  const c = parseCidr(ip.trim(), true);
  return c ? (formatCidr(c).split("/")[0] as string) : ip.trim();
}

const byIP = (h: HostEndpoint): boolean => h.interfaceName === undefined || h.interfaceName === "";

function located(h: HostEndpoint): Pick<Diagnostic, "span"> {
  return h.origin ? { span: h.origin.span } : {};
}

export function resolveHostInterfaces(all: readonly HostEndpoint[], node: string, interfaces: readonly HostInterface[] | undefined): HostInterfaceResolution {
  const here = all.filter((h) => h.node === node);
  if (!here.some(byIP)) return { hostEndpoints: all, diagnostics: [] };
  const diagnostics: Diagnostic[] = [];
  if (interfaces === undefined) {
    for (const h of here.filter(byIP)) {
      diagnostics.push({
        code: Codes.hostEndpointNoInterface.code,
        severity: "error",
        message:
          `HostEndpoint ${h.name} on node ${node} has no interfaceName: it governs the interface that holds one of its expectedIPs (${h.expectedIPs.join(", ")}), which is only known on the node; ` +
          `give the node's interfaces with --host-interface NAME=IP[,IP...] (apply and diff --live read them from the kernel), or set interfaceName`,
        ...located(h),
      });
    }
    return { hostEndpoints: all, diagnostics };
  }

  const ifaces = interfaces.filter((i) => isHostInterfaceName(i.name)).sort((a, b) => compareStrings(a.name, b.name));
  const addressesOf = new Map(ifaces.map((i) => [i.name, new Set(i.addresses.map(canonical))]));
  // Named endpoints of this node that lose their interface to an earlier-named one.
  const dropped = new Set<HostEndpoint>();
  const governs = new Map<HostEndpoint, string[]>();
  for (const iface of ifaces) {
    const addrs = addressesOf.get(iface.name) as Set<string>;
    const candidates = here
      .filter((h) => h.interfaceName === iface.name || (byIP(h) && h.expectedIPs.some((ip) => addrs.has(canonical(ip)))))
      .sort((a, b) => compareStrings(a.name, b.name));
    const [winner, ...losers] = candidates;
    if (winner === undefined) continue;
    if (byIP(winner)) {
      const list = governs.get(winner);
      if (list) list.push(iface.name);
      else governs.set(winner, [iface.name]);
    }
    // Two named endpoints on one interface are PC3041 (resolveHostEndpoints): not ours to judge.
    const named = candidates.filter((h) => !byIP(h));
    if (losers.length === 0 || (named.length === candidates.length)) continue;
    for (const l of losers) {
      if (!byIP(l)) dropped.add(l);
      diagnostics.push({
        code: Codes.hostInterfaceShadowed.code,
        severity: "warning",
        message: `HostEndpoint ${l.name} ${byIP(l) ? "expects an address of" : "names"} interface ${iface.name}, which HostEndpoint ${winner.name} governs (${byIP(winner) ? "by address" : "by name"}): Felix lets the alphabetically earliest name win, so ${l.name} is inactive on ${iface.name}`,
        ...located(l),
        ...(winner.origin && { notes: [{ message: `${winner.name} is defined here`, span: winner.origin.span }] }),
      });
    }
  }
  for (const h of here.filter(byIP)) {
    if (governs.has(h)) continue;
    diagnostics.push({
      code: Codes.hostEndpointNoMatchingInterface.code,
      severity: "warning",
      message: `HostEndpoint ${h.name} has no interfaceName and no host interface of node ${node} holds one of its expectedIPs (${h.expectedIPs.join(", ")}; interfaces: ${ifaces.map((i) => `${i.name}=${i.addresses.join(",") || "-"}`).join(" ") || "none"}): it governs no interface and gets no chains, as in Felix until an address appears`,
      ...located(h),
    });
  }
  const hostEndpoints = all.flatMap((h): HostEndpoint[] => {
    if (h.node !== node) return [h];
    if (dropped.has(h)) return [];
    if (!byIP(h)) return [h];
    return (governs.get(h) ?? []).map((interfaceName) => ({ ...h, interfaceName }));
  });
  return { hostEndpoints, diagnostics };
}
