/**
 * A hand-built `ip calico` table in Felix v3.32's layout (felix-nftables.md §1.2, §1.3, §3.6,
 * §3.8): the 14 base chains with their hook rules, the static raw, mangle, nat and filter
 * chains, the workload dispatch chains and verdict maps, and per pod the §3.6 endpoint chains.
 * Pods with `allowHttp` get the §3.6 NetworkPolicy default/allow-http on ingress (tcp 80, 443
 * from the selector set); every pod has the profiles kns.default (allow all) and
 * ksa.default.default (empty). Rule text and hashes are the reference's where it gives them.
 *
 * Used by the interpreter's unit tests and by the kernel test that loads it with `nft -f` and
 * checks the trace against real traffic, before (and independently of) the nftables renderer.
 */
import { createHash } from "node:crypto";
import type { NftBaseChain, NftChain, NftDataplaneState, NftRule } from "../../src/render/nftables/types.js";

export interface WorkedPod {
  readonly iface: string;
  readonly ip: string;
  readonly allowHttp?: boolean;
}

export const ALLOW_HTTP_SET = "cali40s-cttW8MqAIeVWez-m8dwR9b3";
export const POLICY_CHAIN = "filter-cali-pi-np/default/allow-http";
/** The hash of the policy's one rule (§3.6). */
export const POLICY_RULE_HASH = "LcIpG_tgryclYexS";

type R = readonly [body: string, hash?: string, ...comments: string[]];

/** A rule; without a reference hash, a stable one from the chain, position and body. */
function rules(chain: string, list: readonly R[]): NftRule[] {
  return list.map(([body, hash, ...comments], i) => ({
    hash: hash ?? createHash("sha256").update(`${chain}\u0000${i}\u0000${body}`).digest("base64url").slice(0, 16),
    body,
    comments,
  }));
}

function chain(name: string, list: readonly R[], base?: NftBaseChain): NftChain {
  return { name, ...(base && { base }), rules: rules(name, list) };
}

const BASE: readonly (readonly [string, NftBaseChain, readonly R[]])[] = [
  ["filter-INPUT", { type: "filter", hook: "input", priority: 0 }, [["counter jump filter-cali-INPUT", "H0S9z2pOh43UL0cc"]]],
  [
    "filter-FORWARD",
    { type: "filter", hook: "forward", priority: 0 },
    [
      ["counter jump filter-cali-FORWARD", "dpfqBgJrpRwlrqw1"],
      ["meta mark & 0x10000 == 0x10000 counter accept", "yp7iNUYNEhDmKF6E", "Policy explicitly accepted packet."],
      ["counter meta mark set mark or 0x10000", "fXaqbwKfGHq5dvHP"],
    ],
  ],
  ["filter-OUTPUT", { type: "filter", hook: "output", priority: 0 }, [["counter jump filter-cali-OUTPUT", "cxN7yDysHHPQSuUC"]]],
  ["nat-PREROUTING", { type: "nat", hook: "prerouting", priority: -100 }, [["counter jump nat-cali-PREROUTING", "8sk3stC_vMHYORJg"]]],
  ["nat-INPUT", { type: "nat", hook: "input", priority: -100 }, []],
  ["nat-OUTPUT", { type: "nat", hook: "output", priority: 110 }, [["counter jump nat-cali-OUTPUT", "MUvsO-9-Ry3DQcZV"]]],
  ["nat-POSTROUTING", { type: "nat", hook: "postrouting", priority: 110 }, [["counter jump nat-cali-POSTROUTING", "z057H0Z77Fcko47w"]]],
  ["mangle-PREROUTING", { type: "filter", hook: "prerouting", priority: -150 }, [["counter jump mangle-cali-PREROUTING", "jmRVmI9bNZO24-SX"]]],
  ["mangle-INPUT", { type: "filter", hook: "input", priority: -150 }, []],
  ["mangle-FORWARD", { type: "filter", hook: "forward", priority: -150 }, []],
  ["mangle-OUTPUT", { type: "route", hook: "output", priority: -150 }, []],
  ["mangle-POSTROUTING", { type: "filter", hook: "postrouting", priority: -150 }, [["counter jump mangle-cali-POSTROUTING", "JB8QlG6bRG3vqMJh"]]],
  ["raw-PREROUTING", { type: "filter", hook: "prerouting", priority: -300 }, [["counter jump raw-cali-PREROUTING", "K8JBn-S_RLieKm3n"]]],
  ["raw-OUTPUT", { type: "filter", hook: "output", priority: -300 }, [["counter jump raw-cali-OUTPUT", "VPZUYaZDz-FnULU0"]]],
];

const STATIC: readonly (readonly [string, readonly R[]])[] = [
  [
    "filter-cali-FORWARD",
    [
      ["counter meta mark set mark & 0xffe5ffff", "DjLNGAdnReheqqCp"],
      ["meta mark & 0x10000 == 0 counter jump filter-cali-from-hep-forward", "nYRf9HAGIu4qv2zI"],
      ["iifname cali* counter jump filter-cali-from-wl-dispatch", "otxs2Q4D05BNLIsQ"],
      ["oifname cali* counter jump filter-cali-to-wl-dispatch", "j573pOiV4ETpv7o4"],
      ["counter jump filter-cali-to-hep-forward", "spaMQnRTjqphyAAs"],
      ["counter jump filter-cali-cidr-block", "gPO_isDuaIy0xfd5"],
    ],
  ],
  [
    "filter-cali-INPUT",
    [
      ["iifname cali* counter goto filter-cali-wl-to-host", "uGkFs1VYbTFEEKCj"],
      ["meta mark & 0x10000 == 0x10000 counter accept", "xuCbZceCfjX_tCDb"],
      ["counter meta mark set mark & 0xffe4ffff", "hZJANg22MdosG3_c"],
      ["counter jump filter-cali-from-host-endpoint", "XVRoeTDsd1AgWmly"],
      ["meta mark & 0x10000 == 0x10000 counter accept", "ijboK_pMXERJZMMx", "Host endpoint policy accepted packet."],
    ],
  ],
  [
    "filter-cali-wl-to-host",
    [
      ["counter jump filter-cali-from-wl-dispatch", "Ny8jNeS1ncqmgkwL"],
      ["counter drop", "ugXF1ghMPV60mSSX", "Configured DefaultEndpointToHostAction"],
    ],
  ],
  [
    "filter-cali-OUTPUT",
    [
      ["meta mark & 0x10000 == 0x10000 counter accept", "98uiW9xxCe92G9L3"],
      ["oifname cali* counter return", "XeexzRpdwsnmqftJ"],
      ["counter meta mark set mark & 0xffe4ffff", "CG2tcTTN3DS2FC_s"],
      ["ct status != dnat counter jump filter-cali-to-host-endpoint", "OEg1D1yn2B2IRfVG"],
      ["meta mark & 0x10000 == 0x10000 counter accept", "ZxVD63uRncCV21YB", "Host endpoint policy accepted packet."],
    ],
  ],
  [
    "filter-cali-from-wl-dispatch",
    [
      ["iifname vmap @filter-cali-from-wl-dispatch", "Lui9n9_J-BlSLUtk"],
      ["counter drop", "KMISEjprqaGFiicp", "Unknown interface"],
    ],
  ],
  [
    "filter-cali-to-wl-dispatch",
    [
      ["oifname vmap @filter-cali-to-wl-dispatch", "ljtHSLJQhigspPd1"],
      ["counter drop", "zeZtiiPDsE6BwqUG", "Unknown interface"],
    ],
  ],
  ["filter-cali-from-hep-forward", []],
  ["filter-cali-to-hep-forward", []],
  ["filter-cali-cidr-block", []],
  ["filter-cali-from-host-endpoint", []],
  ["filter-cali-to-host-endpoint", []],
  [
    "raw-cali-PREROUTING",
    [
      ["counter meta mark set mark & 0xffe4ffff"],
      ["iifname cali* counter meta mark set mark or 0x80000"],
      ["meta mark & 0x80000 == 0x80000 counter jump raw-cali-rpf-skip"],
      ["meta mark & 0x80000 == 0x80000 fib saddr . mark . iif oif 0 counter drop"],
      ["meta mark & 0x80000 == 0 counter jump raw-cali-from-host-endpoint"],
      ["meta mark & 0x10000 == 0x10000 counter accept"],
    ],
  ],
  ["raw-cali-OUTPUT", [["counter meta mark set mark & 0xffe4ffff"], ["counter jump raw-cali-to-host-endpoint"], ["meta mark & 0x10000 == 0x10000 counter accept"]]],
  ["raw-cali-rpf-skip", []],
  ["raw-cali-from-host-endpoint", []],
  ["raw-cali-to-host-endpoint", []],
  [
    "mangle-cali-PREROUTING",
    [
      ["ct state related,established counter accept"],
      ["meta mark & 0x10000 == 0x10000 counter accept"],
      ["counter jump mangle-cali-from-host-endpoint"],
      ["meta mark & 0x10000 == 0x10000 counter accept", undefined, "Host endpoint policy accepted packet."],
    ],
  ],
  [
    "mangle-cali-POSTROUTING",
    [
      ["meta mark & 0x10000 == 0x10000 counter return"],
      ["counter meta mark set mark & 0xffe4ffff"],
      ["ct status dnat counter jump mangle-cali-to-host-endpoint"],
      ["meta mark & 0x10000 == 0x10000 counter return", undefined, "Host endpoint policy accepted packet."],
    ],
  ],
  ["mangle-cali-from-host-endpoint", []],
  ["mangle-cali-to-host-endpoint", []],
  ["nat-cali-PREROUTING", [["counter jump nat-cali-fip-dnat"]]],
  ["nat-cali-OUTPUT", [["counter jump nat-cali-fip-dnat"]]],
  ["nat-cali-POSTROUTING", [["counter jump nat-cali-fip-snat"], ["counter jump nat-cali-nat-outgoing"]]],
  ["nat-cali-fip-dnat", []],
  ["nat-cali-fip-snat", []],
  ["nat-cali-nat-outgoing", []],
  [POLICY_CHAIN, [[`meta l4proto tcp ip saddr @${ALLOW_HTTP_SET} tcp dport { 80, 443 } counter meta mark set mark or 0x10000`, POLICY_RULE_HASH, "NetworkPolicy default/allow-http ingress"]]],
  ["filter-cali-pri-kns.default", [["counter meta mark set mark or 0x10000", "q9-9Gdat5_ETkrCZ", "Profile kns.default ingress"]]],
  ["filter-cali-pri-ksa.default.default", [["continue", "p_Mw2SCh5ugQsIFB", "Profile ksa.default.default ingress"]]],
  ["filter-cali-pro-kns.default", [["counter meta mark set mark or 0x10000", undefined, "Profile kns.default egress"]]],
  ["filter-cali-pro-ksa.default.default", [["continue", undefined, "Profile ksa.default.default egress"]]],
];

/** The §3.6 ingress chain; the tier part only when the pod has the policy. */
function toWorkload(pod: WorkedPod): readonly R[] {
  const tier: R[] = pod.allowHttp
    ? [
        ["counter meta mark set mark & 0xfffdffff", undefined, "Start of tier default"],
        [`meta mark & 0x20000 == 0 counter jump ${POLICY_CHAIN}`],
        ["meta mark & 0x10000 == 0x10000 counter return", undefined, "Return if policy accepted"],
        ["meta mark & 0x20000 == 0 counter drop", undefined, "End of tier default. Drop if no policies passed packet"],
      ]
    : [];
  return [
    ["ct state related,established counter accept"],
    ["ct state invalid counter drop"],
    ["counter meta mark set mark & 0xfffcffff"],
    ...tier,
    ["counter jump filter-cali-pri-kns.default"],
    ["meta mark & 0x10000 == 0x10000 counter return", undefined, "Return if profile accepted"],
    ["counter jump filter-cali-pri-ksa.default.default"],
    ["meta mark & 0x10000 == 0x10000 counter return", undefined, "Return if profile accepted"],
    ["counter drop", undefined, "Drop if no profiles matched"],
  ];
}

const FROM_WORKLOAD: readonly R[] = [
  ["ct state related,established counter accept"],
  ["ct state invalid counter drop"],
  ["counter meta mark set mark & 0xfffcffff"],
  ["meta l4proto 17 udp dport { 4789 } counter drop", undefined, "Drop VXLAN encapped packets originating in workloads"],
  ["meta l4proto 4 counter drop", undefined, "Drop IPinIP encapped packets originating in workloads"],
  ["counter jump filter-cali-pro-kns.default"],
  ["meta mark & 0x10000 == 0x10000 counter return", undefined, "Return if profile accepted"],
  ["counter jump filter-cali-pro-ksa.default.default"],
  ["meta mark & 0x10000 == 0x10000 counter return", undefined, "Return if profile accepted"],
  ["counter drop", undefined, "Drop if no profiles matched"],
];

const byName = (a: { readonly name: string }, b: { readonly name: string }): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** One node's table: its local pods, and the policy's selector set holding `allowedSources`. */
export function workedTable(pods: readonly WorkedPod[], allowedSources: readonly string[]): NftDataplaneState {
  const chains = [
    ...BASE.map(([name, base, list]) => chain(name, list, base)),
    ...STATIC.map(([name, list]) => chain(name, list)),
    ...pods.flatMap((p) => [chain(`filter-cali-tw-${p.iface}`, toWorkload(p)), chain(`filter-cali-fw-${p.iface}`, FROM_WORKLOAD)]),
  ].sort(byName);
  const ifaces = pods.map((p) => p.iface).sort();
  return {
    kind: "NftDataplaneState",
    ipVersion: 4,
    family: "ip",
    chains,
    sets: [{ name: ALLOW_HTTP_SET, type: "ipv4_addr", interval: true, elements: allowedSources.map((ip) => `${ip}/32`).sort() }],
    maps: [
      { name: "filter-cali-from-wl-dispatch", type: "ifname : verdict", elements: ifaces.map((i) => ({ key: i, verdict: `goto filter-cali-fw-${i}` })) },
      { name: "filter-cali-to-wl-dispatch", type: "ifname : verdict", elements: ifaces.map((i) => ({ key: i, verdict: `goto filter-cali-tw-${i}` })) },
    ],
  };
}
