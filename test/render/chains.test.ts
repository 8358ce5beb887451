/** Dispatch tree, endpoint chain layout and static chains (felix-dataplane.md §1.2, §1.3, §3). */
import { describe, expect, it } from "vitest";
import { dispatchBins, workloadDispatchChains as irDispatchChains } from "../../src/render/dispatch.js";
import { endpointChain as irEndpointChain } from "../../src/render/endpoint-chains.js";
import { renderRuleFragments } from "../../src/render/hash.js";
import { iptChain, iptChains, iptHooks } from "../../src/render/iptables/print.js";
import { filterHooks as irFilterHooks, staticChains as irStaticChains } from "../../src/render/static-chains.js";
import type { Chain } from "../../src/render/types.js";
import type { LocalEndpoint } from "../../src/resolve/types.js";
import { tierOf } from "./fixtures.js";

// The builders produce the rule IR; these specifications read its iptables printing.
const workloadDispatchChains = (names: readonly string[]) => iptChains(irDispatchChains(names));
const endpointChain = (...a: Parameters<typeof irEndpointChain>) => iptChain(irEndpointChain(...a));
const staticChains = (...a: Parameters<typeof irStaticChains>) => iptChains(irStaticChains(...a));
const filterHooks = () => irFilterHooks().map(iptHooks);
const body = (c: Chain | undefined) => c?.rules.map(renderRuleFragments);
const byName = (chains: readonly Chain[], name: string) => chains.find((c) => c.name === name);
const UNKNOWN = '-m comment --comment "Unknown interface" --jump DROP';

describe("workload dispatch", () => {
  it("reproduces dispatch_test.go: one direct rule, one child chain for the shared prefix", () => {
    const chains = workloadDispatchChains(["cali2444", "cali1234", "cali2333"]);
    expect(chains.map((c) => c.name)).toEqual([
      "cali-from-wl-dispatch",
      "cali-from-wl-dispatch-2",
      "cali-to-wl-dispatch",
      "cali-to-wl-dispatch-2",
    ]);
    expect(body(byName(chains, "cali-from-wl-dispatch"))).toEqual([
      "--in-interface cali1234 --goto cali-fw-cali1234",
      "--in-interface cali2+ --goto cali-from-wl-dispatch-2",
      UNKNOWN,
    ]);
    expect(body(byName(chains, "cali-from-wl-dispatch-2"))).toEqual([
      "--in-interface cali2333 --goto cali-fw-cali2333",
      "--in-interface cali2444 --goto cali-fw-cali2444",
      UNKNOWN,
    ]);
    expect(body(byName(chains, "cali-to-wl-dispatch"))).toEqual([
      "--out-interface cali1234 --goto cali-tw-cali1234",
      "--out-interface cali2+ --goto cali-to-wl-dispatch-2",
      UNKNOWN,
    ]);
  });

  it("with no endpoints both chains only drop", () => {
    expect(workloadDispatchChains([]).map(body)).toEqual([[UNKNOWN], [UNKNOWN]]);
  });

  it.each<[string[], string, [string, string[]][]]>([
    [["cali1"], "cali1", [["cali1", ["cali1"]]]],
    [["calia", "calib"], "cali", [["calia", ["calia"]], ["calib", ["calib"]]]],
    [["cali", "calia", "calib"], "cali", [["cali", ["cali"]], ["calia", ["calia"]], ["calib", ["calib"]]]],
    [["caliab1", "caliab2", "caliac"], "calia", [["caliab", ["caliab1", "caliab2"]], ["caliac", ["caliac"]]]],
  ])("bins %j by the character after the common prefix", (names, prefix, bins) => {
    expect(dispatchBins(names)).toEqual({ prefix, bins });
  });

  it("duplicate names are listed once", () => {
    expect(dispatchBins(["cali1", "cali1"]).bins).toEqual([["cali1", ["cali1"]]]);
  });
});

describe("endpoint chains", () => {
  const ep = (over: Partial<LocalEndpoint> = {}): LocalEndpoint => ({
    kind: "LocalEndpoint",
    key: "ns/p",
    interfaceName: "cali1234",
    ingressTiers: [],
    egressTiers: [],
    profiles: [],
    ...over,
  });
  const CONNTRACK = [
    "-m conntrack --ctstate RELATED,ESTABLISHED --jump ACCEPT",
    "-m conntrack --ctstate INVALID --jump DROP",
    "--jump MARK --set-mark 0/0x30000",
  ];

  it("egress without policy: conntrack, encap drops, profiles, final drop", () => {
    expect(body(endpointChain(ep({ profiles: ["kns.a"] }), "egress"))).toEqual([
      ...CONNTRACK,
      '-m comment --comment "Drop VXLAN encapped packets originating in workloads" -p 17 -m multiport --destination-ports 4789 --jump DROP',
      '-m comment --comment "Drop IPinIP encapped packets originating in workloads" -p 4 --jump DROP',
      "--jump cali-pro-kns.a",
      '-m comment --comment "Return if profile accepted" -m mark --mark 0x10000/0x10000 --jump RETURN',
      '-m comment --comment "Drop if no profiles matched" --jump DROP',
    ]);
  });

  it("tiers in order; a Pass tier has no end-of-tier drop; every jump is guarded by P clear", () => {
    const chain = endpointChain(
      ep({
        ingressTiers: [
          tierOf("security", "Pass", ["gnp/a", "gnp/b"]),
          tierOf("default", "Deny", ["np/ns/c"]),
        ],
      }),
      "ingress",
    );
    expect(chain.name).toBe("cali-tw-cali1234");
    expect(body(chain)).toEqual([
      ...CONNTRACK,
      '-m comment --comment "Start of tier security" --jump MARK --set-mark 0/0x20000',
      "-m mark --mark 0/0x20000 --jump cali-pi-gnp/a",
      '-m comment --comment "Return if policy accepted" -m mark --mark 0x10000/0x10000 --jump RETURN',
      "-m mark --mark 0/0x20000 --jump cali-pi-gnp/b",
      '-m comment --comment "Return if policy accepted" -m mark --mark 0x10000/0x10000 --jump RETURN',
      '-m comment --comment "Start of tier default" --jump MARK --set-mark 0/0x20000',
      "-m mark --mark 0/0x20000 --jump cali-pi-np/ns/c",
      '-m comment --comment "Return if policy accepted" -m mark --mark 0x10000/0x10000 --jump RETURN',
      '-m comment --comment "End of tier default. Drop if no policies passed packet" -m mark --mark 0/0x20000 --jump DROP',
      '-m comment --comment "Drop if no profiles matched" --jump DROP',
    ]);
  });

  it("long interface names are length-limited", () => {
    expect(endpointChain(ep({ interfaceName: "cali0123456789abcdefghij" }), "egress").name).toHaveLength(28);
  });
});

describe("static chains and hooks", () => {
  it.each([
    ["ACCEPT", "--jump ACCEPT"],
    ["DROP", "--jump DROP"],
    ["RETURN", "--jump RETURN"],
  ] as const)("cali-wl-to-host applies DefaultEndpointToHostAction %s", (action, fragment) => {
    expect(body(byName(staticChains(action), "cali-wl-to-host"))).toEqual([
      "--jump cali-from-wl-dispatch",
      `-m comment --comment "Configured DefaultEndpointToHostAction" ${fragment}`,
    ]);
  });

  it("cali-FORWARD clears every Calico bit but accept, then dispatches", () => {
    expect(body(byName(staticChains("ACCEPT"), "cali-FORWARD"))).toEqual([
      "--jump MARK --set-mark 0/0x1a0000",
      "-m mark --mark 0/0x10000 --jump cali-from-hep-forward",
      "--in-interface cali+ --jump cali-from-wl-dispatch",
      "--out-interface cali+ --jump cali-to-wl-dispatch",
      "--jump cali-to-hep-forward",
      "--jump cali-cidr-block",
    ]);
  });

  it("hook rules carry Felix's known hashes", () => {
    const hooks = filterHooks();
    expect(hooks.map((h) => [h.chain, h.inserts.map((r) => r.hash)])).toEqual([
      ["INPUT", ["Cz_u1IQiXIMmKD4c"]],
      ["FORWARD", ["wUHhoiAYhphO9Mso"]],
      ["OUTPUT", ["tVnHkvAo15HuiPy0"]],
    ]);
    expect(hooks[1]?.appends.map(renderRuleFragments)).toEqual([
      '-m comment --comment "Policy explicitly accepted packet." -m mark --mark 0x10000/0x10000 --jump ACCEPT',
      "--jump MARK --set-mark 0x10000/0x10000",
    ]);
  });
});
