import { describe, expect, it } from "vitest";
import { formatSelectorError, SelectorSyntaxError } from "../../src/selector/index.js";
import { syntaxError } from "./helpers.js";

const TERM = "a label, has(label), all(), global(), ! or (";
const OPERATOR = "==, !=, in, not in, contains, starts with or ends with";
const CONTINUE = "&&, || or end of selector";
const STRING = "a quoted string";

describe("rejected selectors (selector.md §2–§4, §12): column and what was expected", () => {
  it.each([
    // a bare label or an incomplete comparison
    ["b", 2, OPERATOR],
    ["a ", 3, OPERATOR],
    ["not.a.real.selector", 20, OPERATOR],
    ["global() && bad", 16, OPERATOR],
    ["a !\"x\"", 3, OPERATOR],
    ["role 'development'", 6, OPERATOR],
    ["a (", 3, OPERATOR],
    // spacing before ( makes has/all/global plain labels
    ["has (a)", 5, OPERATOR],
    ["all ()", 5, OPERATOR],
    ["global ()", 8, OPERATOR],
    // operator position accepts only operator words (§2.6)
    ["a b", 3, OPERATOR],
    ['label inf "v"', 7, OPERATOR],
    ['label ends withs "v"', 7, OPERATOR],
    ['a containsx "v"', 3, OPERATOR],
    ["a starts", 3, OPERATOR],
    ['a:b == "x"', 2, OPERATOR],
    ["kubernetes.io/hostname: == 'x'", 23, OPERATOR],
    ['a\n== "b"', 2, OPERATOR],
    // a literal is required on the right
    ["a == b", 6, STRING],
    ["b == b", 6, STRING],
    ["foo != ||", 8, STRING],
    ["a ==", 5, STRING],
    ['a ==\r"b"', 5, STRING],
    ["b starts with b", 15, STRING],
    ["b contains b", 12, STRING],
    ["a ends with", 12, STRING],
    // sets
    ['foo in ""', 8, "a set literal {…}"],
    ["a in b", 6, "a set literal {…}"],
    ['a in {,"x"}', 7, "a quoted string or }"],
    ['a in {"x",,}', 11, "a quoted string or }"],
    ['a in {"x" "y"}', 11, ", or }"],
    ["a in {x}", 7, "a quoted string or }"],
    ['a in {"x"', 10, ", or }"],
    ["a in {", 7, "a quoted string or }"],
    // something that cannot start a term
    ["()", 2, TERM],
    [")", 1, TERM],
    ["{", 1, TERM],
    ["!", 2, TERM],
    ["!!", 3, TERM],
    ["&& a", 1, TERM],
    ['a == "x" &&', 12, TERM],
    ['a == "x" ||', 12, TERM],
    ["'b1' == b", 1, TERM],
    ["% a", 1, TERM],
    ['ä == "x"', 1, TERM],
    ['\na == "b"', 1, TERM],
    ['a == "x" && (', 14, TERM],
    // leftovers after a complete selector
    ['(a == "x"))', 11, CONTINUE],
    ['a == "x" "y"', 10, CONTINUE],
    ['(a == "x") (b == "y")', 12, CONTINUE],
    ['has(a) == "x"', 8, CONTINUE],
    ["all() all()", 7, CONTINUE],
    ['a == "b"\n', 9, CONTINUE],
    ['a == "b"\r\n', 9, CONTINUE],
    ['a == "b"\u00a0', 9, CONTINUE],
    ['a == "b"\v', 9, CONTINUE],
    ['a == "b" ;', 10, CONTINUE],
    ['x == "😀" %', 10, CONTINUE],
    // unbalanced parentheses
    ['(a == "x"', 10, "&&, || or )"],
    ['((a == "x") || has(b)', 22, "&&, || or )"],
    // single-character operators
    ['a = "b"', 3, "=="],
    ['a === "b"', 5, "=="],
    ['a == "x" & b == "y"', 10, "&&"],
    ['a == "x" | b == "y"', 10, "||"],
    ['! = "x"', 3, "=="],
    // unterminated literals: a literal ends only at the same quote character (§12.1)
    ["\"FOO'", 1, 'closing "'],
    ["a == 'x", 6, "closing '"],
    ['a in {"x", "y}', 12, 'closing "'],
    // has(), all(), global() bodies
    ['has("a")', 5, "a label"],
    ["has()", 5, "a label"],
    ["has( )", 6, "a label"],
    ["has(a b)", 7, ")"],
    ["has(a", 6, ")"],
    ["has(a,b)", 6, ")"],
    ["all( x)", 6, ")"],
    ["global(", 8, ")"],
    // labels are at most 512 bytes (§2.4)
    [`${"l".repeat(513)} == "x"`, 1, "a label of at most 512 bytes"],
    [`has(${"l".repeat(513)})`, 5, "a label of at most 512 bytes"],
    [`a == "x" || ${"l".repeat(600)} == "y"`, 13, "a label of at most 512 bytes"],
  ])("%j fails at column %i expecting %s", (text, column, expected) => {
    const err = syntaxError(text);
    expect({ column: err.column, expected: err.expected }).toEqual({ column, expected });
    expect(err.selector).toBe(text);
    expect(err.message.length).toBeGreaterThan(0);
  });

  it.each([
    ['a == "b"\n', "expected &&, || or end of selector, found a newline (U+000A)"],
    ["a == b", 'expected a quoted string, found label "b"'],
    ["a b", 'expected an operator after label "a", found "b"'],
    ["\"FOO'", 'unterminated string: no closing " before the end of the selector'],
    [`${"l".repeat(513)} == "x"`, "label too long: 513 bytes, at most 512 are allowed"],
    ["has(a b)", `no closing ')' after has(: found "b"`],
    ['a = "b"', "expected == but found a single ="],
    ["b starts with b", 'expected a quoted string after starts with, found label "b"'],
    ['ä == "x"', `expected ${TERM}, found "ä" (U+00E4)`],
    ["a == ", `expected ${STRING}, found end of selector`],
  ])("%j has the message %j", (text, message) => {
    expect(syntaxError(text).message).toBe(message);
  });

  it("reports offsets in UTF-16 units and columns in characters", () => {
    const err = syntaxError('x == "😀" %');
    expect(err.offset).toBe(10);
    expect(err.column).toBe(10);
    const end = syntaxError("a ==");
    expect(end.offset).toBe(4);
    expect(end.column).toBe(5);
  });

  it("is an Error with the SelectorSyntaxError name", () => {
    const err = syntaxError("a == b");
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe("SelectorSyntaxError");
  });
});

describe("formatSelectorError", () => {
  function format(text: string): string {
    return formatSelectorError(text, syntaxError(text));
  }

  it.each([
    ["a == b", 'a == b\n     ^\ncolumn 6: expected a quoted string, found label "b"'],
    ["a ==", "a ==\n    ^\ncolumn 5: expected a quoted string, found end of selector"],
    ['a == "b"\n', 'a == "b"␊\n        ^\ncolumn 9: expected &&, || or end of selector, found a newline (U+000A)'],
    ["a ==\tb", 'a ==\tb\n    \t^\ncolumn 6: expected a quoted string, found label "b"'],
    ['x == "😀" %', 'x == "😀" %\n         ^\ncolumn 10: expected &&, || or end of selector, found "%"'],
  ])("renders %j with a caret under the fault", (text, expected) => {
    expect(format(text)).toBe(expected);
  });

  it("shows a window of a long selector, the caret still under the fault", () => {
    const text = `a == "${"x".repeat(100_000)}" %`;
    const lines = format(text).split("\n");
    expect(lines[0]).toBe(`…${"x".repeat(117)}" %`);
    expect(lines[1]).toBe(`${" ".repeat(120)}^`);
    expect(lines[2]).toBe('column 100009: expected &&, || or end of selector, found "%"');
    const early = format(`a == b ${"c".repeat(500)}`).split("\n");
    expect(early[0]).toBe(`a == b ${"c".repeat(113)}…`);
    expect(early[1]).toBe("     ^");
  });
});
