/**
 * Places in a multi-document YAML file: only the document holding a rule is parsed (the stream is
 * cut at its `---` lines behind a comment as long as the text before it), and every span it gives
 * is the same offset into the whole file as when the whole stream is parsed (a stream with a `...`
 * line, which is parsed whole).
 */
import { describe, expect, it } from "vitest";
import { Places } from "../../src/lint/places.js";

const doc = (name: string, port: number): string => `apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata:\n  name: ${name}\nspec:\n  ingress:\n    - action: Allow\n      destination:\n        ports: [${port}]\n`;

function ruleSpan(file: string, text: string, name: string): { file: string; start: number; end: number } {
  const at = text.indexOf(`name: ${name}\n`);
  const start = text.indexOf("- action", at) + 2;
  const end = text.indexOf("]", start) + 2;
  return { file, start, end };
}

describe("Places in a multi-document YAML file", () => {
  const plain = `${doc("a", 80)}---\n${doc("b", 81)}---\n# between\n${doc("c", 82)}`;
  // The same documents with `...` ends: the whole stream is parsed, as before.
  const ended = `${doc("a", 80)}...\n---\n${doc("b", 81)}...\n---\n# between\n${doc("c", 82)}`;

  it.each(["a", "b", "c"])("finds document %s's port and value at the offsets of the whole file", (name) => {
    for (const text of [plain, ended]) {
      const places = new Places([{ file: "p.yaml", text }]);
      const rule = ruleSpan("p.yaml", text, name);
      const port = places.field(rule, ["destination", "ports", 0]);
      const want = String(80 + ["a", "b", "c"].indexOf(name));
      expect(text.slice(port.start, port.end)).toBe(want);
      expect(places.value(rule)).toEqual({ action: "Allow", destination: { ports: [Number(want)] } });
    }
  });

  it("a file that starts with --- and a one-character prefix document", () => {
    const text = `---\n${doc("a", 80)}---\n${doc("b", 81)}`;
    const places = new Places([{ file: "p.yaml", text }]);
    const rule = ruleSpan("p.yaml", text, "b");
    const port = places.field(rule, ["destination", "ports", 0]);
    expect(text.slice(port.start, port.end)).toBe("81");
    const tiny = `x\n---\n${doc("b", 81)}`;
    const p2 = new Places([{ file: "t.yaml", text: tiny }]);
    const r2 = ruleSpan("t.yaml", tiny, "b");
    expect(tiny.slice(p2.field(r2, ["destination", "ports", 0]).start, p2.field(r2, ["destination", "ports", 0]).end)).toBe("81");
  });
});
