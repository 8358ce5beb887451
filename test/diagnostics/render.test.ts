/** Positions, text and JSON rendering, ordering, the cap, and the code registry. */
import { describe, expect, it } from "vitest";
import { allCodes, Codes } from "../../src/diagnostics/codes.js";
import { capDiagnostics, hasErrors, sortDiagnostics } from "../../src/diagnostics/collect.js";
import { lineColumn } from "../../src/diagnostics/position.js";
import { diagnosticsToJson, formatDiagnostics } from "../../src/diagnostics/render.js";
import type { Diagnostic, SourceFile } from "../../src/diagnostics/types.js";

const source: SourceFile = { file: "p.yaml", text: "kind: Pod\nspec:\n\tselector: a ==\r\nlast" };

function diag(start: number, end: number, extra: Partial<Diagnostic> = {}): Diagnostic {
  return { code: "PC1002", severity: "error", message: "bad", span: { file: "p.yaml", start, end }, ...extra };
}

describe("lineColumn", () => {
  it.each([
    [0, 1, 1],
    [4, 1, 5],
    [9, 1, 10],
    [10, 2, 1],
    [16, 3, 1],
    [17, 3, 2],
    [31, 3, 16],
    [33, 4, 1],
    [37, 4, 5],
    [999, 4, 5],
  ])("offset %i is line %i column %i (LF, CRLF, tab)", (offset, line, column) => {
    expect(lineColumn(source.text, offset)).toEqual({ line, column });
  });
});

describe("formatDiagnostics", () => {
  it("prints file:line:col, the source line and carets under the span (tabs kept)", () => {
    expect(formatDiagnostics([diag(27, 31)], [source])).toBe("p.yaml:3:12: error PC1002: bad\n  \tselector: a ==\n  \t          ^^^^\n");
  });

  it("prints at least one caret, also at the end of a line", () => {
    expect(formatDiagnostics([diag(31, 31)], [source])).toBe("p.yaml:3:16: error PC1002: bad\n  \tselector: a ==\n  \t              ^\n");
  });

  it("stops carets at the end of the first line of a multi-line span", () => {
    expect(formatDiagnostics([diag(10, 20)], [source])).toBe("p.yaml:2:1: error PC1002: bad\n  spec:\n  ^^^^^\n");
  });

  it("prints notes, with their own location when they have one", () => {
    const d = diag(0, 4, { code: "PC3007", notes: [{ message: "first defined here", span: { file: "p.yaml", start: 33, end: 37 } }, { message: "hint" }] });
    expect(formatDiagnostics([d], [source])).toBe(
      "p.yaml:1:1: error PC3007: bad\n  kind: Pod\n  ^^^^\np.yaml:4:1: note: first defined here\n  last\n  ^^^^\n  note: hint\n",
    );
  });

  it("prints a diagnostic without a span as severity code: message", () => {
    expect(formatDiagnostics([{ code: "PC9001", severity: "notice", message: "3 more" }], [])).toBe("notice PC9001: 3 more\n");
  });
});

describe("diagnosticsToJson", () => {
  it("gives file, line, column (1-based), end, code, severity, message", () => {
    expect(diagnosticsToJson([diag(27, 31), { code: "PC9001", severity: "notice", message: "n" }], [source])).toEqual([
      { file: "p.yaml", line: 3, column: 12, endLine: 3, endColumn: 16, code: "PC1002", severity: "error", message: "bad" },
      { file: null, line: null, column: null, code: "PC9001", severity: "notice", message: "n" },
    ]);
  });
});

describe("ordering, cap and registry", () => {
  it("sorts by file, then offset, then code", () => {
    const a = { ...diag(5, 6), span: { file: "b.yaml", start: 1, end: 2 } };
    const b = diag(9, 9, { code: "PC2004" });
    const c = diag(9, 9, { code: "PC2001" });
    expect(sortDiagnostics([a, b, c])).toEqual([a, c, b]);
  });

  it("hasErrors ignores warnings and notices", () => {
    expect(hasErrors([diag(0, 1, { severity: "warning" }), diag(0, 1, { severity: "notice" })])).toBe(false);
    expect(hasErrors([diag(0, 1, { severity: "notice" }), diag(0, 1)])).toBe(true);
  });

  it("caps at the limit, keeping errors before notices, and counts the rest", () => {
    const notices = Array.from({ length: 5 }, (_, i) => diag(i, i + 1, { severity: "notice", code: "PC4003" }));
    const errors = Array.from({ length: 3 }, (_, i) => diag(20 + i, 21 + i));
    const capped = capDiagnostics([...notices, ...errors], 4);
    expect(capped.map((d) => [d.code, d.span?.start])).toEqual([
      ["PC4003", 0],
      ["PC1002", 20],
      ["PC1002", 21],
      ["PC1002", 22],
      ["PC9001", undefined],
    ]);
    expect(capped[4]?.message).toBe("4 more diagnostics not shown (0 of them errors); only the first 4 are reported");
  });

  it("names the scope of a cap when given one (the agent caps each source)", () => {
    const errors = Array.from({ length: 3 }, (_, i) => diag(i, i + 1));
    expect(capDiagnostics(errors, 1, "pol.yaml").at(-1)?.message).toBe("2 more diagnostics of pol.yaml not shown (2 of them errors); only the first 1 are reported");
  });

  it("has unique codes, each in the range of its kind", () => {
    const codes = allCodes().map((c) => c.code);
    expect(new Set(codes).size).toBe(codes.length);
    for (const c of allCodes()) {
      const family = c.code.slice(2, 3);
      if (family === "4" || family === "6") expect(c.severity).not.toBe("error");
      else if (family !== "9") expect(c.severity).toBe("error");
    }
    expect(Codes.yamlSyntax.code).toBe("PC1001");
  });
});
