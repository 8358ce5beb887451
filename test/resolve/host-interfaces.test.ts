import { describe, expect, it } from "vitest";
import type { HostEndpoint } from "../../src/model/types.js";
import { resolveHostInterfaces } from "../../src/resolve/host-interfaces.js";
import { compile, CompileError } from "../../src/render/index.js";
import { loadSources } from "../../src/model/load.js";

const hep = (name: string, spec: { node?: string; interfaceName?: string; expectedIPs?: string[] }): HostEndpoint => ({
  kind: "HostEndpoint",
  name,
  node: spec.node ?? "node-1",
  ...(spec.interfaceName !== undefined && { interfaceName: spec.interfaceName }),
  expectedIPs: spec.expectedIPs ?? [],
  labels: {},
  profiles: [],
  ports: [],
});

const placed = (r: ReturnType<typeof resolveHostInterfaces>): string[] => r.hostEndpoints.map((h) => `${h.node}/${h.name}@${h.interfaceName ?? "-"}`);
const codes = (r: ReturnType<typeof resolveHostInterfaces>): string[] => r.diagnostics.map((d) => `${d.code} ${d.severity}`);

describe("resolveHostInterfaces (Felix's host endpoint resolution)", () => {
  it("places an expectedIPs-only endpoint on the interface holding one of its addresses", () => {
    const r = resolveHostInterfaces([hep("a", { expectedIPs: ["10.0.0.5", "10.9.9.9"] })], "node-1", [
      { name: "eth0", addresses: ["192.168.1.1"] },
      { name: "eth1", addresses: ["10.0.0.5"] },
    ]);
    expect(placed(r)).toEqual(["node-1/a@eth1"]);
    expect(r.diagnostics).toEqual([]);
  });

  it("gives one copy per matching interface, in interface name order", () => {
    const r = resolveHostInterfaces([hep("a", { expectedIPs: ["10.0.0.5", "10.1.0.5"] })], "node-1", [
      { name: "eth2", addresses: ["10.1.0.5"] },
      { name: "eth1", addresses: ["10.0.0.5", "fe80::1"] },
    ]);
    expect(placed(r)).toEqual(["node-1/a@eth1", "node-1/a@eth2"]);
  });

  it("compares IPv6 addresses in canonical form", () => {
    const r = resolveHostInterfaces([hep("a", { expectedIPs: ["fd00:0:0::5"] })], "node-1", [{ name: "eth1", addresses: ["fd00::5"] }]);
    expect(placed(r)).toEqual(["node-1/a@eth1"]);
  });

  it("no interface holds the address: no endpoint, a PC4034 warning", () => {
    const r = resolveHostInterfaces([hep("a", { expectedIPs: ["10.0.0.5"] })], "node-1", [{ name: "eth0", addresses: ["10.0.0.6"] }]);
    expect(placed(r)).toEqual([]);
    expect(codes(r)).toEqual(["PC4034 warning"]);
    expect(r.diagnostics[0]?.message).toContain("interfaces: eth0=10.0.0.6");
  });

  it("without an interface list: PC3040, naming --host-interface", () => {
    const r = resolveHostInterfaces([hep("a", { expectedIPs: ["10.0.0.5"] })], "node-1", undefined);
    expect(codes(r)).toEqual(["PC3040 error"]);
    expect(r.diagnostics[0]?.message).toMatch(/--host-interface NAME=IP\[,IP\.\.\.\]/);
  });

  it("leaves other nodes' and named endpoints alone, and needs no list when none is expectedIPs-only", () => {
    const all = [hep("b", { node: "node-2", expectedIPs: ["10.0.0.5"] }), hep("n", { interfaceName: "eth9", expectedIPs: ["10.0.0.7"] })];
    const r = resolveHostInterfaces(all, "node-1", undefined);
    expect(r.hostEndpoints).toBe(all);
    expect(r.diagnostics).toEqual([]);
  });

  it("an endpoint of another node is not placed on this node's interfaces", () => {
    const r = resolveHostInterfaces([hep("a", { expectedIPs: ["10.0.0.5"] }), hep("b", { node: "node-2", expectedIPs: ["10.0.0.5"] })], "node-1", [{ name: "eth1", addresses: ["10.0.0.5"] }]);
    expect(placed(r)).toEqual(["node-1/a@eth1", "node-2/b@-"]);
  });

  it("two endpoints on one interface: the alphabetically earliest name governs it (PC4035 for the other)", () => {
    const byName = hep("z-named", { interfaceName: "eth1" });
    const byAddr = hep("a-by-ip", { expectedIPs: ["10.0.0.5"] });
    const r = resolveHostInterfaces([byName, byAddr], "node-1", [{ name: "eth1", addresses: ["10.0.0.5"] }]);
    expect(placed(r)).toEqual(["node-1/a-by-ip@eth1"]);
    expect(codes(r)).toEqual(["PC4035 warning"]);
    expect(r.diagnostics[0]?.message).toContain("z-named names interface eth1, which HostEndpoint a-by-ip governs (by address)");

    const r2 = resolveHostInterfaces([hep("a-named", { interfaceName: "eth1" }), hep("b-by-ip", { expectedIPs: ["10.0.0.5"] })], "node-1", [{ name: "eth1", addresses: ["10.0.0.5"] }]);
    expect(placed(r2)).toEqual(["node-1/a-named@eth1"]);
    // b-by-ip loses its only interface: shadowed there, and so it governs none.
    expect(codes(r2)).toEqual(["PC4035 warning", "PC4034 warning"]);
  });

  it("an endpoint that loses one interface still governs another", () => {
    const r = resolveHostInterfaces([hep("a", { expectedIPs: ["10.0.0.5"] }), hep("b", { expectedIPs: ["10.0.0.5", "10.1.0.5"] })], "node-1", [
      { name: "eth1", addresses: ["10.0.0.5"] },
      { name: "eth2", addresses: ["10.1.0.5"] },
    ]);
    expect(placed(r)).toEqual(["node-1/a@eth1", "node-1/b@eth2"]);
    expect(codes(r)).toEqual(["PC4035 warning"]);
  });

  it("workload interfaces and kube-ipvs0 are never host interfaces", () => {
    const r = resolveHostInterfaces([hep("a", { expectedIPs: ["10.0.0.5"] })], "node-1", [
      { name: "cali12345", addresses: ["10.0.0.5"] },
      { name: "kube-ipvs0", addresses: ["10.0.0.5"] },
    ]);
    expect(placed(r)).toEqual([]);
    expect(codes(r)).toEqual(["PC4034 warning"]);
  });

  it("is independent of the order of endpoints and interfaces", () => {
    const heps = [hep("b", { expectedIPs: ["10.0.0.5"] }), hep("a", { expectedIPs: ["10.0.0.5", "10.1.0.5"] })];
    const ifaces = [
      { name: "eth2", addresses: ["10.1.0.5"] },
      { name: "eth1", addresses: ["10.0.0.5"] },
    ];
    const one = resolveHostInterfaces(heps, "node-1", ifaces);
    const two = resolveHostInterfaces([...heps].reverse(), "node-1", [...ifaces].reverse());
    expect(new Set(placed(one))).toEqual(new Set(placed(two)));
    expect(placed(one).sort()).toEqual(["node-1/a@eth1", "node-1/a@eth2"]);
  });
});

const HEP_BY_IP = `apiVersion: projectcalico.org/v3
kind: HostEndpoint
metadata: {name: node-1-uplink, labels: {role: edge}}
spec:
  node: node-1
  expectedIPs: [192.168.1.10]
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: edge}
spec:
  selector: role == 'edge'
  ingress: [{action: Allow, protocol: TCP, destination: {ports: [443]}}]
`;

describe("compile() with hostInterfaces", () => {
  const { model } = loadSources([{ file: "hep.yaml", text: HEP_BY_IP }]);
  const chainNames = (o: Parameters<typeof compile>[1]): string[] => compile(model, o).chains.map((c) => c.name).filter((n) => /^cali-(fh|th)-/.test(n));

  it("renders the host endpoint chains of the interface that holds the address", () => {
    expect(chainNames({ node: "node-1", hostInterfaces: [{ name: "bond0", addresses: ["192.168.1.10"] }] })).toEqual(["cali-fh-bond0", "cali-th-bond0"]);
  });

  it("is the same as naming the interface", () => {
    const named = loadSources([{ file: "hep.yaml", text: HEP_BY_IP.replace("node: node-1\n", "node: node-1\n  interfaceName: bond0\n") }]).model;
    expect(compile(model, { node: "node-1", hostInterfaces: [{ name: "bond0", addresses: ["192.168.1.10"] }] })).toEqual(compile(named, { node: "node-1" }));
  });

  it("no matching interface: no host endpoint chains at all", () => {
    expect(chainNames({ node: "node-1", hostInterfaces: [{ name: "eth0", addresses: ["192.168.1.99"] }] })).toEqual([]);
    // As if the endpoint were not there at all (the policy selecting it applies to nothing).
    const without = loadSources([{ file: "hep.yaml", text: HEP_BY_IP.split("---\n")[1] as string }]).model;
    expect(compile(model, { node: "node-1", hostInterfaces: [] })).toEqual(compile(without, { node: "node-1" }));
  });

  it("without hostInterfaces: CompileError PC3040, located at the resource", () => {
    let err: unknown;
    try {
      compile(model, { node: "node-1" });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CompileError);
    const d = (err as CompileError).diagnostics;
    expect(d.map((x) => [x.code, x.span?.file])).toEqual([["PC3040", "hep.yaml"]]);
  });
});
