/**
 * kernelStateAfter: the state a transaction leaves behind, computed instead of read. The law: for
 * any kernel (with foreign rules, chains and sets) in state A and any desired B, executing
 * diff(A, B) on the model kernel gives exactly kernelStateAfter(A, diff(A, B), B) — whenever the
 * diff left nothing owned in place (no notes); otherwise the function declines (null).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { diff } from "../../src/diff/diff.js";
import { kernelStateAfter } from "../../src/dataplane/expected.js";
import type { KernelState } from "../../src/diff/kernel-state.js";
import { ModelKernel } from "../diff/model-kernel.js";
import { applyTo } from "../diff/harness.js";
import { dataplaneState, foreign } from "../diff/generators.js";

/** Identity of rules by hash and text; member order as saved. */
const comparable = (k: KernelState) => ({
  chains: k.chains.map((c) => ({ name: c.name, rules: c.rules.map((r) => `${r.hash ?? "-"} ${r.text}`) })),
  ipsets: k.ipsets.map((s) => ({ name: s.name, type: s.type, members: [...s.members].sort() })),
});

describe.each(["legacy", "nft"] as const)("kernelStateAfter (%s)", (backend) => {
  for (const hookMode of ["insert", "append"] as const) {
    it(`equals the model kernel after diff(A, B) ran (${hookMode} hooks)`, () => {
      let predicted = 0;
      fc.assert(
        fc.property(foreign, dataplaneState, dataplaneState, (f, a, b) => {
          const kernel = new ModelKernel(backend);
          kernel.ipsetRestore(f.ipsets);
          kernel.iptablesRestore(f.iptables);
          applyTo(kernel, diff(kernel.state(), a, { backend, hookMode }));
          const before = kernel.state();
          const tx = diff(before, b, { backend, hookMode });
          applyTo(kernel, tx);
          const after = kernelStateAfter(before, tx, b, hookMode);
          if (tx.notes.length > 0) expect(after).toBeNull();
          else {
            predicted++;
            expect(comparable(after as KernelState)).toEqual(comparable(kernel.state()));
          }
        }),
        { numRuns: 300 },
      );
      expect(predicted).toBeGreaterThan(200);
    });
  }
});
