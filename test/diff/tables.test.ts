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
import { join, resolve } from "node:path";
import type { KernelState } from "../../src/diff/kernel-state.js";
import { applyTo } from "./harness.js";
import { ModelKernel } from "./model-kernel.js";
import { readInputs } from "../../src/cli/files.js";

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

/**
 * The model kernel runs `*mangle` and `*raw` blocks like `*filter`, so the diff's output over
 * every table is executed offline: walking through the hep-* golden scenarios (and back to
 * nothing), each diff applied to the model kernel leaves exactly the desired state, and diffing
 * again is empty. Both backends (nft deletes chains in a second block).
 */
describe.each(["legacy", "nft"] as const)("diff over mangle and raw, executed on the model kernel (%s)", (backend) => {
  const root = resolve(import.meta.dirname, "../..");
  const scenarios = ["hep-named", "hep-prednat", "hep-donottrack", "hep-wildcard", "hep-apply-on-forward"];
  const golden = async (name: string) => {
    const sources = await readInputs([join("golden", name, "input")], root);
    const loaded = loadSources(sources);
    expect(loaded.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    return compile(loaded.model, { node: "node-1" });
  };
  const sorted = (k: KernelState) => ({
    ...k,
    chains: [...k.chains].sort((a, b) => (a.name < b.name ? -1 : 1)),
    ...(k.tables && { tables: k.tables.map((t) => ({ ...t, chains: [...t.chains].sort((a, b) => (a.name < b.name ? -1 : 1)) })) }),
  });

  it("each step's diff, applied, gives the desired filter, mangle and raw tables", async () => {
    const kernel = new ModelKernel(backend);
    const steps = [...(await Promise.all(scenarios.map(golden))), state(HEP), state(HEP, RAW), state()];
    for (const desired of steps) {
      expect(desired.tables === undefined || desired.tables.length > 0).toBe(true);
      applyTo(kernel, diff(kernel.state(), desired, { backend }));
      expect(sorted(kernel.state())).toEqual(sorted(kernelStateOf(desired)));
      expect(isEmptyTransaction(diff(kernel.state(), desired, { backend }))).toBe(true);
    }
    // The walk really wrote and removed both extra tables.
    const blocks = kernel.log.filter((l) => l.program === "iptables-restore").map((l) => l.input);
    expect(blocks.some((b) => b.includes("*raw"))).toBe(true);
    expect(blocks.some((b) => b.includes("*mangle"))).toBe(true);
    expect(kernel.state().tables).toBeUndefined();
  });

  it("fails like the kernel: a mangle rule jumping to a chain that exists only in filter", () => {
    const kernel = new ModelKernel(backend);
    kernel.iptablesRestore("*filter\n:cali-x - -\nCOMMIT\n");
    expect(() => kernel.iptablesRestore("*mangle\n-A PREROUTING --jump cali-x\nCOMMIT\n")).toThrow(/Couldn't load target `cali-x'/);
    expect(() => kernel.iptablesRestore("*nat\nCOMMIT\n")).toThrow(/unsupported table/);
    expect(() => kernel.iptablesRestore("*raw\n-X PREROUTING\nCOMMIT\n")).toThrow(/built-in/);
  });
});
