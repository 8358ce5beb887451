/** What a diagnostic echoes of its input stays bounded, aligned and harmless (src/diagnostics/clip.ts). */
import { describe, expect, it } from "vitest";
import { clipMessage, displayWidth, EXCERPT_WIDTH, excerptLines } from "../../src/diagnostics/clip.js";
import { formatDiagnostics } from "../../src/diagnostics/render.js";

/** The excerpt of the one-line `text` under [start, end). */
const excerpt = (text: string, start: number, end: number) => excerptLines(text, 0, text.length, start, end);

describe("excerptLines", () => {
  it.each([
    ["ASCII", "name: web", 6, 9, "name: web", "      ^^^"],
    ["a tab before the caret is kept in the padding", "\tname:\tweb", 7, 10, "\tname:\tweb", "\t     \t^^^"],
    ["emoji are two columns wide", 'name: "😀x"', 7, 8, 'name: "😀x"', "       ^^"],
    ["after emoji the caret still lines up", "a: 😀😀 b", 8, 9, "a: 😀😀 b", "        ^"],
    ["combining marks take no column", "n: áx", 5, 6, "n: áx", "     ^"],
    ["CJK are two columns wide", "n: 名前 x", 6, 7, "n: 名前 x", "        ^"],
    ["a range at the end of the line gets one caret after it", "a: b", 4, 4, "a: b", "    ^"],
    ["control characters are shown as U+FFFD", "a: \u001b[31mx", 8, 9, "a: \ufffd[31mx", "        ^"],
  ])("%s", (_name, line, start, end, text, carets) => {
    expect(excerpt(line, start, end)).toEqual([text, carets]);
  });

  it("shows a window of a long line around the caret, with … on each cut side, the caret under its character", () => {
    const line = `${"a".repeat(5000)}X${"b".repeat(5000)}`;
    const [text, carets] = excerpt(line, 5000, 5001);
    expect(text).toMatch(/^…a+Xb+…$/);
    expect(text.length).toBeLessThanOrEqual(EXCERPT_WIDTH + 2);
    expect(carets.indexOf("^")).toBe(text.indexOf("X"));
    expect(carets).toMatch(/^ +\^$/);
  });

  it("cuts the carets of a long range at the window's end", () => {
    const [text, carets] = excerpt(`k: ${"x".repeat(100_000)}`, 3, 100_003);
    expect(text).toBe(`k: ${"x".repeat(EXCERPT_WIDTH - 3)}…`);
    expect(carets).toBe(`   ${"^".repeat(EXCERPT_WIDTH - 3)}`);
  });

  it("never splits a surrogate pair at a window edge", () => {
    const [text] = excerpt("😀".repeat(500), 500, 502);
    expect(text.replace(/…/g, "")).toMatch(/^(?:😀)+$/u);
  });

  it("near the end of a long line, the window ends with the line", () => {
    const line = `${"a".repeat(1000)}Z`;
    const [text, carets] = excerpt(line, 1000, 1001);
    expect(text).toMatch(/^…a+Z$/);
    expect(carets.indexOf("^")).toBe(text.indexOf("Z"));
  });
});

describe("displayWidth", () => {
  it.each([
    ["a", 1],
    ["\u0301", 0],
    ["😀", 2],
    ["名", 2],
    ["©", 1],
    ["\u200d", 0],
  ])("%s is %i columns", (ch, width) => {
    expect(displayWidth(ch)).toBe(width);
  });
});

describe("clipMessage", () => {
  // The last case: a clip never ends inside an escape (80 characters are 13⅓ escapes).
  it.each([
    ['name "short" is bad', 'name "short" is bad'],
    [`name "${"x".repeat(80)}" is bad`, `name "${"x".repeat(80)}" is bad`],
    [`name "${"x".repeat(81)}" is bad`, `name "${"x".repeat(80)}…" (81 characters) is bad`],
    [`kind "${"K".repeat(100_000)}" for "v1"`, `kind "${"K".repeat(80)}…" (100000 characters) for "v1"`],
    [`value "${"\\u0000".repeat(50)}"`, `value "${"\\u0000".repeat(13)}…" (300 characters)`],
    ["a \u001b[2J terminal escape", "a \ufffd[2J terminal escape"],
    ["an \u202eoverride", "an \ufffdoverride"],
  ])("%j", (message, clipped) => {
    expect(clipMessage(message)).toBe(clipped);
  });

  it("clips any message to 1,000 characters and its length", () => {
    const m = clipMessage(`plain ${"w ".repeat(5000)}`);
    expect(m).toMatch(/^plain (?:w )+…\(?.*\(10006 characters\)$/);
    expect(m.length).toBeLessThan(1100);
  });

  it("is applied by the renderer to messages and notes", () => {
    const long = "n".repeat(1000);
    const text = formatDiagnostics([{ code: "PC2009", severity: "error", message: `name "${long}"`, notes: [{ message: `did you mean "${long}"` }] }], []);
    expect(text).toBe(`error PC2009: name "${"n".repeat(80)}…" (1000 characters)\n  note: did you mean "${"n".repeat(80)}…" (1000 characters)\n`);
  });
});

describe("excerptLines on a long line with the caret near its start", () => {
  it("shows the line from its start, cut after the window", () => {
    const line = `  selector: ${"[".repeat(3000)}`;
    const [text, carets] = excerpt(line, 99, 100);
    expect(text).toBe(`${line.slice(0, EXCERPT_WIDTH)}…`);
    expect(carets).toBe(`${" ".repeat(99)}^`);
  });
});
