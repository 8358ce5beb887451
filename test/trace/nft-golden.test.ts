/**
 * The nftables trace agrees with the iptables trace: on every golden scenario, both families,
 * every pair and probe of the matrix (TCP, UDP, ICMP) has the same verdict when the nodes are
 * compiled with compileNft as with compile; and explaining a pair alone over nftables gives the
 * matrix's verdict, names nft chains and rule bodies, and names a policy, profile or tier for
 * every decision a user wrote.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { readInputs } from "../../src/cli/files.js";
import { parseHostInterfaces } from "../../src/cli/host-interface-flags.js";
import { loadSources } from "../../src/model/index.js";
import { compileNftBoth } from "../../src/render/index.js";
import { FlowTracer, NftTracer, reachabilityMatrix, type FlowPeer, type MatrixOptions, type TraceProtocol } from "../../src/trace/index.js";

const root = resolve(import.meta.dirname, "../..");
const scenarios = readdirSync(join(root, "golden"), { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(root, "golden", d.name, "input")))
  .map((d) => d.name);
const pod = (key: string): FlowPeer => {
  const [namespace, name] = key.split("/") as [string, string];
  return { kind: "pod", namespace, name };
};

describe.each(scenarios)("%s", (name) => {
  it("every rule of every node's compiled table is one the interpreter reads", async () => {
    const sources = await readInputs([join("golden", name, "input")], root);
    const { model } = loadSources(sources);
    const file = join(root, "golden", name, "host-interfaces");
    const hosts = existsSync(file) ? { hostInterfaces: parseHostInterfaces(readFileSync(file, "utf8").split("\n").filter((l) => l.trim() !== "")) } : {};
    const nodes = [...new Set([...model.endpoints.map((e) => e.node), ...model.hostEndpoints.map((h) => h.node)].filter((n): n is string => n !== undefined))];
    let rules = 0;
    for (const node of nodes) {
      const { v4, v6 } = compileNftBoth(model, { node, ...hosts });
      for (const table of v6 ? [v4, v6] : [v4]) {
        const tracer = new NftTracer(table);
        for (const c of table.chains) rules += tracer.chain(c.name).rules.length;
      }
    }
    if (nodes.length > 0) expect(rules).toBeGreaterThan(0);
  });

  it("nftables verdicts equal iptables verdicts on every pair", async () => {
    const sources = await readInputs([join("golden", name, "input")], root);
    const { model } = loadSources(sources);
    const file = join(root, "golden", name, "host-interfaces");
    const hosts = existsSync(file) ? { hostInterfaces: parseHostInterfaces(readFileSync(file, "utf8").split("\n").filter((l) => l.trim() !== "")) } : {};
    const nftTracer = new FlowTracer(model, { sources, ...hosts, dataplane: "nftables" });
    let compared = 0;
    for (const ipVersion of [4, 6] as const) {
      for (const protocol of ["TCP", "UDP", "ICMP"] as TraceProtocol[]) {
        const options: MatrixOptions = { protocol, ipVersion, ...hosts };
        const ipt = reachabilityMatrix(model, options);
        const nft = reachabilityMatrix(model, { ...options, dataplane: "nftables" });
        const iptPairs = [...ipt.pairs()];
        expect([...nft.pairs()]).toEqual(iptPairs);
        // nft scans every layer's rules for source ports (the raw failsafe chains match `sport`),
        // the iptables scan only the filter table's: every iptables boundary is an nft one.
        const starts = new Set(nft.sourcePortRanges.map((r) => r.first));
        for (const r of ipt.sourcePortRanges) expect(starts.has(r.first), `source port boundary ${r.first}`).toBe(true);
        compared += iptPairs.length;
        for (const p of iptPairs.slice(0, 150)) {
          const e = nftTracer.explain({ from: pod(p.from), to: pod(p.to), protocol: p.protocol, ipVersion, ...(p.port !== null && { port: p.port }) });
          expect(e.verdict, `${p.from} -> ${p.to} ${p.protocol}/${String(p.port)} IPv${ipVersion}`).toBe(p.verdict);
          for (const h of e.hops) {
            expect(h.table, "every nft hop names its stage").toBeDefined();
            if (h.decidedBy === undefined) continue;
            expect(h.decidedBy.nft, `${p.from} -> ${p.to}: the rule body`).toEqual(expect.any(String));
            expect(h.decidedBy.chain).toMatch(/^(filter|mangle|raw)-/);
            if (h.endpoint !== "-") expect(h.decidedBy.kind, `${p.from} -> ${p.to} ${h.direction}`).not.toBe("rule");
          }
        }
      }
    }
    if (loadSources(sources).model.endpoints.length >= 2) expect(compared).toBeGreaterThan(0);
  });
});
