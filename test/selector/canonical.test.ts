import { describe, expect, it } from "vitest";
import { compareUtf8, parseSelector } from "../../src/selector/index.js";

const L512 = "l".repeat(512);

describe("canonical form (selector.md §6)", () => {
  it.each([
    // upstream examples (§6.3)
    ["! (has( b)||! has(a ))", "!(has(b) || !has(a))"],
    ['! (a == "b"&&! c != "d")', '!(a == "b" && !c != "d")'],
    ["!(k == 'v')", '!k == "v"'],
    ['a in {"z", "z", "x", "y", "x", "a"}', 'a in {"a", "x", "y", "z"}'],
    ["!(!(k == 'v' && has(t) || all()) && (a in {'b', 'c'}))", '!(!((k == "v" && has(t)) || all()) && a in {"b", "c"})'],
    // empty and blank input
    ["", "all()"],
    [" \t ", "all()"],
    // quoting (§6.1)
    ["a == 'a'", 'a == "a"'],
    [`a == '"'`, `a == '"'`],
    [`a in {"'", '"', "c"}`, `a in {'"', "'", "c"}`],
    ['a == "\\"', 'a == "\\"'],
    ['a == ""', 'a == ""'],
    ['a == "x\ny"', 'a == "x\ny"'],
    ['a == " padded "', 'a == " padded "'],
    // set ordering and duplicates (§6.2)
    ['a in {"A","a","B","_","-","0"}', 'a in {"-", "0", "A", "B", "_", "a"}'],
    ['a in {"b", "", "a"}', 'a in {"", "a", "b"}'],
    ['a in {"z", "😀", "！"}', 'a in {"z", "！", "😀"}'],
    ['a in {"x",}', 'a in {"x"}'],
    ["a in {}", "a in {}"],
    ["a not in {}", "a not in {}"],
    ['a in{"x"}', 'a in {"x"}'],
    // operator spellings
    ['a notin {"x"}', 'a not in {"x"}'],
    ['a not  in {"x"}', 'a not in {"x"}'],
    ['a not\tin {"x"}', 'a not in {"x"}'],
    ['a startswith "x"', 'a starts with "x"'],
    ['a starts \t with "x"', 'a starts with "x"'],
    ["a endswith 'x'", 'a ends with "x"'],
    ['a contains"x"', 'a contains "x"'],
    ['a=="x"', 'a == "x"'],
    ['a!="x"', 'a != "x"'],
    // functions
    ["has( a )", "has(a)"],
    ["has(\ta\t)", "has(a)"],
    ["all( )", "all()"],
    ["global(\t)", "global()"],
    // runs of ! and parentheses (§4, §6.4)
    ["!!has(a)", "has(a)"],
    ["!!!has(a)", "!has(a)"],
    ["! ! ! has(a)", "!has(a)"],
    ['!(!a == "x")', '!!a == "x"'],
    ["!(!has(a))", "!!has(a)"],
    ["!(!(all()))", "!!all()"],
    ['((a == "x"))', 'a == "x"'],
    ['!a in {"a"}', '!a in {"a"}'],
    // n-ary AND/OR, precedence, parentheses that stop flattening (§4, §12.9)
    ['a == "b" && c == "d"', '(a == "b" && c == "d")'],
    ['a == "1" && b == "2" && c == "3"', '(a == "1" && b == "2" && c == "3")'],
    ['a == "1" && (b == "2" && c == "3")', '(a == "1" && (b == "2" && c == "3"))'],
    ['(a == "1" && b == "2") && c == "3"', '((a == "1" && b == "2") && c == "3")'],
    ['a == "b" || c == "d" && e == "f"', '(a == "b" || (c == "d" && e == "f"))'],
    ['a == "b" && c == "d" || e == "f"', '((a == "b" && c == "d") || e == "f")'],
    ['!(a == "b" || c == "d")', '!(a == "b" || c == "d")'],
    ['!a == "b" && !has(c)', '(!a == "b" && !has(c))'],
    // labels: any run of [A-Za-z0-9_./-], keywords not reserved (§2.4)
    ['calico/k8s_NS-.1/role == "x"', 'calico/k8s_NS-.1/role == "x"'],
    ['-a == "x"', '-a == "x"'],
    ['1 == "x"', '1 == "x"'],
    ['/ == "x"', '/ == "x"'],
    ['. == "x"', '. == "x"'],
    ['has == "x"', 'has == "x"'],
    ['all != "x"', 'all != "x"'],
    ['in in {"x"}', 'in in {"x"}'],
    ['not not in {"x"}', 'not not in {"x"}'],
    ['contains contains "contains"', 'contains contains "contains"'],
    ['starts starts with "s"', 'starts starts with "s"'],
    ["global() || has(global)", "(global() || has(global))"],
    [`${L512} == "x"`, `${L512} == "x"`],
    [`has(${L512})`, `has(${L512})`],
  ])("%j → %j", (text, canonical) => {
    expect(parseSelector(text).canonical).toBe(canonical);
  });

  it("orders set members by UTF-8 bytes, unlike JavaScript's default sort", () => {
    const members = ["z", "😀", "！"];
    expect([...members].sort()).toEqual(["z", "😀", "！"]); // UTF-16 order: the pitfall
    expect([...members].sort(compareUtf8)).toEqual(["z", "！", "😀"]);
  });

  it("keeps nested NOTs from parentheses, so the canonical form is not always a fixed point (§6.4)", () => {
    const once = parseSelector('!(!a == "x")');
    const twice = parseSelector(once.canonical);
    expect(twice.canonical).toBe('a == "x"');
    expect(twice.id).not.toBe(once.id);
    expect(once.ast).toEqual({ kind: "Not", operand: { kind: "Not", operand: { kind: "Eq", label: "a", value: "x" } } });
  });

  it("builds n-ary AST nodes and sorted sets", () => {
    expect(parseSelector('a == "1" || has(b) || !c in {"y", "x", "y"}').ast).toEqual({
      kind: "Or",
      operands: [
        { kind: "Eq", label: "a", value: "1" },
        { kind: "Has", label: "b" },
        { kind: "Not", operand: { kind: "In", label: "c", values: ["x", "y"] } },
      ],
    });
  });

  it("gives different canonical forms (and ids) to selectors with the same meaning", () => {
    const ne = parseSelector('a != "x"');
    const notEq = parseSelector('!a == "x"');
    expect(ne.canonical).toBe('a != "x"');
    expect(notEq.canonical).toBe('!a == "x"');
    expect(ne.id).not.toBe(notEq.id);
  });
});
