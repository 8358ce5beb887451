/** The reference's worked `ip calico` table (§1.3, §3.6, §3.8) traced: each path a pod's packet takes, stage by stage. */
import { describe, expect, it } from "vitest";
import { renderNftScript } from "../../src/render/nftables/script.js";
import type { RuleOrigins } from "../../src/render/origins.js";
import { NftTracer, traceProgramPath, type Packet } from "../../src/trace/index.js";
import { ALLOW_HTTP_SET, POLICY_RULE_HASH, workedTable } from "./nft-worked.js";

const A = { iface: "cali1234", ip: "10.65.0.7", allowHttp: true };
const C = { iface: "cali5678", ip: "10.65.0.8" };
const table = workedTable([A, C], ["10.65.0.8", "10.65.1.9"]);
const origins: RuleOrigins = {
  kind: "RuleOrigins",
  byHash: new Map([[POLICY_RULE_HASH, { kind: "policyRule" as const, policyKind: "np" as const, namespace: "default", name: "allow-http", tier: "default", direction: "ingress" as const, ruleIndex: 0, action: "Allow" }]]),
  groups: new Map(),
};
const tracer = new NftTracer(table, origins);
const tcp = (srcIp: string, dstIp: string, inInterface: string, outInterface: string, dstPort = 80): Packet => ({
  kind: "Packet", srcIp, dstIp, protocol: 6, srcPort: 40000, dstPort, inInterface, outInterface, ctState: "NEW",
});

describe("the worked table", () => {
  it("prints as a script the whole-text guard accepts, sets and maps before the rules that use them", () => {
    const script = renderNftScript([table]);
    const lines = script.split("\n");
    const at = (prefix: string) => lines.findIndex((l) => l.startsWith(prefix));
    expect(at(`add set ip calico ${ALLOW_HTTP_SET}`)).toBeLessThan(at("add rule ip calico filter-cali-pi-np/default/allow-http"));
    expect(lines).toContain("add element ip calico filter-cali-to-wl-dispatch { cali1234 : goto filter-cali-tw-cali1234, cali5678 : goto filter-cali-tw-cali5678 }");
  });

  it("same node, allowed: raw, mangle, nat prerouting, filter forward, mangle and nat postrouting; the policy rule decides ingress", () => {
    const t = traceProgramPath(tracer, tcp(C.ip, A.ip, C.iface, A.iface), "forward");
    expect(t.verdict).toBe("allow");
    expect(t.tables.map((x) => `${x.table} ${x.hook}`)).toEqual(["raw PREROUTING", "mangle PREROUTING", "nat PREROUTING", "filter FORWARD", "mangle POSTROUTING", "nat POSTROUTING"]);
    const filter = t.tables[3]?.trace;
    expect(filter?.chains).toEqual([
      "filter-FORWARD", "filter-cali-FORWARD", "filter-cali-from-hep-forward", "filter-cali-from-wl-dispatch", "filter-cali-fw-cali5678",
      "filter-cali-pro-kns.default", "filter-cali-to-wl-dispatch", "filter-cali-tw-cali1234", "filter-cali-pi-np/default/allow-http",
      "filter-cali-to-hep-forward", "filter-cali-cidr-block",
    ]);
    expect(filter?.endpoints.map((e) => [e.chain, e.direction, e.interfaceName, e.verdict, e.decidedBy?.hash])).toEqual([
      ["filter-cali-fw-cali5678", "egress", "cali5678", "allow", expect.any(String)],
      ["filter-cali-tw-cali1234", "ingress", "cali1234", "allow", POLICY_RULE_HASH],
    ]);
    expect(filter?.endpoints[1]?.decidedBy).toMatchObject({
      chain: "filter-cali-pi-np/default/allow-http",
      index: 0,
      match: `meta l4proto tcp ip saddr @${ALLOW_HTTP_SET} tcp dport { 80, 443 }`,
      action: "counter meta mark set mark or 0x10000",
      origin: { kind: "policyRule", name: "allow-http", ruleIndex: 0 },
    });
    // filter-FORWARD's second rule accepts on the accept mark the policy set.
    expect(filter?.final).toMatchObject({ chain: "filter-FORWARD", index: 1, hash: "yp7iNUYNEhDmKF6E" });
    // mangle-POSTROUTING returns on the accept mark (no host endpoint policy for forwarded traffic).
    expect(t.tables[4]?.trace.steps.map((s) => s.action)).toEqual(["counter jump mangle-cali-POSTROUTING", "counter return"]);
  });

  it("another port: the end-of-tier drop, which is final for every later stage", () => {
    const t = traceProgramPath(tracer, tcp(C.ip, A.ip, C.iface, A.iface, 22), "forward");
    expect(t.verdict).toBe("deny");
    expect(t.tables.map((x) => x.table)).toEqual(["raw", "mangle", "nat", "filter"]);
    expect(t.tables[3]?.trace.final).toMatchObject({ chain: "filter-cali-tw-cali1234", index: 6, comment: "End of tier default. Drop if no policies passed packet" });
  });

  it("a source outside the selector set is dropped at the end of the tier; the profile pod takes anything", () => {
    expect(traceProgramPath(tracer, tcp("10.65.1.10", A.ip, "eth0", A.iface), "forward").verdict).toBe("deny");
    expect(traceProgramPath(tracer, tcp("10.65.1.9", A.ip, "eth0", A.iface), "forward").verdict).toBe("allow");
    expect(traceProgramPath(tracer, tcp("10.65.1.10", C.ip, "eth0", C.iface, 22), "forward").verdict).toBe("allow");
  });

  it("an interface no map element names: Unknown interface", () => {
    const t = traceProgramPath(tracer, tcp("10.65.0.99", A.ip, "cali0000", A.iface), "forward");
    expect(t.verdict).toBe("deny");
    expect(t.tables.at(-1)?.trace.final).toMatchObject({ chain: "filter-cali-from-wl-dispatch", index: 1, hash: "KMISEjprqaGFiicp", comment: "Unknown interface" });
  });

  it("a pod to its host: egress policy, then DefaultEndpointToHostAction (drop)", () => {
    const t = traceProgramPath(tracer, tcp(C.ip, "10.65.0.1", C.iface, ""), "input");
    expect(t.verdict).toBe("deny");
    expect(t.tables.at(-1)?.trace.chains).toEqual(["filter-INPUT", "filter-cali-INPUT", "filter-cali-wl-to-host", "filter-cali-from-wl-dispatch", "filter-cali-fw-cali5678", "filter-cali-pro-kns.default"]);
    expect(t.tables.at(-1)?.trace.final).toMatchObject({ chain: "filter-cali-wl-to-host", comment: "Configured DefaultEndpointToHostAction" });
  });

  it("the host to a pod: filter-cali-OUTPUT returns for cali interfaces; nat OUTPUT runs after filter (priority 110), then postrouting", () => {
    const t = traceProgramPath(tracer, tcp("10.65.0.1", A.ip, "", A.iface), "output");
    expect(t.verdict).toBe("allow");
    expect(t.tables.map((x) => `${x.table} ${x.hook}`)).toEqual(["raw OUTPUT", "filter OUTPUT", "nat OUTPUT", "mangle POSTROUTING", "nat POSTROUTING"]);
  });
});
