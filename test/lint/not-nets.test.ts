/** PC6010 and PC6011: notNets that exclude nothing, or everything. */
import { describe, expect, it } from "vitest";
import { calico, findings, lint } from "./harness.js";

/** Ingress to web from `nets` except `notNets` (notNets entries from line 13 + nets.length). */
const fromNets = (nets: readonly string[], notNets: readonly string[]): string =>
  calico(
    `  selector: app == "web"\n  ingress:\n  - action: Allow\n    source:\n      nets:\n${nets.map((n) => `      - ${n}\n`).join("")}      notNets:\n${notNets.map((n) => `      - ${n}\n`).join("")}`,
  );

describe("PC6010 notNets entry outside the nets", () => {
  it("fires at the notNets entry that overlaps none of the nets", () => {
    const p = fromNets(["10.0.0.0/8"], ["10.1.0.0/16", "192.168.0.0/16"]);
    expect(findings(p)).toEqual([{ code: "PC6010", line: 15, column: 9 }]);
    expect(lint(p)[0]?.message).toContain("notNets entry 192.168.0.0/16 in the source of");
  });

  it("is quiet when every notNets entry is inside a net", () => {
    expect(findings(fromNets(["10.0.0.0/8"], ["10.1.0.0/16"]))).toEqual([]);
  });
});

describe("PC6011 notNets cover the nets", () => {
  it("fires at notNets when they cover every net", () => {
    const p = fromNets(["10.1.0.0/16"], ["10.0.0.0/8"]);
    expect(findings(p)).toEqual([{ code: "PC6011", line: 14, column: 9 }]);
    expect(lint(p)[0]?.message).toContain("the rule never matches");
  });

  it("is quiet when a net is left uncovered", () => {
    expect(findings(fromNets(["10.1.0.0/16", "10.2.0.0/16"], ["10.1.0.0/16"]))).toEqual([]);
  });
});
