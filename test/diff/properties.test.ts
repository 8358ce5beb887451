/**
 * The laws of the diff engine, checked by executing its output on the model kernel:
 * applying diff(A, B) to a kernel in state A gives exactly B; diff(A, A) is empty; rules whose
 * hash did not change are never rewritten; foreign rules, chains and sets survive untouched.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { diff } from "../../src/diff/diff.js";
import { isEmptyTransaction } from "../../src/diff/transaction.js";
import { isKernelChain, isOwnedChain, kernelStateOf, type KernelState } from "../../src/diff/kernel-state.js";
import type { DataplaneState } from "../../src/render/types.js";
import { ModelKernel } from "./model-kernel.js";
import { applyTo } from "./harness.js";
import { dataplaneState, foreign, type Foreign } from "./generators.js";

const BACKENDS = ["legacy", "nft"] as const;

/** What policy-compile owns in a kernel state, as comparable plain data. */
function owned(k: KernelState) {
  return {
    chains: k.chains.filter((c) => isOwnedChain(c.name)).map((c) => ({ name: c.name, rules: c.rules.map((r) => r.text) })),
    hooks: k.chains.filter((c) => isKernelChain(c.name)).map((c) => ({ name: c.name, rules: c.rules.filter((r) => r.hash !== null).map((r) => r.text) })),
    ipsets: k.ipsets.filter((s) => s.name.startsWith("cali4")),
  };
}

/** Foreign rules in kernel chains (with identities), foreign chains and foreign sets. */
function foreignView(kernel: ModelKernel) {
  const k = kernel.state();
  return {
    inKernelChains: ["FORWARD", "INPUT", "OUTPUT"].map((c) => kernel.rules(c).filter((r) => !/^-m comment --comment "cali:/.test(r.text))),
    chains: k.chains.filter((c) => !isOwnedChain(c.name) && !isKernelChain(c.name)).map((c) => ({ c, ids: kernel.ruleIds(c.name) })),
    ipsets: k.ipsets.filter((s) => !s.name.startsWith("cali4")),
  };
}

function kernelWith(f: Foreign, backend: "legacy" | "nft"): ModelKernel {
  const kernel = new ModelKernel(backend);
  kernel.ipsetRestore(f.ipsets);
  kernel.iptablesRestore(f.iptables);
  return kernel;
}

function converge(kernel: ModelKernel, desired: DataplaneState, backend: "legacy" | "nft"): void {
  applyTo(kernel, diff(kernel.state(), desired, { backend }));
}

describe.each(BACKENDS)("diff laws (%s)", (backend) => {
  it("diff(A, A) is empty", () => {
    fc.assert(fc.property(dataplaneState, (a) => isEmptyTransaction(diff(a, a, { backend }))), { numRuns: 300 });
  });

  it("applying diff(A, B) to A gives exactly B, and then diff is empty", () => {
    fc.assert(
      fc.property(dataplaneState, dataplaneState, (a, b) => {
        const kernel = new ModelKernel(backend);
        applyTo(kernel, diff(kernel.state(), a, { backend }));
        expect(owned(kernel.state())).toEqual(owned(kernelStateOf(a)));
        applyTo(kernel, diff(kernel.state(), b, { backend }));
        expect(owned(kernel.state())).toEqual(owned(kernelStateOf(b)));
        expect(isEmptyTransaction(diff(kernel.state(), b, { backend }))).toBe(true);
      }),
      { numRuns: 400 },
    );
  });

  it("diff from a DataplaneState equals diff from the kernel state it describes", () => {
    fc.assert(
      fc.property(dataplaneState, dataplaneState, (a, b) => {
        expect(diff(a, b, { backend })).toEqual(diff(kernelStateOf(a), b, { backend }));
      }),
      { numRuns: 200 },
    );
  });

  it("foreign rules, chains and sets survive untouched, and hooks stay at the top", () => {
    fc.assert(
      fc.property(foreign, dataplaneState, dataplaneState, (f, a, b) => {
        const kernel = kernelWith(f, backend);
        const before = foreignView(kernel);
        converge(kernel, a, backend);
        converge(kernel, b, backend);
        expect(foreignView(kernel)).toEqual(before);
        expect(owned(kernel.state())).toEqual(owned(kernelStateOf(b)));
        for (const h of b.hooks) {
          const texts = kernel.rules(h.chain).map((r) => r.text);
          const want = owned(kernelStateOf(b)).hooks.find((x) => x.name === h.chain)?.rules ?? [];
          expect(texts.slice(0, h.inserts.length)).toEqual(want.slice(0, h.inserts.length));
          expect(texts.slice(texts.length - h.appends.length)).toEqual(want.slice(h.inserts.length));
        }
      }),
      { numRuns: 300 },
    );
  });

  it("a foreign rule inserted above the hooks is followed by moving the hooks back on top", () => {
    fc.assert(
      fc.property(dataplaneState, (a) => {
        const kernel = new ModelKernel(backend);
        converge(kernel, a, backend);
        kernel.iptablesRestore("*filter\n-I FORWARD 1 -j DROP\n-I INPUT 1 -j DROP\nCOMMIT\n");
        converge(kernel, a, backend);
        for (const h of a.hooks) {
          const rules = kernel.rules(h.chain);
          expect(rules.slice(0, h.inserts.length).every((r) => r.text.startsWith('-m comment --comment "cali:'))).toBe(true);
          expect(rules.filter((r) => r.text === "-j DROP")).toHaveLength(h.chain === "OUTPUT" ? 0 : 1);
        }
        expect(isEmptyTransaction(diff(kernel.state(), a, { backend }))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});

describe("counters (rule identities) survive", () => {
  it("legacy: a rule whose hash did not change is never rewritten", () => {
    fc.assert(
      fc.property(dataplaneState, dataplaneState, (a, b) => {
        const kernel = new ModelKernel("legacy");
        converge(kernel, a, "legacy");
        const ids = new Map(a.chains.map((c) => [c.name, kernel.ruleIds(c.name)]));
        converge(kernel, b, "legacy");
        for (const c of b.chains) {
          const old = a.chains.find((x) => x.name === c.name);
          if (!old) continue;
          const now = kernel.ruleIds(c.name);
          c.rules.forEach((r, i) => {
            if (old.rules[i]?.hash === r.hash) expect(now[i]).toBe(ids.get(c.name)?.[i]);
          });
        }
      }),
      { numRuns: 400 },
    );
  });

  it.each(BACKENDS)("%s: chains and hooks that did not change keep all their rules", (backend) => {
    fc.assert(
      fc.property(dataplaneState, dataplaneState, (a, b) => {
        const kernel = new ModelKernel(backend);
        converge(kernel, a, backend);
        const ids = new Map(["FORWARD", "INPUT", "OUTPUT", ...a.chains.map((c) => c.name)].map((n) => [n, kernel.ruleIds(n)]));
        converge(kernel, b, backend);
        for (const c of b.chains) {
          const old = a.chains.find((x) => x.name === c.name);
          if (old && JSON.stringify(old.rules) === JSON.stringify(c.rules)) expect(kernel.ruleIds(c.name)).toEqual(ids.get(c.name));
        }
        for (const h of b.hooks) {
          const old = a.hooks.find((x) => x.chain === h.chain);
          if (old && JSON.stringify(old) === JSON.stringify(h)) expect(kernel.ruleIds(h.chain)).toEqual(ids.get(h.chain));
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe("determinism", () => {
  it("the transaction does not depend on the order of chains, sets and members in the input", () => {
    fc.assert(
      fc.property(dataplaneState, dataplaneState, fc.integer(), (a, b, seed) => {
        const shuffle = <T>(xs: readonly T[]): T[] => {
          const out = [...xs];
          let s = seed;
          for (let i = out.length - 1; i > 0; i--) {
            s = (s * 1103515245 + 12345) & 0x7fffffff;
            const j = s % (i + 1);
            [out[i], out[j]] = [out[j] as T, out[i] as T];
          }
          return out;
        };
        const b2: DataplaneState = {
          ...b,
          chains: shuffle(b.chains),
          hooks: shuffle(b.hooks),
          ipsets: shuffle(b.ipsets).map((s) => ({ ...s, members: shuffle(s.members) })),
        };
        const cur = kernelStateOf(a);
        const cur2: KernelState = { ...cur, chains: shuffle(cur.chains), ipsets: shuffle(cur.ipsets) };
        expect(diff(cur2, b2)).toEqual(diff(cur, b));
      }),
      { numRuns: 200 },
    );
  });
});
