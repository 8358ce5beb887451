/**
 * Property tests. Selectors are generated as text together with an independent model of their
 * meaning (written from selector.md §5), with random whitespace, quote styles and operator
 * spellings, so the parser, the compiled matcher and the canonical printer are all checked
 * against the spec rather than against themselves.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { SelectorNode } from "../../src/selector/index.js";
import { labelRestrictions, parseSelector, prefixSelector, SelectorSyntaxError } from "../../src/selector/index.js";

type Labels = Record<string, string>;
interface Gen {
  readonly text: string;
  /** The meaning per selector.md §5. */
  readonly model: (labels: Labels) => boolean;
  /** Needs parentheses to be an operand of ! or && (it is an && or || chain). */
  readonly compound: boolean;
}

const KEYS = ["a", "b", "app", "in", "has", "not", "contains", "x.y/z", "-1", "all"] as const;
const VALUES = ["", "x", "y", "web", "😀", "！", "a b", "'", '"', "\\", "x\ny", "in", "we"] as const;

const key: fc.Arbitrary<string> = fc.constantFrom(...KEYS);
const value: fc.Arbitrary<string> = fc.constantFrom(...VALUES);
const ws = fc.constantFrom("", " ", "  ", "\t", " \t");
const ws1 = fc.constantFrom(" ", "  ", "\t");

const present = (l: Labels, k: string): boolean => Object.hasOwn(l, k);

function quoted(v: string, preferSingle: boolean): string {
  if (v.includes('"')) return `'${v}'`;
  if (v.includes("'")) return `"${v}"`;
  return preferSingle ? `'${v}'` : `"${v}"`;
}

const COMPARE: Record<string, { spellings: readonly string[]; word: boolean; test: (v: string | undefined, s: string) => boolean }> = {
  "==": { spellings: ["=="], word: false, test: (v, s) => v === s },
  "!=": { spellings: ["!="], word: false, test: (v, s) => v !== s },
  contains: { spellings: ["contains"], word: true, test: (v, s) => v !== undefined && v.includes(s) },
  startsWith: { spellings: ["starts with", "startswith", "starts  with", "starts\twith"], word: true, test: (v, s) => v !== undefined && v.startsWith(s) },
  endsWith: { spellings: ["ends with", "endswith", "ends \t with"], word: true, test: (v, s) => v !== undefined && v.endsWith(s) },
};

const compare: fc.Arbitrary<Gen> = fc
  .record({ k: key, op: fc.constantFrom(...Object.keys(COMPARE)), spelling: fc.nat(3), v: value, single: fc.boolean(), w1: ws1, w0: ws, w2: ws })
  .map(({ k, op, spelling, v, single, w1, w0, w2 }) => {
    const spec = COMPARE[op] as (typeof COMPARE)[string];
    const word = spec.spellings[spelling % spec.spellings.length] as string;
    return {
      text: `${k}${spec.word ? w1 : w0}${word}${w2}${quoted(v, single)}`,
      model: (l: Labels) => spec.test(present(l, k) ? l[k] : undefined, v),
      compound: false,
    };
  });

const setTest: fc.Arbitrary<Gen> = fc
  .record({
    k: key,
    negated: fc.boolean(),
    notSpelling: fc.constantFrom("not in", "notin", "not  in", "not\tin"),
    vs: fc.array(fc.record({ v: value, single: fc.boolean(), w: ws }), { maxLength: 4 }),
    trailing: fc.boolean(),
    w1: ws1,
    w2: ws,
  })
  .map(({ k, negated, notSpelling, vs, trailing, w1, w2 }) => {
    const body = vs.map(({ v, single, w }) => `${w}${quoted(v, single)}`).join(",");
    const members = new Set(vs.map(({ v }) => v));
    const isIn = (l: Labels) => present(l, k) && members.has(l[k] as string);
    return {
      text: `${k}${w1}${negated ? notSpelling : "in"}${w2}{${body}${trailing && vs.length > 0 ? "," : ""}}`,
      model: negated ? (l: Labels) => !isIn(l) : isIn,
      compound: false,
    };
  });

const call: fc.Arbitrary<Gen> = fc.oneof(
  fc.record({ k: key, a: ws, b: ws }).map(({ k, a, b }) => ({ text: `has(${a}${k}${b})`, model: (l: Labels) => present(l, k), compound: false })),
  ws.map((w) => ({ text: `all(${w})`, model: () => true, compound: false })),
  ws.map((w) => ({ text: `global(${w})`, model: () => true, compound: false })),
);

const leaf: fc.Arbitrary<Gen> = fc.oneof(compare, setTest, call);

function group(g: Gen, w: string): string {
  return `(${w}${g.text}${w})`;
}

const { expr } = fc.letrec<{ expr: Gen; unary: Gen; chain: Gen }>((tie) => ({
  expr: fc.oneof({ depthSize: "small", withCrossShrink: true }, leaf, tie("unary"), tie("chain")),
  unary: fc.record({ bangs: fc.integer({ min: 1, max: 3 }), operand: tie("expr"), parens: fc.boolean(), w: ws }).map(({ bangs, operand, parens, w }) => {
    const inner = operand.compound || parens ? group(operand, w) : `${w}${operand.text}`;
    const odd = bangs % 2 === 1;
    return { text: `${"!".repeat(bangs)}${inner}`, model: (l: Labels) => operand.model(l) !== odd, compound: false };
  }),
  chain: fc
    .record({ and: fc.boolean(), operands: fc.array(tie("expr"), { minLength: 2, maxLength: 4 }), w: ws, wrap: fc.boolean() })
    .map(({ and, operands, w, wrap }) => {
      const parts = operands.map((o) => (o.compound ? group(o, w) : o.text));
      const text = parts.join(`${w}${and ? "&&" : "||"}${w}`);
      const model = and ? (l: Labels) => operands.every((o) => o.model(l)) : (l: Labels) => operands.some((o) => o.model(l));
      return wrap ? { text: `(${text})`, model, compound: false } : { text, model, compound: true };
    }),
}));

const selectorText = fc.tuple(ws, expr, ws).map(([a, g, b]) => ({ ...g, text: `${a}${g.text}${b}` }));
const labels: fc.Arbitrary<Labels> = fc.dictionary(key, value, { maxKeys: 6 });

function hasDoubleNot(node: SelectorNode): boolean {
  switch (node.kind) {
    case "Not":
      return node.operand.kind === "Not" || hasDoubleNot(node.operand);
    case "And":
    case "Or":
      return node.operands.some(hasDoubleNot);
    default:
      return false;
  }
}

const RUNS = { numRuns: 400 };

describe("selector properties", () => {
  it("generated valid selectors always parse, and match exactly as the spec's semantics say", () => {
    fc.assert(
      fc.property(selectorText, fc.array(labels, { minLength: 1, maxLength: 8 }), (g, samples) => {
        const sel = parseSelector(g.text);
        for (const l of samples) expect(sel.matches(l)).toBe(g.model(l));
      }),
      RUNS,
    );
  });

  it("the canonical form re-parses to itself, except for NOT-of-NOT from parentheses (§6.4)", () => {
    fc.assert(
      fc.property(selectorText, (g) => {
        const first = parseSelector(g.text);
        const second = parseSelector(first.canonical);
        if (hasDoubleNot(first.ast)) {
          expect(second.canonical).not.toBe(first.canonical);
          expect(first.canonical).toContain("!!");
        } else {
          expect(second.canonical).toBe(first.canonical);
          expect(second.id).toBe(first.id);
          expect(second.ast).toEqual(first.ast);
        }
        // One re-parse always reaches the fixed point.
        expect(parseSelector(second.canonical).canonical).toBe(second.canonical);
        expect(first.id).toMatch(/^s:[A-Za-z0-9_-]{38}$/);
      }),
      RUNS,
    );
  });

  it("a selector and its canonical form agree on random label maps", () => {
    fc.assert(
      fc.property(selectorText, fc.array(labels, { minLength: 1, maxLength: 8 }), (g, samples) => {
        const sel = parseSelector(g.text);
        const canonical = parseSelector(sel.canonical);
        for (const l of samples) expect(canonical.matches(l)).toBe(sel.matches(l));
      }),
      RUNS,
    );
  });

  it("prefixing labels commutes with evaluation", () => {
    fc.assert(
      fc.property(selectorText, labels, (g, l) => {
        const prefixed = prefixSelector(parseSelector(g.text), "pcns.");
        const moved = Object.fromEntries(Object.entries(l).map(([k, v]) => [`pcns.${k}`, v]));
        expect(prefixed.matches(moved)).toBe(g.model(l));
      }),
      RUNS,
    );
  });

  it("label restrictions are necessary conditions of a match", () => {
    fc.assert(
      fc.property(selectorText, fc.array(labels, { minLength: 1, maxLength: 8 }), (g, samples) => {
        const sel = parseSelector(g.text);
        const restrictions = labelRestrictions(sel);
        for (const l of samples) {
          if (!sel.matches(l) || restrictions === null) continue;
          for (const [k, r] of restrictions) {
            if (r.mustBePresent) expect(present(l, k)).toBe(true);
            if (r.mustBeAbsent) expect(present(l, k)).toBe(false);
            if (r.mustHaveOneOf !== null) expect(r.mustHaveOneOf).toContain(l[k]);
          }
        }
      }),
      RUNS,
    );
  });

  const fragments = fc.constantFrom(
    "a", "b", " ", "\t", "\n", "(", ")", "{", "}", ",", "==", "!=", "=", "!", "&&", "&", "||", "|", '"', "'", '"x"', "'y'",
    "has(", "all(", "global(", "in", "not", "notin", "contains", "starts", "with", "ends", "ä", "😀", "l".repeat(300),
  );

  it("never crashes: any string parses or throws a SelectorSyntaxError that points inside the text", () => {
    const inputs = fc.oneof(fc.string({ unit: "binary", maxLength: 40 }), fc.array(fragments, { maxLength: 14 }).map((p) => p.join("")));
    fc.assert(
      fc.property(inputs, (text) => {
        try {
          const sel = parseSelector(text);
          expect(sel.id).toHaveLength(40);
        } catch (e) {
          expect(e).toBeInstanceOf(SelectorSyntaxError);
          const err = e as SelectorSyntaxError;
          expect(err.offset).toBeGreaterThanOrEqual(0);
          expect(err.offset).toBeLessThanOrEqual(text.length);
          expect(err.column).toBeGreaterThanOrEqual(1);
          expect(err.column).toBeLessThanOrEqual(err.offset + 1);
          expect(err.expected.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 3000 },
    );
  });
});
