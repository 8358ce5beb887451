/**
 * traceHostPath: the tables in kernel order for each path, the mark and conntrack state carried
 * between them, and the rule syntax the raw table adds (NOTRACK, rpfilter). Rule text outside
 * what policy-compile renders stays PC8002.
 */
import { describe, expect, it } from "vitest";
import { loadSources } from "../../src/model/load.js";
import { compile } from "../../src/render/compile.js";
import { compileAction, compileMatch } from "../../src/trace/match.js";
import { TraceError, tracePacket, traceHostPath, type Packet } from "../../src/trace/index.js";

const HEP = "apiVersion: projectcalico.org/v3\nkind: HostEndpoint\nmetadata: {name: h, labels: {role: edge}}\nspec: {node: node-1, interfaceName: eth0}\n";
const RAW =
  "apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: raw}\nspec: {selector: role == 'edge', doNotTrack: true, applyOnForward: true, ingress: [{action: Allow, protocol: UDP, destination: {ports: [53]}}]}\n";
const POD =
  "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: default}\nspec: {nodeName: node-1, containers: [{name: c, image: i}]}\nstatus: {phase: Running, podIP: 10.65.0.2}\n";
const state = (...docs: string[]) => compile(loadSources(docs.map((text, i) => ({ file: `d${i}.yaml`, text }))).model, { node: "node-1" });
const udp = (dstPort: number, inInterface = "eth0", outInterface = ""): Packet => ({ kind: "Packet", srcIp: "198.51.100.7", dstIp: "192.168.1.10", protocol: 17, srcPort: 40000, dstPort, inInterface, outInterface, ctState: "NEW" });

describe("traceHostPath", () => {
  it("input walks raw PREROUTING, mangle PREROUTING, filter INPUT; NOTRACK makes the rest untracked", () => {
    const t = traceHostPath(state(HEP, RAW), udp(53), "input");
    expect(t.verdict).toBe("allow");
    expect(t.tables.map((x) => [x.table, x.hook, x.trace.verdict, x.untracked])).toEqual([
      ["raw", "PREROUTING", "allow", true],
      ["mangle", "PREROUTING", "allow", true],
      ["filter", "INPUT", "allow", true],
    ]);
    // filter accepted on the mark raw set, not through the host endpoint's filter chain.
    expect(t.tables[2]?.trace.chains).toEqual(["INPUT", "cali-INPUT"]);
  });

  it("a tracked port goes on to the filter table's host endpoint chain and is dropped there", () => {
    const t = traceHostPath(state(HEP, RAW), udp(5353), "input");
    expect(t.verdict).toBe("deny");
    expect(t.tables.map((x) => [x.table, x.untracked])).toEqual([
      ["raw", false],
      ["mangle", false],
      ["filter", false],
    ]);
    expect(t.tables[2]?.trace.final?.chain).toBe("cali-fh-eth0");
  });

  it("a state without host tables gives the filter-only walk, byte for byte", () => {
    const s = state(POD);
    expect(s.tables).toBeUndefined();
    const p: Packet = { ...udp(53, "cali1234", "cali5678"), dstIp: "10.65.0.2" };
    const t = traceHostPath(s, p, "forward");
    expect(t.tables).toHaveLength(1);
    expect(t.tables[0]?.trace).toEqual(tracePacket(s, p));
  });

  it("output stops at the first table that drops", () => {
    const t = traceHostPath(state(HEP), { ...udp(5353, "", "eth0"), srcIp: "192.168.1.10", dstIp: "198.51.100.7" }, "output");
    expect(t.verdict).toBe("deny");
    expect(t.tables.at(-1)?.table).toBe("filter");
    expect(t.tables.at(-1)?.trace.final?.chain).toBe("cali-th-eth0");
  });
});

describe("raw-table syntax", () => {
  it("NOTRACK is a non-terminal action; rpfilter --invert never holds (the reverse path is taken as valid)", () => {
    expect(compileAction("--jump NOTRACK")).toEqual({ kind: "notrack" });
    const preds = compileMatch("-m rpfilter --invert --validmark", () => undefined);
    const p = { src: 1, dst: 2, protocol: 6, srcPort: 1, dstPort: 2, icmpType: undefined, icmpCode: undefined, inInterface: "cali1", outInterface: "", ctState: "NEW", mark: 0 };
    expect(preds.every((x) => x(p))).toBe(false);
    expect(compileMatch("-m rpfilter --validmark", () => undefined).every((x) => x(p))).toBe(true);
  });

  it.each(["--invert", "-m mark --validmark", "-m rpfilter --loose"])("PC8002 for %s", (m) => {
    expect(() => compileMatch(m, () => undefined)).toThrow(TraceError);
    try {
      compileMatch(m, () => undefined);
    } catch (e) {
      expect((e as TraceError).code).toBe("PC8002");
    }
  });

  it("PC8002 for an unknown target (CT, DNAT)", () => {
    expect(() => compileAction("--jump CT --notrack")).toThrow(/not traced|options after/);
    expect(() => compileAction("--jump DNAT")).toThrow(/target DNAT is not traced/);
  });
});
