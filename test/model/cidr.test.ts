/** CIDR parsing: the IPv4 scanner accepts exactly the dotted quads the definition does. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatCidr, parseCidr } from "../../src/model/cidr.js";

// The definition: four parts split on '.', each `0` or 1–3 digits without a leading zero, ≤ 255.
function definitionIPv4(text: string): number[] | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  const out: number[] = [];
  for (const p of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    out.push(n);
  }
  return out;
}

describe("parseCidr", () => {
  it.each([
    ["10.1.2.3/8", "10.0.0.0/8"],
    ["10.0.0.5", "10.0.0.5/32"],
    ["0.0.0.0/0", "0.0.0.0/0"],
    ["255.255.255.255", "255.255.255.255/32"],
  ])("%s → %s", (text, expected) => {
    const c = parseCidr(text, true);
    expect(c && formatCidr(c)).toBe(expected);
  });

  it.each(["10.0.0.01", "10.0.0.256", "10.0.0", "10.0.0.0.0", "10..0.0", "10.0.0.0.", ".10.0.0.0", "1e1.0.0.0", "10.0.0.-1", "10.0.0.1 ", "０.0.0.0", "1000.0.0.0"])("rejects %j", (text) => {
    expect(parseCidr(text, true)).toBeUndefined();
  });

  it("accepts exactly the IPv4 addresses the definition accepts, with the same bytes", () => {
    const part = fc.oneof(fc.nat(300).map(String), fc.constantFrom("", "0", "00", "01", "255", "256", "999", "1000", "a", "-1", " 1", "1 "), fc.string({ maxLength: 4 }));
    fc.assert(
      fc.property(fc.array(part, { minLength: 1, maxLength: 6 }), (parts) => {
        const text = parts.join(".");
        const want = definitionIPv4(text);
        const got = parseCidr(text, true);
        if (want === undefined) expect(got === undefined || got.version === 6).toBe(true);
        else expect(got).toStrictEqual({ version: 4, bytes: want, prefix: 32 });
      }),
      { numRuns: 5000 },
    );
  });
});
