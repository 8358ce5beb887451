/** PC6012: without endpoints the selector checks are skipped, with one notice (no place in a file). */
import { describe, expect, it } from "vitest";
import { calico, findings, lint } from "./harness.js";

const namespaceOnly = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: default\n";
const nginx = calico('  selector: app == "nginx"\n  ingress:\n  - action: Allow\n');

describe("PC6012 no endpoints", () => {
  it("is a notice instead of selector warnings when the inputs hold no endpoints", () => {
    expect(findings(nginx, namespaceOnly)).toEqual([{ code: "PC6012", line: 0, column: 0 }]);
    expect(lint(nginx, namespaceOnly)[0]?.severity).toBe("notice");
  });

  it("still runs the structural checks", () => {
    const p = calico('  selector: app == "nginx"\n  ingress:\n  - action: Allow\n  - action: Deny\n');
    // Sorted like every report: the notice without a place comes first.
    expect(findings(p, namespaceOnly)).toEqual([
      { code: "PC6012", line: 0, column: 0 },
      { code: "PC6006", line: 10, column: 5 },
    ]);
  });

  it("is absent when the inputs hold endpoints (the selector is checked instead)", () => {
    expect(findings(nginx)).toEqual([{ code: "PC6001", line: 7, column: 13 }]);
  });
});
