/**
 * resolveNode's Calico order beyond the plain cases (equal orders, kinds of one name, the implicit
 * default tier, a tier no Tier defines), staged policies (members without chains, a staged
 * Delete nowhere), AssumeNeededOnEveryNode (both directions, on every node) and spans.
 */
import { describe, expect, it } from "vitest";
import type { Policy, Tier } from "../../src/model/types.js";
import { resolveNode } from "../../src/resolve/resolve.js";
import { defaultTier, entity, model, modelRule, pod, policy } from "./model-fixtures.js";

const web = () => pod({ ns: "default", name: "web", ip: "10.0.0.1", labels: { app: "web" } });

function ingressOf(policies: Policy[], tiers: Tier[] = [defaultTier]) {
  const view = resolveNode(model({ endpoints: [web()], policies, tiers }), "node-1");
  return view.endpoints[0]!.ingressTiers.map((t) => ({ name: t.name, defaultAction: t.defaultAction, policies: t.policies, members: t.members.map((m) => `${m.id}${m.staged ? " (staged)" : ""}`) }));
}

describe("Calico order", () => {
  it("equal orders: by name, then namespace, then kind name; a lower fractional order first", () => {
    const tiers = ingressOf([
      policy({ policyKind: "np", name: "x", order: 10 }),
      policy({ policyKind: "gnp", name: "x", order: 10 }),
      policy({ policyKind: "knp", name: "x", order: 10 }),
      policy({ policyKind: "np", name: "w", order: 10 }),
      policy({ policyKind: "np", name: "z", order: 9.5 }),
      policy({ policyKind: "gnp", name: "a", order: 10.5 }),
    ]);
    expect(tiers.map((t) => t.policies)).toEqual([["np/default/z", "np/default/w", "gnp/x", "knp/default/x", "np/default/x", "gnp/a"]]);
  });

  it("the default tier is implicit (1,000,000, Deny); a tier no Tier defines sorts last with Deny", () => {
    const tiers = ingressOf(
      [
        policy({ policyKind: "gnp", name: "in-mystery", tier: "mystery" }),
        policy({ policyKind: "gnp", name: "in-late", tier: "late" }),
        policy({ policyKind: "gnp", name: "in-default" }),
        policy({ policyKind: "gnp", name: "in-early", tier: "early" }),
      ],
      [
        { kind: "Tier", name: "late", order: 2_000_000, defaultAction: "Pass" },
        { kind: "Tier", name: "early", order: 1_000_000, defaultAction: "Pass" },
      ],
    );
    expect(tiers.map((t) => `${t.name} ${t.defaultAction}`)).toEqual(["default Deny", "early Pass", "late Pass", "mystery Deny"]);
  });

  it("two tiers of one order: by name", () => {
    const tiers = ingressOf(
      [policy({ policyKind: "gnp", name: "b", tier: "bravo" }), policy({ policyKind: "gnp", name: "a", tier: "alpha" })],
      [
        { kind: "Tier", name: "bravo", order: 5, defaultAction: "Deny" },
        { kind: "Tier", name: "alpha", order: 5, defaultAction: "Pass" },
      ],
    );
    expect(tiers.map((t) => t.name)).toEqual(["alpha", "bravo"]);
  });
});

describe("staged policies", () => {
  it("are members of their tier but not among its enforced policies; their rules still get ipsets", () => {
    const staged = policy({ policyKind: "snp", name: "s", order: 1, ingress: [modelRule({ source: entity({ selector: "app == 'db'" }) })] });
    const tiers = ingressOf([staged, policy({ policyKind: "np", name: "e", order: 2 })]);
    expect(tiers).toEqual([{ name: "default", defaultAction: "Deny", policies: ["np/default/e"], members: ["snp/default/s (staged)", "np/default/e"] }]);
    const view = resolveNode(model({ endpoints: [web()], policies: [staged] }), "node-1");
    expect(view.policies.map((p) => p.id)).toEqual(["snp/default/s"]);
    expect(view.ipsets).toHaveLength(1);
  });

  it("a staged Delete is in no tier and references no ipset", () => {
    const gone = policy({ policyKind: "snp", name: "d", stagedAction: "Delete", ingress: [modelRule({ source: entity({ selector: "app == 'db'" }) })] });
    const view = resolveNode(model({ endpoints: [web()], policies: [gone] }), "node-1");
    expect(view.endpoints[0]!.ingressTiers).toEqual([]);
    expect(view.policies).toEqual([]);
    expect(view.ipsets).toEqual([]);
  });
});

describe("AssumeNeededOnEveryNode", () => {
  const forced = policy({ policyKind: "gnp", name: "f", selector: "app == 'none'", assumeNeededOnEveryNode: true, ingress: [modelRule()], egress: [modelRule(), modelRule()] });

  it("converts both directions on a node where it selects nothing, and marks it forced", () => {
    const view = resolveNode(model({ endpoints: [web()], policies: [forced, policy({ policyKind: "gnp", name: "plain", selector: "app == 'none'" })] }), "node-1");
    expect(view.policies.map((p) => [p.id, p.ingress?.length, p.egress?.length, p.forced])).toEqual([["gnp/f", 1, 2, true]]);
    expect(view.endpoints[0]!.ingressTiers).toEqual([]);
  });

  it("not for a staged policy (it has no chains at all)", () => {
    const staged = { ...forced, policyKind: "sgnp" as const, id: "sgnp/f" };
    expect(resolveNode(model({ endpoints: [web()], policies: [staged] }), "node-1").policies).toEqual([]);
  });

  it("an applying policy without the hint is not forced", () => {
    const view = resolveNode(model({ endpoints: [web()], policies: [policy({ policyKind: "gnp", name: "g", selector: "app == 'web'" })] }), "node-1");
    expect(view.policies[0]).not.toHaveProperty("forced");
    expect(view.policies[0]).not.toHaveProperty("namespace");
  });
});

describe("where things were written", () => {
  it("endpoints, policies and profiles keep their spans; namespaced policies their namespace", () => {
    const span = (start: number) => ({ file: "in.yaml", start, end: start + 1 });
    const base = model({ endpoints: [{ ...web(), origin: { span: span(1) } }], policies: [policy({ policyKind: "np", name: "p", origin: { span: span(2) } })] });
    const view = resolveNode({ ...base, profiles: base.profiles.map((p, i) => (i === 0 ? { ...p, origin: { span: span(3) } } : p)) }, "node-1");
    expect(view.endpoints[0]!.span).toEqual(span(1));
    expect(view.policies[0]).toMatchObject({ span: span(2), namespace: "default", name: "p", policyKind: "np" });
    expect(view.profiles.map((p) => p.span)).toEqual([span(3), undefined]);
    const bare = resolveNode(model({ endpoints: [web()], policies: [policy({ policyKind: "np", name: "p" })] }), "node-1");
    expect(bare.endpoints[0]).not.toHaveProperty("span");
    expect(bare.policies[0]).not.toHaveProperty("span");
  });
});
