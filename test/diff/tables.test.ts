/**
 * The diff over the mangle and raw tables: the same rules as filter (minimal, owned-only,
 * delete by value from kernel chains), each table in its own `*<table> … COMMIT` block.
 */
import { describe, expect, it } from "vitest";
import { diff } from "../../src/diff/diff.js";
import { isEmptyTransaction } from "../../src/diff/transaction.js";
import { kernelStateOf } from "../../src/diff/kernel-state.js";
import { loadSources } from "../../src/model/load.js";
import { compile } from "../../src/render/compile.js";

const HEP = "apiVersion: projectcalico.org/v3\nkind: HostEndpoint\nmetadata: {name: h, labels: {role: edge}}\nspec: {node: node-1, interfaceName: eth0}\n";
const RAW = "apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: raw}\nspec: {selector: role == 'edge', doNotTrack: true, applyOnForward: true, ingress: [{action: Allow, protocol: UDP, destination: {ports: [53]}}]}\n";
const state = (...docs: string[]) => compile(loadSources(docs.map((text, i) => ({ file: `d${i}.yaml`, text }))).model, { node: "node-1" });

describe("diff over mangle and raw", () => {
  it("diff(s, s) is empty with tables", () => {
    const s = state(HEP, RAW);
    expect(isEmptyTransaction(diff(kernelStateOf(s), s))).toBe(true);
  });

  it("adding untracked policy writes only a *raw block", () => {
    const tx = diff(kernelStateOf(state(HEP)), state(HEP, RAW));
    expect(tx.iptables.filter((l) => l.startsWith("*"))).toEqual(["*raw"]);
    expect(tx.iptables).toContain(`-I PREROUTING 1 -m comment --comment "cali:6gwbT8clXdHdC1b1" --jump cali-PREROUTING`);
  });

  it.each(["legacy", "nft"] as const)("removing the host endpoint removes mangle and raw content (%s)", (backend) => {
    const tx = diff(kernelStateOf(state(HEP, RAW)), state(), { backend });
    const blocks = tx.iptables.filter((l) => l.startsWith("*"));
    expect(blocks).toEqual(backend === "nft" ? ["*filter", "*filter", "*mangle", "*mangle", "*raw", "*raw"] : ["*filter", "*mangle", "*raw"]);
    // Hooks go by value, never by index; chains are flushed then deleted.
    expect(tx.iptables).toContain(`-D PREROUTING -m comment --comment "cali:6gwbT8clXdHdC1b1" --jump cali-PREROUTING`);
    expect(tx.iptables).toContain("--delete-chain cali-fh-eth0");
    expect(tx.iptables.some((l) => /^-D \S+ \d+$/.test(l) && !l.startsWith("-D cali-"))).toBe(false);
  });

  it("leaves a foreign rule in a kernel chain of mangle alone", () => {
    const cur = kernelStateOf(state(HEP));
    const withForeign = {
      ...cur,
      tables: cur.tables?.map((t) => ({
        ...t,
        chains: t.chains.map((c) => (c.name === "PREROUTING" ? { ...c, rules: [...c.rules, { hash: null, text: "-j KUBE-MARK" }] } : c)),
      })),
    };
    const tx = diff(withForeign, state());
    expect(tx.iptables.join("\n")).not.toContain("KUBE-MARK");
  });
});
