import { describe, expect, it } from "vitest";
import { namedPortIpSetId, parseSelector, selectorId, selectorIpSetName } from "../../src/selector/index.js";

describe("selector ids (selector.md §7, upstream-asserted vectors)", () => {
  it.each([
    ["all()", "s:5y5I3VdRZfDU01O--xXAPx2yxCQQqMf0M6IWug"],
    ["", "s:5y5I3VdRZfDU01O--xXAPx2yxCQQqMf0M6IWug"],
    ["! (has( b)||! has(a ))", "s:Iss0uCleLYv1GSv_pNm7hAO58kE9jAx1NKyG3Q"],
    ['! (a == "b"&&! c != "d")', "s:lh3haoY1ikTRkd4UZu0nWSaIBknYLPJLX16d-w"],
  ])("%j has id %s", (text, id) => {
    const sel = parseSelector(text);
    expect(sel.id).toBe(id);
    expect(sel.id).toHaveLength(40);
    expect(selectorId(sel.canonical)).toBe(id);
  });

  it("names the ipset of all() as Felix does", () => {
    const id = parseSelector("all()").id;
    expect(selectorIpSetName(id, 4)).toBe("cali40s:5y5I3VdRZfDU01O--xXAPx2");
    expect(selectorIpSetName(id, 6)).toBe("cali60s:5y5I3VdRZfDU01O--xXAPx2");
    expect(selectorIpSetName(id, 4)).toHaveLength(31);
  });

  it("global() and all() match the same labels but have different ids", () => {
    const a = parseSelector("all()");
    const g = parseSelector("global()");
    expect(g.canonical).toBe("global()");
    expect(g.id).not.toBe(a.id);
  });

  it("derives named-port ipset ids with the n: scheme, distinct per protocol and name", () => {
    const sel = parseSelector("all()").id;
    const tcp = namedPortIpSetId(sel, "tcp", "http");
    expect(tcp).toMatch(/^n:[A-Za-z0-9_-]{38}$/);
    expect(namedPortIpSetId(sel, "udp", "http")).not.toBe(tcp);
    expect(namedPortIpSetId(sel, "tcp", "https")).not.toBe(tcp);
    expect(namedPortIpSetId(sel, "tcp", "http")).toBe(tcp);
  });
});
