/**
 * Host endpoint rendering as specifications: which chains exist in which table, the rule
 * fragments of failsafe chains under custom options, dispatch trees over several interfaces,
 * and the refusals the host side adds.
 */
import { describe, expect, it } from "vitest";
import { loadSources } from "../../src/model/load.js";
import { compile, type CompileOptions } from "../../src/render/compile.js";
import { CompileError } from "../../src/render/errors.js";
import type { Chain, DataplaneState } from "../../src/render/types.js";

const hep = (name: string, iface: string, labels = "{role: edge}") => `apiVersion: projectcalico.org/v3
kind: HostEndpoint
metadata: {name: ${name}, labels: ${labels}}
spec: {node: node-1, interfaceName: "${iface}"}
`;
const gnp = (name: string, spec: string) => `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: ${name}}
spec: {selector: role == 'edge', ${spec}}
`;

function state(docs: string[], options: Partial<CompileOptions> = {}): DataplaneState {
  const loaded = loadSources(docs.map((text, i) => ({ file: `d${i}.yaml`, text })));
  expect(loaded.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return compile(loaded.model, { node: "node-1", ...options });
}

const body = (c: Chain | undefined): string[] => (c?.rules ?? []).map((r) => [...r.comments.map((x) => `"${x}"`), r.match, r.action].filter((x) => x !== "").join(" "));
const chain = (s: DataplaneState, name: string, table?: "mangle" | "raw"): Chain | undefined =>
  (table ? s.tables?.find((t) => t.table === table)?.chains : s.chains)?.find((c) => c.name === name);

describe("host endpoint rendering", () => {
  it("without host endpoints nothing changes: no tables, empty host dispatch chains", () => {
    const s = state([gnp("p", "ingress: [{action: Allow}]")]);
    expect(s.tables).toBeUndefined();
    expect(body(chain(s, "cali-from-host-endpoint"))).toEqual([]);
    expect(chain(s, "cali-failsafe-in")).toBeUndefined();
  });

  it.each([
    [
      "custom ports, with a net",
      { inbound: [{ protocol: "tcp" as const, port: 2222, net: "10.1.0.0/16" }], outbound: [{ protocol: "udp" as const, port: 123 }] },
      ["-p tcp -m multiport --destination-ports 2222 --source 10.1.0.0/16 --jump ACCEPT"],
      ["-p udp -m multiport --destination-ports 123 --jump ACCEPT"],
      ["-p tcp -m multiport --destination-ports 2222 --source 10.1.0.0/16 --jump ACCEPT", "-p udp -m multiport --source-ports 123 --jump ACCEPT"],
    ],
    ["an IPv6 net is left out of the IPv4 state", { inbound: [{ protocol: "tcp" as const, port: 22, net: "fd00::/8" }], outbound: [] }, [], [], []],
  ])("failsafe chains: %s", (_n, failsafe, filterIn, filterOut, rawIn) => {
    const s = state([hep("h", "eth0"), gnp("raw", "doNotTrack: true, applyOnForward: true, ingress: [{action: Allow}]")], { failsafe });
    expect(body(chain(s, "cali-failsafe-in"))).toEqual(filterIn);
    expect(body(chain(s, "cali-failsafe-out"))).toEqual(filterOut);
    expect(body(chain(s, "cali-failsafe-in", "raw"))).toEqual(rawIn);
  });

  it("failsafe chains in the IPv6 state: only the IPv6 nets and the entries without a net (Felix's per-family filter)", () => {
    const failsafe = {
      inbound: [
        { protocol: "tcp" as const, port: 22, net: "fd00::/8" },
        { protocol: "tcp" as const, port: 22, net: "10.0.0.0/8" },
        { protocol: "udp" as const, port: 68 },
      ],
      outbound: [
        { protocol: "udp" as const, port: 53, net: "fd00:53::/64" },
        { protocol: "udp" as const, port: 53, net: "10.0.0.53/32" },
      ],
    };
    const s = state([hep("h", "eth0"), gnp("raw", "doNotTrack: true, applyOnForward: true, ingress: [{action: Allow}]")], { failsafe, ipVersion: 6 });
    const inbound = ["-p tcp -m multiport --destination-ports 22 --source fd00::/8 --jump ACCEPT", "-p udp -m multiport --destination-ports 68 --jump ACCEPT"];
    const outbound = ["-p udp -m multiport --destination-ports 53 --destination fd00:53::/64 --jump ACCEPT"];
    expect(body(chain(s, "cali-failsafe-in"))).toEqual(inbound);
    expect(body(chain(s, "cali-failsafe-out"))).toEqual(outbound);
    expect(body(chain(s, "cali-failsafe-out", "mangle"))).toEqual(outbound); // (mangle failsafe-in: only with preDNAT policy)
    // raw adds the reverse direction: replies of the other list, the remote side as the net.
    expect(body(chain(s, "cali-failsafe-in", "raw"))).toEqual([...inbound, "-p udp -m multiport --source-ports 53 --source fd00:53::/64 --jump ACCEPT"]);
    expect(body(chain(s, "cali-failsafe-out", "raw"))).toEqual([
      ...outbound,
      "-p tcp -m multiport --source-ports 22 --destination fd00::/8 --jump ACCEPT",
      "-p udp -m multiport --source-ports 68 --jump ACCEPT",
    ]);
  });

  it("dispatch chains over several interfaces form Felix's tree and end in the wildcard endpoint", () => {
    const s = state([hep("a", "eth0"), hep("b", "eth1"), hep("c", "bond0"), hep("all", "*")]);
    expect(body(chain(s, "cali-from-host-endpoint"))).toEqual([
      "--in-interface bond0 --goto cali-fh-bond0",
      "--in-interface e+ --goto cali-from-host-endpoint-e", // common prefix "", binned by first character
      "--goto cali-fh-any-interface-at-all",
    ]);
    expect(body(chain(s, "cali-from-host-endpoint-e"))).toEqual([
      "--in-interface eth0 --goto cali-fh-eth0",
      "--in-interface eth1 --goto cali-fh-eth1",
      "--goto cali-fh-any-interface-at-all",
    ]);
    // mangle egress dispatch: the wildcard endpoint never polices host -> local workload traffic.
    expect(body(chain(s, "cali-to-host-endpoint", "mangle")).slice(-2)).toEqual([
      '"Skip egress WHEP policy for traffic to local workload" --out-interface cali+ --jump RETURN',
      "--goto cali-th-any-interface-at-all",
    ]);
    expect(s.tables?.map((t) => t.table)).toEqual(["mangle"]);
  });

  it("forward chains allow by default only while no applyOnForward policy selects the endpoint", () => {
    const open = state([hep("h", "eth0")]);
    expect(body(chain(open, "cali-fhfw-eth0")).slice(-2)).toEqual([
      '"Allow forwarded traffic by default" --jump MARK --set-mark 0x10000/0x10000',
      '"Return for accepted forward traffic" --jump RETURN',
    ]);
    const limited = state([hep("h", "eth0"), gnp("fwd", "applyOnForward: true, types: [Ingress], ingress: [{action: Allow}]")]);
    expect(body(chain(limited, "cali-fhfw-eth0")).at(-1)).toBe('"End of tier default. Drop if no policies passed packet" -m mark --mark 0/0x20000 --jump DROP');
    // The egress forward chain has no tier of its own and no default allow either (Felix checks all forward tiers).
    expect(body(chain(limited, "cali-thfw-eth0")).at(-1)).toBe("--jump MARK --set-mark 0/0x30000");
    // A policy without applyOnForward stays out of the forward chains.
    const normal = state([hep("h", "eth0"), gnp("normal", "ingress: [{action: Allow}]")]);
    expect(body(chain(normal, "cali-fhfw-eth0")).at(-1)).toBe('"Return for accepted forward traffic" --jump RETURN');
  });

  it("a preDNAT policy's chain is in mangle only; an untracked one's in raw only", () => {
    const s = state([hep("h", "eth0"), gnp("pre", "preDNAT: true, applyOnForward: true, ingress: [{action: Deny}]"), gnp("raw", "doNotTrack: true, applyOnForward: true, egress: [{action: Allow}]")]);
    const names = (t?: "mangle" | "raw") => (t ? s.tables?.find((x) => x.table === t)?.chains : s.chains)?.map((c) => c.name).filter((n) => n.startsWith("cali-p"));
    expect(names()).toEqual([]);
    expect(names("mangle")).toEqual(["cali-pi-gnp/pre"]);
    expect(names("raw")).toEqual(["cali-po-gnp/raw"]);
  });

  it.each([
    ["doNotTrack on the * endpoint", [hep("all", "*"), gnp("raw", "doNotTrack: true, applyOnForward: true, ingress: [{action: Allow}]")], "PC3042"],
    ["two host endpoints on eth0", [hep("a", "eth0"), hep("b", "eth0")], "PC3041"],
  ])("refuses %s", (_n, docs, code) => {
    const loaded = loadSources(docs.map((text, i) => ({ file: `d${i}.yaml`, text })));
    try {
      compile(loaded.model, { node: "node-1" });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(CompileError);
      expect((e as CompileError).diagnostics.map((d) => d.code)).toEqual([code]);
    }
  });
});
