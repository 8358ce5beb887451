/**
 * Selector combination as Calico's update processors and rule scanner do it
 * (felix-dataplane.md §4.1, selector.md §10): the exact text, then the canonical form that names
 * the ipset.
 */
import { describe, expect, it } from "vitest";
import type { EntityRule } from "../../src/model/types.js";
import { SelectorCache, combineSelectors, entityRuleSelector, policySelectorText } from "../../src/resolve/selectors.js";
import { entity, policy } from "./model-fixtures.js";

const cache = new SelectorCache();
const canonical = (text: string) => cache.parse(text).canonical;

describe("entityRuleSelector", () => {
  it.each<[string, Partial<EntityRule>, string | undefined, string, string]>([
    ["nets only stays unscoped", { nets: ["10.0.0.0/8"] }, "default", "", ""],
    [
      "namespaced selector is scoped to the policy's namespace",
      { selector: "app == 'web'" },
      "default",
      "(projectcalico.org/namespace == 'default') && (app == 'web')",
      '(projectcalico.org/namespace == "default" && app == "web")',
    ],
    ["global selector is not scoped", { selector: "app == 'web'" }, undefined, "app == 'web'", 'app == "web"'],
    [
      "namespaceSelector keys get pcns.",
      { selector: "role == 'client'", namespaceSelector: "team == 'a'" },
      "default",
      '(pcns.team == "a") && (role == \'client\')',
      '(pcns.team == "a" && role == "client")',
    ],
    [
      "namespaceSelector all() means any namespaced endpoint",
      { namespaceSelector: "all()" },
      "default",
      "has(projectcalico.org/namespace)",
      "has(projectcalico.org/namespace)",
    ],
    [
      "namespaceSelector global() means non-namespaced entities",
      { namespaceSelector: "global()" },
      undefined,
      "!has(projectcalico.org/namespace)",
      "!has(projectcalico.org/namespace)",
    ],
    [
      "service account names become a set on the serviceaccount label",
      { serviceAccounts: { names: ["b", "a"] } },
      undefined,
      'projectcalico.org/serviceaccount in {"a", "b"}',
      'projectcalico.org/serviceaccount in {"a", "b"}',
    ],
    [
      "service account selector (pcsa.) AND names AND selector, then the namespace",
      { selector: "app == 'w'", serviceAccounts: { names: ["a"], selector: "x == 'y'" } },
      "ns",
      '(projectcalico.org/namespace == \'ns\') && (((pcsa.x == "y") && (projectcalico.org/serviceaccount in {"a"})) && (app == \'w\'))',
      '(projectcalico.org/namespace == "ns" && ((pcsa.x == "y" && projectcalico.org/serviceaccount in {"a"}) && app == "w"))',
    ],
    [
      "a service account selector alone (no names)",
      { serviceAccounts: { names: [], selector: "x == 'y'" } },
      undefined,
      'pcsa.x == "y"',
      'pcsa.x == "y"',
    ],
    [
      "service account names with a selector, no namespace",
      { serviceAccounts: { names: ["a", "b"] }, selector: "app == 'w'" },
      undefined,
      '(projectcalico.org/serviceaccount in {"a", "b"}) && (app == \'w\')',
      '(projectcalico.org/serviceaccount in {"a", "b"} && app == "w")',
    ],
    [
      "namespaceSelector all() with a selector in a namespaced policy",
      { selector: "app == 'w'", namespaceSelector: "all()" },
      "default",
      "(has(projectcalico.org/namespace)) && (app == 'w')",
      '(has(projectcalico.org/namespace) && app == "w")',
    ],
    [
      "namespaceSelector global() or a label",
      { namespaceSelector: "global() || team == 'a'" },
      undefined,
      '(!has(projectcalico.org/namespace) || pcns.team == "a")',
      '(!has(projectcalico.org/namespace) || pcns.team == "a")',
    ],
    [
      "a namespaced rule without selector or namespaceSelector selects by nets only",
      { ports: [{ kind: "range", first: 80, last: 80 }] },
      "default",
      "",
      "",
    ],
    [
      "a notSelector alone still scopes to the namespace",
      { notSelector: "has(x)" },
      "default",
      "projectcalico.org/namespace == 'default'",
      'projectcalico.org/namespace == "default"',
    ],
  ])("%s", (_name, er, ns, text, canon) => {
    const sel = entityRuleSelector(cache, entity(er), ns);
    expect(sel).toBe(text);
    if (text) expect(canonical(sel)).toBe(canon);
  });
});

describe("SelectorCache", () => {
  it("parses a text once; blank text is all()", () => {
    const c = new SelectorCache();
    expect(c.parse("a == 'x'")).toBe(c.parse("a == 'x'"));
    expect(c.parse(" \t").canonical).toBe("all()");
    expect(c.parse("")).toBe(c.parse("all()"));
    expect(c.prefixed("a == 'x' && has(b)", "pcns.")).toBe('(pcns.a == "x" && has(pcns.b))');
  });
});

describe("combineSelectors (notSelector)", () => {
  it("folds the negation into a positive selector: one ipset", () => {
    expect(combineSelectors("app == 'a'", "has(b)")).toEqual({ positive: "(app == 'a') && (!(has(b)))", negated: "" });
  });
  it("keeps it separate without a positive selector, so it also matches non-endpoints", () => {
    expect(combineSelectors("", "has(b)")).toEqual({ positive: "", negated: "has(b)" });
  });
});

describe("policySelectorText", () => {
  it.each([
    ["np with selector", policy({ policyKind: "np", name: "p", selector: "app == 'x'" }), "(app == 'x') && projectcalico.org/namespace == 'default'"],
    ["np without selector", policy({ policyKind: "np", name: "p" }), "projectcalico.org/namespace == 'default'"],
    [
      "np with serviceAccountSelector",
      policy({ policyKind: "np", name: "p", serviceAccountSelector: "role == 'db'" }),
      '(projectcalico.org/namespace == \'default\') && pcsa.role == "db"',
    ],
    ["gnp plain", policy({ policyKind: "gnp", name: "g", selector: "has(x)" }), "has(x)"],
    [
      "gnp namespaceSelector all()",
      policy({ policyKind: "gnp", name: "g", namespaceSelector: "all()" }),
      "has(projectcalico.org/namespace)",
    ],
    [
      "gnp selector and namespaceSelector",
      policy({ policyKind: "gnp", name: "g", selector: "app == 'a'", namespaceSelector: "env == 'prod'" }),
      '(app == \'a\') && pcns.env == "prod"',
    ],
    ["np with a blank selector", policy({ policyKind: "np", name: "p", selector: "  " }), "projectcalico.org/namespace == 'default'"],
    ["gnp with a blank selector", policy({ policyKind: "gnp", name: "g", selector: " \t" }), ""],
    ["gnp namespaceSelector alone", policy({ policyKind: "gnp", name: "g", namespaceSelector: "env == 'prod'" }), 'pcns.env == "prod"'],
    [
      "gnp serviceAccountSelector all()",
      policy({ policyKind: "gnp", name: "g", serviceAccountSelector: "all()" }),
      "has(projectcalico.org/serviceaccount)",
    ],
    [
      "gnp selector, namespaceSelector and serviceAccountSelector",
      policy({ policyKind: "gnp", name: "g", selector: "app == 'a'", namespaceSelector: "all()", serviceAccountSelector: "role == 'db'" }),
      '((app == \'a\') && has(projectcalico.org/namespace)) && pcsa.role == "db"',
    ],
    [
      "np serviceAccountSelector all() stays all() (only global policies rewrite it)",
      policy({ policyKind: "np", name: "p", serviceAccountSelector: "all()" }),
      "(projectcalico.org/namespace == 'default') && all()",
    ],
  ])("%s", (_name, p, expected) => {
    expect(policySelectorText(cache, p)).toBe(expected);
  });
});
