/**
 * The nftables renderer against felix-nftables.md's vectors: rule hashes (§4, verified), hook
 * rules (§1.3), the worked endpoint/policy/profile chains (§3.6), the static chains (§3.8), the
 * worked policy chain with match blocks (§3.5), comments (§3.2), ICMP type+code as nft accepts
 * it (§3.3, pitfall 1), set names and types (§5), overlap coalescing (§5.5), name limits (§2.2).
 */
import { describe, expect, it } from "vitest";
import { renderNodeIr } from "../../src/render/node-view.js";
import { nftBody, nftChainName, nftComments, nftRuleHashes } from "../../src/render/nftables/print.js";
import { coalesce, nftSet, renderNft } from "../../src/render/nftables/render.js";
import { renderRuleList } from "../../src/render/rule-render.js";
import { nftRules } from "../../src/render/nftables/print.js";
import { escapeComment } from "../../src/render/hash.js";
import type { NftDataplaneState } from "../../src/render/nftables/types.js";
import { allowHttpView, resolvedRule } from "./fixtures.js";

/** §3.6's setup, with the selector set the policy references (the hand-built view has none). */
const view = () => ({ ...allowHttpView(), ipsets: [{ name: "cali40s:cttW8MqAIeVWez-m8dwR9b3", type: "hash:net" as const, family: "inet" as const, maxelem: 1048576, members: ["10.65.0.7/32"] }] });
const state = renderNft(renderNodeIr(view()));
const chain = (s: NftDataplaneState, name: string): string[] => {
  const c = s.chains.find((x) => x.name === name);
  if (!c) throw new Error(`no chain ${name}`);
  return c.rules.map((r) => [r.hash, r.body, ...r.comments].join(" | "));
};

describe("§4 rule hashes (table_test.go vectors)", () => {
  it.each([
    ["filter-FORWARD", ["counter drop", "counter accept", "counter drop", "counter accept"], ["DCGauXoHP5A9-AIO", "6tpY0LmXqEPD5dsI", "_Zdh35A6d8kLWs7z", "K23j5egouXzd1qRD"]],
    ["filter-FORWARD*appends*", ["counter accept"], ["Q43zYEHuKfFnJfs1"]],
    ["filter-FORWARD*appends*", ["counter drop", "counter accept", "counter drop"], ["T41ctVF7TLDIehjM", "AodlDFLDC_KqOIJO", "tmCXGknk3dgfLo6d"]],
    ["cali-foobar", ["counter accept", "counter drop", "counter return"], ["en3LGdDuVUQEgLl8", "iSw4pE2oK6hZ-s52", "UvIbKv-XqfNkFU3a"]],
    ["cali-foobar", ["counter drop", "counter accept"], ["qEazjD2XdAvzH1n5", "0breZU0oqlsEQH-N"]],
  ])("%s %j", (seed, bodies, hashes) => {
    expect(nftRuleHashes(seed, bodies)).toEqual(hashes);
  });
});

describe("§1.2/§1.3 base chains and hook rules", () => {
  it("creates all 14 base chains with Felix's types, hooks and priorities", () => {
    const bases = state.chains.filter((c) => c.base).map((c) => `${c.name} ${c.base?.type} ${c.base?.hook} ${c.base?.priority}`);
    expect(bases).toEqual([
      "filter-FORWARD filter forward 0",
      "filter-INPUT filter input 0",
      "filter-OUTPUT filter output 0",
      "mangle-FORWARD filter forward -150",
      "mangle-INPUT filter input -150",
      "mangle-OUTPUT route output -150",
      "mangle-POSTROUTING filter postrouting -150",
      "mangle-PREROUTING filter prerouting -150",
      "nat-INPUT nat input -100",
      "nat-OUTPUT nat output 110",
      "nat-POSTROUTING nat postrouting 110",
      "nat-PREROUTING nat prerouting -100",
      "raw-OUTPUT filter output -300",
      "raw-PREROUTING filter prerouting -300",
    ]);
  });
  it("filter hook rules: inserts then appends, with the computed hashes", () => {
    expect(chain(state, "filter-INPUT")).toEqual(["H0S9z2pOh43UL0cc | counter jump filter-cali-INPUT"]);
    expect(chain(state, "filter-OUTPUT")).toEqual(["cxN7yDysHHPQSuUC | counter jump filter-cali-OUTPUT"]);
    expect(chain(state, "filter-FORWARD")).toEqual([
      "dpfqBgJrpRwlrqw1 | counter jump filter-cali-FORWARD",
      "yp7iNUYNEhDmKF6E | meta mark & 0x10000 == 0x10000 counter accept | Policy explicitly accepted packet.",
      "fXaqbwKfGHq5dvHP | counter meta mark set mark or 0x10000",
    ]);
  });
  it.each([
    ["raw-PREROUTING", "raw-cali-PREROUTING", "K8JBn-S_RLieKm3n"],
    ["raw-OUTPUT", "raw-cali-OUTPUT", "VPZUYaZDz-FnULU0"],
    ["nat-PREROUTING", "nat-cali-PREROUTING", "8sk3stC_vMHYORJg"],
    ["nat-OUTPUT", "nat-cali-OUTPUT", "MUvsO-9-Ry3DQcZV"],
    ["mangle-PREROUTING", "mangle-cali-PREROUTING", "jmRVmI9bNZO24-SX"],
    ["mangle-POSTROUTING", "mangle-cali-POSTROUTING", "JB8QlG6bRG3vqMJh"],
  ])("%s jump hash", (base, target, hash) => {
    expect(nftRuleHashes(base, [`counter jump ${target}`])).toEqual([hash]);
  });
  it("nat POSTROUTING's appended jump", () => {
    expect(nftRuleHashes("nat-POSTROUTING*appends*", ["counter jump nat-cali-POSTROUTING"])).toEqual(["z057H0Z77Fcko47w"]);
  });
  it("without host endpoints the mangle, raw and nat base chains are empty", () => {
    for (const b of ["mangle-PREROUTING", "mangle-POSTROUTING", "raw-PREROUTING", "raw-OUTPUT", "nat-POSTROUTING"]) expect(chain(state, b)).toEqual([]);
  });
});

describe("§3.6 worked endpoint chains", () => {
  it("filter-cali-tw-cali1234", () => {
    expect(chain(state, "filter-cali-tw-cali1234")).toEqual([
      "O1ubADHSmlm5gCoN | ct state related,established counter accept",
      "XlRIw9O1LjvYcyrA | ct state invalid counter drop",
      "D7zX2qMNhgIe9cw3 | counter meta mark set mark & 0xfffcffff",
      "Q8xnduyKFfiGox4s | counter meta mark set mark & 0xfffdffff | Start of tier default",
      "3-7c1bCGWBWGlwbT | meta mark & 0x20000 == 0 counter jump filter-cali-pi-np/default/allow-http",
      "RNaxUpcY1B8FALHo | meta mark & 0x10000 == 0x10000 counter return | Return if policy accepted",
      "LApGJFrmJnS3sVOR | meta mark & 0x20000 == 0 counter drop | End of tier default. Drop if no policies passed packet",
      "RuxpPeNQPeC5PLcB | counter jump filter-cali-pri-kns.default",
      "wOOjbrpVbrrNMoy2 | meta mark & 0x10000 == 0x10000 counter return | Return if profile accepted",
      "RZAoOQd6aekKzHKw | counter jump filter-cali-pri-ksa.default.default",
      "N0j8RXYrxELD8F4V | meta mark & 0x10000 == 0x10000 counter return | Return if profile accepted",
      "4eKbYO12f8vvzbKK | counter drop | Drop if no profiles matched",
    ]);
  });
  it("filter-cali-fw-cali1234", () => {
    expect(chain(state, "filter-cali-fw-cali1234")).toEqual([
      "8uim5nqJWNr9C8fc | ct state related,established counter accept",
      "rSdVdvApaqAmcfpl | ct state invalid counter drop",
      "-iLMmalAbDUAXUrb | counter meta mark set mark & 0xfffcffff",
      "PhpMULv1uchSxZWx | meta l4proto 17 udp dport { 4789 } counter drop | Drop VXLAN encapped packets originating in workloads",
      "X7FCU2V146lN5s9t | meta l4proto 4 counter drop | Drop IPinIP encapped packets originating in workloads",
      "lrhpPe-UveflQUFW | counter jump filter-cali-pro-kns.default",
      "5KUj2mAOFfknEJD9 | meta mark & 0x10000 == 0x10000 counter return | Return if profile accepted",
      "vdPn8il0ADLCAcoq | counter jump filter-cali-pro-ksa.default.default",
      "Pmvy1cXqvt3shOZx | meta mark & 0x10000 == 0x10000 counter return | Return if profile accepted",
      "xPYeqGdV69I4uuT- | counter drop | Drop if no profiles matched",
    ]);
  });
  it("policy and profile chains (readable names; `continue` for an empty chain)", () => {
    expect(chain(state, "filter-cali-pi-np/default/allow-http")).toEqual([
      "LcIpG_tgryclYexS | meta l4proto tcp ip saddr @cali40s-cttW8MqAIeVWez-m8dwR9b3 tcp dport { 80, 443 } counter meta mark set mark or 0x10000 | NetworkPolicy default/allow-http ingress",
    ]);
    expect(chain(state, "filter-cali-pri-kns.default")).toEqual(["q9-9Gdat5_ETkrCZ | counter meta mark set mark or 0x10000 | Profile kns.default ingress"]);
    expect(chain(state, "filter-cali-pri-ksa.default.default")).toEqual(["p_Mw2SCh5ugQsIFB | continue | Profile ksa.default.default ingress"]);
  });
  it("workload dispatch: the vmap rule, the fail-closed drop, one map element per interface", () => {
    expect(chain(state, "filter-cali-from-wl-dispatch")).toEqual(["Lui9n9_J-BlSLUtk | iifname vmap @filter-cali-from-wl-dispatch", "KMISEjprqaGFiicp | counter drop | Unknown interface"]);
    expect(chain(state, "filter-cali-to-wl-dispatch")).toEqual(["ljtHSLJQhigspPd1 | oifname vmap @filter-cali-to-wl-dispatch", "zeZtiiPDsE6BwqUG | counter drop | Unknown interface"]);
    expect(state.maps).toEqual([
      { name: "filter-cali-from-wl-dispatch", type: "ifname : verdict", elements: [{ key: "cali1234", verdict: "goto filter-cali-fw-cali1234" }] },
      { name: "filter-cali-to-wl-dispatch", type: "ifname : verdict", elements: [{ key: "cali1234", verdict: "goto filter-cali-tw-cali1234" }] },
    ]);
  });
});

describe("§3.8 static chains", () => {
  it("filter-cali-FORWARD, -INPUT, -OUTPUT", () => {
    expect(chain(state, "filter-cali-FORWARD").map((r) => r.slice(0, 16))).toEqual(["DjLNGAdnReheqqCp", "nYRf9HAGIu4qv2zI", "otxs2Q4D05BNLIsQ", "j573pOiV4ETpv7o4", "spaMQnRTjqphyAAs", "gPO_isDuaIy0xfd5"]);
    expect(chain(state, "filter-cali-INPUT").map((r) => r.slice(0, 16))).toEqual(["uGkFs1VYbTFEEKCj", "xuCbZceCfjX_tCDb", "hZJANg22MdosG3_c", "XVRoeTDsd1AgWmly", "ijboK_pMXERJZMMx"]);
    expect(chain(state, "filter-cali-OUTPUT").map((r) => r.slice(0, 16))).toEqual(["98uiW9xxCe92G9L3", "XeexzRpdwsnmqftJ", "CG2tcTTN3DS2FC_s", "OEg1D1yn2B2IRfVG", "ZxVD63uRncCV21YB"]);
  });
  it("filter-cali-wl-to-host with Felix's default DROP", () => {
    const s = renderNft(renderNodeIr(view(), { endpointToHostAction: "DROP" }));
    expect(chain(s, "filter-cali-wl-to-host")).toEqual(["Ny8jNeS1ncqmgkwL | counter jump filter-cali-from-wl-dispatch", "ugXF1ghMPV60mSSX | counter drop | Configured DefaultEndpointToHostAction"]);
  });
});

describe("§3.5 worked policy chain (match blocks)", () => {
  const felix = [
    ["bsiMRZfha6a_Sfq3", "counter meta mark set mark & 0xffe7ffff ^ 0x0"],
    ["qF8sFwvA0u2czCVA", "ip saddr 10.0.0.0/24 counter meta mark set mark or 0x80000"],
    ["ZYQTmDcwLt6kZxrL", "ip saddr 10.0.1.0/24 counter meta mark set mark or 0x80000"],
    ["I7-0mYayMY-X6fHx", "ip saddr 11.0.0.0/24 counter meta mark set mark & 0xfff7ffff"],
    ["d7NagOfnJVIabb-_", "meta l4proto tcp ip daddr . meta l4proto . th dport @cali40n-ABCDEFGHIJKLMNOPQRSTUVW ip saddr != @cali40s-cttW8MqAIeVWez-m8dwR9b3 tcp dport != { 22 } meta mark & 0x80000 == 0x80000 counter meta mark set mark or 0x10000"],
    ["VD3AhzOKz-WmrM97", "meta mark & 0x10000 == 0x10000 counter return"],
    ["aZnmRBrWHhKEN45M", "meta l4proto icmp icmp type 8 counter meta mark set mark or 0x40000"],
    ["2XRT_52Gfra-y7lh", "meta mark & 0x40000 == 0x40000 counter drop"],
    ["AZRUPf_KPYFLOsuQ", 'limit rate 10/second burst 5 packets meta l4proto udp counter log prefix "calico-packet: " level info'],
    ["3cyurai5yP8DRIFW", "meta l4proto udp counter meta mark set mark or 0x20000"],
  ] as const;

  it("the reference's bodies hash to its hashes", () => {
    expect(nftRuleHashes("filter-cali-pi-gnp/demo", felix.map(([, b]) => b))).toEqual(felix.map(([h]) => h));
  });

  it("renders the reference's rule as Felix's policy.go does: one negated net beside two positive ones stays in the main rule", () => {
    const rules = renderRuleList(
      [
        resolvedRule({
          action: "Allow",
          protocol: "tcp",
          srcNets: ["10.0.0.0/24", "10.0.1.0/24"],
          notSrcNets: ["11.0.0.0/24"],
          notSrcIpSets: ["cali40s:cttW8MqAIeVWez-m8dwR9b3"],
          dstNamedPortIpSets: ["cali40n:ABCDEFGHIJKLMNOPQRSTUVW"],
          notDstPorts: [{ first: 22, last: 22 }],
        }),
        resolvedRule({ action: "Deny", protocol: "icmp", icmp: { type: 8 } }),
        resolvedRule({ action: "Log", protocol: "udp" }),
        resolvedRule({ action: "Pass", protocol: "udp" }),
      ],
      "GlobalNetworkPolicy demo ingress",
    );
    // policy.go counts the negated nets against the positive nets left in the main rule, after
    // the positive block took them (0 + 1 = 1: no block), so §3.5's block rule I7-0mYayMY-X6fHx
    // is not written and the negation joins the main rule's negated clauses, after the protocol
    // and named-port set and before the negated set and ports (§3.5's clause order). The same
    // packets match: S0 is set by a positive net, and the main rule requires the source outside
    // 11.0.0.0/24. policy-compile configures no LogActionRateLimit, so its log rule has no `limit`.
    expect(nftRules("filter-cali-pi-gnp/demo", rules, "ip", "filter").map((r) => r.body)).toEqual([
      ...felix.slice(0, 3).map(([, b]) => b),
      "meta l4proto tcp ip daddr . meta l4proto . th dport @cali40n-ABCDEFGHIJKLMNOPQRSTUVW ip saddr != 11.0.0.0/24 ip saddr != @cali40s-cttW8MqAIeVWez-m8dwR9b3 tcp dport != { 22 } meta mark & 0x80000 == 0x80000 counter meta mark set mark or 0x10000",
      ...felix.slice(5, 8).map(([, b]) => b),
      'meta l4proto udp counter log prefix "calico-packet: " level info',
      felix[9][1],
    ]);
  });

  it("two negated nets with two positive ones: a block rule each", () => {
    const rules = renderRuleList([resolvedRule({ action: "Allow", srcNets: ["10.0.0.0/24", "10.0.1.0/24"], notSrcNets: ["11.0.0.0/24", "12.0.0.0/24"] })], "c");
    expect(nftRules("filter-cali-pi-gnp/demo", rules, "ip", "filter").map((r) => r.body)).toEqual([
      "counter meta mark set mark & 0xffe7ffff ^ 0x0",
      "ip saddr 10.0.0.0/24 counter meta mark set mark or 0x80000",
      "ip saddr 10.0.1.0/24 counter meta mark set mark or 0x80000",
      "ip saddr 11.0.0.0/24 counter meta mark set mark & 0xfff7ffff",
      "ip saddr 12.0.0.0/24 counter meta mark set mark & 0xfff7ffff",
      "meta mark & 0x80000 == 0x80000 counter meta mark set mark or 0x10000",
    ]);
  });

  it("one negated net alone stays in the main rule; beside one positive net in the main rule it gets a block (1 + 1 > 1)", () => {
    const one = renderRuleList([resolvedRule({ action: "Allow", notDstNets: ["11.0.0.0/24"] })], "c");
    expect(nftRules("filter-cali-pi-gnp/demo", one, "ip", "filter").map((r) => r.body)).toEqual(["ip daddr != 11.0.0.0/24 counter meta mark set mark or 0x10000"]);
    const pair = renderRuleList([resolvedRule({ action: "Allow", dstNets: ["10.0.0.0/8"], notDstNets: ["10.1.0.0/16"] })], "c");
    expect(nftRules("filter-cali-pi-gnp/demo", pair, "ip", "filter").map((r) => r.body)).toEqual([
      "counter meta mark set mark & 0xffe7ffff ^ 0x80000",
      "ip daddr 10.1.0.0/16 counter meta mark set mark & 0xfff7ffff",
      "ip daddr 10.0.0.0/8 meta mark & 0x80000 == 0x80000 counter meta mark set mark or 0x10000",
    ]);
  });
});

describe("§3.2 comments", () => {
  it("escapes as Felix does (rules_test.go: a newline becomes _)", () => {
    expect(nftComments([escapeComment("boz\nfizz")])).toEqual(["boz_fizz"]);
  });
  it("cuts one comment so the whole comment is 128 characters (verified vector with a 4-char hash)", () => {
    expect(nftComments(["a".repeat(129)], 4)).toEqual(["a".repeat(117)]);
    expect(`cali:${"x".repeat(16)}; ${nftComments(["a".repeat(200)]).join(" ")}`).toHaveLength(128);
  });
  it("n comments each keep at most ⌊106/n⌋ characters, the whole at most 128", () => {
    const pieces = nftComments(["b".repeat(100), "c".repeat(100)]);
    expect(pieces).toEqual(["b".repeat(53), "c".repeat(51)]);
  });
});

describe("§3.3 match fragments", () => {
  const body = (match: Parameters<typeof nftBody>[0]["match"], family: "ip" | "ip6" = "ip") => nftBody({ match, action: { kind: "accept" }, comments: [] }, family, "filter");
  it.each([
    [[{ kind: "icmp", icmp: { type: 8 }, v6: false }], "icmp type 8 counter accept"],
    [[{ kind: "icmp", icmp: { type: 8 }, v6: false, negated: true }], "icmp type != 8 counter accept"],
    // Felix writes `icmp type 8 code 0`, which nft rejects (pitfall 1): the same meaning nft accepts.
    [[{ kind: "icmp", icmp: { type: 8, code: 0 }, v6: false }], "icmp type 8 icmp code 0 counter accept"],
    [[{ kind: "icmp", icmp: { type: 8, code: 0 }, v6: false, negated: true }], "icmp type . icmp code != { 8 . 0 } counter accept"],
    [[{ kind: "icmp", icmp: { type: 128, code: 0 }, v6: true }], "icmpv6 type 128 icmpv6 code 0 counter accept"],
    [[{ kind: "protocol", protocol: "tcp", negated: true }], "meta l4proto != tcp counter accept"],
    [[{ kind: "net", side: "src", cidr: "10.0.0.0/16", negated: true }], "ip saddr != 10.0.0.0/16 counter accept"],
    [[{ kind: "ipPortSet", side: "src", set: "cali40n:X", negated: true }], "ip saddr . meta l4proto . th sport != @cali40n-X counter accept"],
    [[{ kind: "protocol", protocol: "udp" }, { kind: "ports", side: "src", ports: [{ first: 80, last: 80 }, { first: 8080, last: 8090 }] }], "meta l4proto udp udp sport { 80, 8080-8090 } counter accept"],
    [[{ kind: "mark", test: "notClear", mask: 0x30000 }], "meta mark & 0x30000 != 0 counter accept"],
    [[{ kind: "ctDnat" }], "ct status dnat counter accept"],
    [[{ kind: "interface", dir: "in", name: "eth0" }], "iifname eth0 counter accept"],
    [[{ kind: "interface", dir: "out", name: "eth0.100" }], 'oifname "eth0.100" counter accept'],
  ] as const)("%j → %s", (match, text) => {
    expect(body(match)).toBe(text);
  });
  it("IPv6 addresses", () => {
    expect(body([{ kind: "net", side: "dst", cidr: "fd00::/64" }], "ip6")).toBe("ip6 daddr fd00::/64 counter accept");
  });
  it("actions: masked mark and log", () => {
    expect(nftBody({ match: [], action: { kind: "setMaskedMark", mark: 0, mask: 0x180000 }, comments: [] }, "ip", "filter")).toBe("counter meta mark set mark & 0xffe7ffff ^ 0x0");
    expect(nftBody({ match: [], action: { kind: "setMaskedMark", mark: 0x80000, mask: 0x180000 }, comments: [] }, "ip", "filter")).toBe("counter meta mark set mark & 0xffe7ffff ^ 0x80000");
  });
});

describe("§5 sets", () => {
  it("names with `-`, interval NET sets (version token 1, render.ts nftSet), concatenated named-port sets", () => {
    expect(nftSet({ name: "cali40s:abc", type: "hash:net", family: "inet", maxelem: 1048576, members: ["10.0.0.0/24", "10.0.0.5/32"] })).toEqual({
      name: "cali41s-abc",
      type: "ipv4_addr",
      interval: true,
      elements: ["10.0.0.0/24"],
    });
    expect(nftSet({ name: "cali60n:abc", type: "hash:ip,port", family: "inet6", maxelem: 1048576, members: ["fd00::1,tcp:80", "fd00::2,udp:53"] })).toEqual({
      name: "cali60n-abc",
      type: "ipv6_addr . inet_proto . inet_service",
      interval: false,
      elements: ["fd00::1 . tcp . 80", "fd00::2 . udp . 53"],
    });
  });
  it("coalescing keeps the broadest member and never two overlapping ones (§5.5)", () => {
    expect(coalesce(["10.1.2.3/32", "10.1.0.0/16", "10.0.0.0/8", "11.0.0.0/24", "11.0.1.0/24", "11.0.1.7/32", "11.0.0.0/24"])).toEqual(["10.0.0.0/8", "11.0.0.0/24", "11.0.1.0/24"]);
    expect(coalesce(["fd00::/64", "fd00::1/128", "fd00:1::/64"])).toEqual(["fd00:1::/64", "fd00::/64"]);
  });
});

describe("§2.2 name limits", () => {
  it("keeps readable names that fit 255 bytes with the layer prefix; hashes longer ones to fit", () => {
    const fits = `cali-pi-knp/ns/${"a".repeat(233)}`;
    expect(nftChainName("filter", fits)).toBe(`filter-${fits}`);
    expect(Buffer.byteLength(nftChainName("filter", fits))).toBe(255);
    const long = `cali-pi-knp/ns/${"a".repeat(234)}`;
    const hashed = nftChainName("filter", long);
    expect(hashed).toMatch(/^filter-cali-pi-_[A-Za-z0-9_-]{43}$/);
    expect(nftChainName("mangle", long).slice("mangle-".length)).toBe(hashed.slice("filter-".length));
    expect(nftChainName("filter", `cali-pi-knp/ns/${"a".repeat(300)}`)).not.toBe(hashed);
  });
});
