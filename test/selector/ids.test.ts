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

  // Computed independently with Python's hashlib: "s:" + urlsafe_b64encode(sha224(b"s:" + canonical)).rstrip("=")
  it.each([
    ['app=="web"', "s:oy593DLyi5BRwxLRqXScOfE9YMyW5S4KAhmzFg"],
    ['a in {"😀", "z", "！"}', "s:pJOonSq6_58tk-O-F-sAvmUQE5DqDyA2qxyamQ"],
  ])("%j hashes its UTF-8 canonical form to %s", (text, id) => {
    expect(parseSelector(text).id).toBe(id);
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
    // Python: "n:" + urlsafe_b64encode(sha224(b"n:" + sel + b",tcp,http")).rstrip("=")
    expect(tcp).toBe("n:cl9_Kgeu4H0OGLbhovVR3NBLUOZscKeMK1Mu4A");
    expect(namedPortIpSetId(parseSelector('app == "web"').id, "udp", "dns")).toBe("n:62JlZReC8NF_SMdcaFI4u0I1a5H5nl_C-Vj5_w");
    expect(selectorIpSetName(tcp, 4)).toBe("cali40n:cl9_Kgeu4H0OGLbhovVR3NB");
    expect(namedPortIpSetId(sel, "udp", "http")).not.toBe(tcp);
    expect(namedPortIpSetId(sel, "tcp", "https")).not.toBe(tcp);
    expect(namedPortIpSetId(sel, "tcp", "http")).toBe(tcp);
  });
});
