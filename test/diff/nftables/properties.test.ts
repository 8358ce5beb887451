/**
 * The laws of the nftables diff, checked by executing its output on the model table (model.ts):
 * loading A's script then applying diff(A-as-read, B) gives exactly B (chains with rule hashes in
 * order, base-chain specs, sets, maps); diff(A, A) is empty; shuffled input gives the same bytes;
 * a line the model rejects (an overlap, a missing reference, a busy delete) fails the property.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { diffNft, nftStateAfter } from "../../../src/diff/nftables/plan.js";
import { nftKernelStateOf } from "../../../src/diff/nftables/kernel-state.js";
import { parseNftScript } from "../../../src/diff/nftables/parse-script.js";
import { nftTransactionInput } from "../../../src/diff/nftables/transaction.js";
import { renderNftScript } from "../../../src/render/nftables/script.js";
import type { NftDataplaneState } from "../../../src/render/nftables/types.js";
import { NftModel } from "./model.js";
import { nftState } from "./generators.js";

/** What the table should read back as: no handles, elements canonical and sorted. */
function expected(s: NftDataplaneState) {
  const k = nftKernelStateOf(s);
  return { ...k, chains: k.chains.map((c) => ({ ...c, rules: c.rules.map((r) => r.hash) })), sets: k.sets.map((x) => ({ ...x, elements: [...x.elements].sort() })) };
}
function observed(m: NftModel) {
  const k = m.state();
  return { ...k, chains: k.chains.map((c) => ({ ...c, rules: c.rules.map((r) => r.hash) })) };
}

function shuffle<T>(xs: readonly T[], seed: number): T[] {
  const out = [...xs];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

describe("nftables diff laws (model table)", () => {
  it("renderNftScript(A), then diff(read, B): the table is exactly B, and a second diff is empty", () => {
    fc.assert(
      fc.property(nftState, nftState, (a, b) => {
        const model = new NftModel("ip");
        model.run(renderNftScript([a]));
        expect(observed(model)).toEqual(expected(a));
        const tx = diffNft(model.state(), b);
        model.run(nftTransactionInput(tx));
        expect(observed(model)).toEqual(expected(b));
        for (const c of b.chains) expect(model.bodies(c.name)).toEqual(c.rules.map((r) => r.body));
        expect(diffNft(model.state(), b).lines).toEqual([]);
      }),
      { numRuns: 400 },
    );
  });

  it("from an empty namespace (no table) and through a chain of states, every step converges", () => {
    fc.assert(
      fc.property(fc.array(nftState, { minLength: 1, maxLength: 4 }), (states) => {
        const model = new NftModel("ip");
        for (const s of states) {
          model.run(nftTransactionInput(diffNft(model.state(), s)));
          expect(observed(model)).toEqual(expected(s));
        }
      }),
      { numRuns: 200 },
    );
  });

  it("nftStateAfter predicts the table after the transaction (handles included), so the next diff needs no read", () => {
    fc.assert(
      fc.property(nftState, nftState, nftState, (a, b, c) => {
        const model = new NftModel("ip");
        model.run(renderNftScript([a]));
        const before = model.state();
        const tx = diffNft(before, b);
        model.run(nftTransactionInput(tx));
        const predicted = nftStateAfter(before, b, tx);
        const actual = model.state();
        // Every handle predicted is the real one; unknown (null) handles are allowed.
        predicted.chains.forEach((ch, i) => ch.rules.forEach((r, j) => r.handle !== null && expect(r.handle).toBe(actual.chains[i]?.rules[j]?.handle)));
        // Planning the next change from the prediction works on the real table.
        model.run(nftTransactionInput(diffNft(predicted, c)));
        expect(observed(model)).toEqual(expected(c));
      }),
      { numRuns: 300 },
    );
  });

  it("parseNftScript reads renderNftScript's output back as the same state (both families)", () => {
    fc.assert(
      fc.property(nftState, nftState, (a, b) => {
        const v6: NftDataplaneState = { ...b, ipVersion: 6, family: "ip6", sets: [] , chains: b.chains.map((c) => ({ ...c, rules: c.rules.filter((r) => !r.body.includes("@cali")) })) };
        expect(parseNftScript(renderNftScript([v6, a]))).toEqual([a, v6]);
      }),
      { numRuns: 200 },
    );
  });

  it("diff(A, A) is empty", () => {
    fc.assert(fc.property(nftState, (a) => diffNft(a, a).lines.length === 0), { numRuns: 200 });
  });

  it("shuffled input (chains, sets, elements, map elements in any order) gives the same bytes", () => {
    fc.assert(
      fc.property(nftState, nftState, fc.nat(), (a, b, seed) => {
        const model = new NftModel("ip");
        model.run(renderNftScript([a]));
        const cur = model.state();
        const shuffledCur = { ...cur, chains: shuffle(cur.chains, seed), sets: shuffle(cur.sets, seed + 1).map((s) => ({ ...s, elements: shuffle(s.elements, seed + 2) })), maps: shuffle(cur.maps, seed + 3) };
        const shuffledB = { ...b, sets: shuffle(b.sets, seed + 4).map((s) => ({ ...s, elements: shuffle(s.elements, seed + 5) })), maps: b.maps.map((m) => ({ ...m, elements: shuffle(m.elements, seed + 6) })) };
        expect(nftTransactionInput(diffNft(shuffledCur, shuffledB))).toBe(nftTransactionInput(diffNft(cur, b)));
      }),
      { numRuns: 200 },
    );
  });
});
