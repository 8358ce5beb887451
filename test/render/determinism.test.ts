/**
 * Same input in any order → same bytes. fast-check builds small random clusters (pods on two
 * nodes, network sets, np/gnp/knp policies in two tiers with selectors, namespace selectors,
 * nets, ports and named ports), then shuffles every unordered collection of the Model — the
 * resource lists, label maps, address lists, port lists — and compares the restore text.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Model, Policy, Rule, Tier } from "../../src/model/types.js";
import { compile, compileNftBoth } from "../../src/render/compile.js";
import { renderNftScript } from "../../src/render/nftables/script.js";
import { renderRestore } from "../../src/render/restore.js";
import { entity, model, modelRule, pod, policy } from "../resolve/model-fixtures.js";

const app = fc.constantFrom("web", "db", "cache");
const ns = fc.constantFrom("a", "b");

const ruleArb: fc.Arbitrary<Rule> = fc
  .record({
    action: fc.constantFrom("Allow", "Deny", "Pass", "Log" as const),
    selector: fc.option(app.map((a) => `app == '${a}'`), { nil: undefined }),
    namespaceSelector: fc.option(ns.map((n) => `kubernetes.io/metadata.name == '${n}'`), { nil: undefined }),
    nets: fc.subarray(["10.0.0.0/8", "192.168.1.0/24", "fd00::/64"]),
    ports: fc.subarray([80, 443, 8080]),
    named: fc.boolean(),
  })
  .map((r) =>
    modelRule({
      action: r.action,
      ...(r.ports.length > 0 || r.named ? { protocol: "tcp" as const } : {}),
      source: entity({
        nets: r.nets,
        ...(r.selector !== undefined && { selector: r.selector }),
        ...(r.namespaceSelector !== undefined && { namespaceSelector: r.namespaceSelector }),
      }),
      destination: entity({
        ports: [
          ...r.ports.map((p) => ({ kind: "range" as const, first: p, last: p })),
          ...(r.named ? [{ kind: "named" as const, name: "http" }] : []),
        ],
      }),
    }),
  );

const policyArb = (i: number): fc.Arbitrary<Policy> =>
  fc
    .record({
      kind: fc.constantFrom("np", "gnp", "knp" as const),
      namespace: ns,
      selector: fc.option(app.map((a) => `app == '${a}'`), { nil: "" }),
      tier: fc.constantFrom("default", "security"),
      order: fc.option(fc.constantFrom(10, 100, 1000), { nil: undefined }),
      egress: fc.boolean(),
      rules: fc.array(ruleArb, { maxLength: 3 }),
    })
    .map((p) =>
      policy({
        policyKind: p.kind,
        name: `p${i}`,
        namespace: p.namespace,
        selector: p.selector,
        tier: p.kind === "knp" ? "default" : p.tier,
        ...(p.order !== undefined && { order: p.order }),
        types: p.egress ? ["Ingress", "Egress"] : ["Ingress"],
        ingress: p.rules,
        egress: p.rules,
      }),
    );

const tiers: Tier[] = [
  { kind: "Tier", name: "default", order: 1_000_000, defaultAction: "Deny" },
  { kind: "Tier", name: "security", order: 10, defaultAction: "Pass" },
];

const modelArb: fc.Arbitrary<Model> = fc
  .record({
    pods: fc.uniqueArray(
      fc.record({ ns, n: fc.integer({ min: 0, max: 30 }), app, node: fc.constantFrom("node-1", "node-2"), named: fc.boolean() }),
      { selector: (p) => `${p.ns}/${p.n}`, maxLength: 12 },
    ),
    policies: fc.integer({ min: 0, max: 6 }).chain((k) => fc.tuple(...Array.from({ length: k }, (_, i) => policyArb(i)))),
  })
  .map(({ pods, policies }) =>
    model({
      tiers,
      endpoints: pods.map((p) =>
        pod({
          ns: p.ns,
          name: `pod${p.n}`,
          node: p.node,
          ip: `10.1.${p.ns === "a" ? 0 : 1}.${p.n + 1}`,
          labels: { app: p.app, tier: "x" },
          ports: p.named ? [{ name: "http", protocol: "tcp", port: 8000 + p.n }] : [],
        }),
      ),
      policies,
      networkSets: [{ kind: "NetworkSet", global: true, name: "ext", labels: { app: "db" }, nets: ["172.16.0.0/12", "203.0.113.0/24"] }],
    }),
  );

function permute<T>(xs: readonly T[], seed: number): T[] {
  const out = [...xs];
  let s = seed >>> 0 || 1;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) >>> 0;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

const shuffleRecord = (r: Readonly<Record<string, string>>, seed: number) => Object.fromEntries(permute(Object.entries(r), seed));

function shuffleModel(m: Model, seed: number): Model {
  return {
    ...m,
    tiers: permute(m.tiers, seed),
    policies: permute(m.policies, seed + 1),
    profiles: permute(m.profiles, seed + 2),
    networkSets: permute(m.networkSets, seed + 3).map((n) => ({ ...n, labels: shuffleRecord(n.labels, seed), nets: permute(n.nets, seed) })),
    endpoints: permute(m.endpoints, seed + 4).map((e) => ({
      ...e,
      labels: shuffleRecord(e.labels, seed + 5),
      ipNetworks: permute(e.ipNetworks, seed),
      ports: permute(e.ports, seed),
    })),
  };
}

const bytes = (m: Model) => {
  const r = renderRestore(compile(m, { node: "node-1" }));
  return r.ipsets + r.iptables;
};

/** The nftables script of both families (IPv6 in play when a rule has an IPv6 net). */
const nftBytes = (m: Model) => {
  const { v4, v6 } = compileNftBoth(m, { node: "node-1" });
  return renderNftScript(v6 ? [v4, v6] : [v4]);
};

describe("determinism", () => {
  it("shuffled models compile to identical bytes", () => {
    fc.assert(
      fc.property(modelArb, fc.integer(), (m, seed) => {
        expect(bytes(shuffleModel(m, seed))).toBe(bytes(m));
      }),
      { numRuns: 150 },
    );
  });

  it("shuffled models compile to identical nft scripts", () => {
    fc.assert(
      fc.property(modelArb, fc.integer(), (m, seed) => {
        expect(nftBytes(shuffleModel(m, seed))).toBe(nftBytes(m));
      }),
      { numRuns: 100 },
    );
  });

  it("the property can fail: rule order is meaningful and changes the bytes", () => {
    const m = model({
      endpoints: [pod({ ns: "a", name: "p" })],
      policies: [policy({ policyKind: "gnp", name: "g", ingress: [modelRule({ action: "Deny" }), modelRule()] })],
    });
    const swapped: Model = { ...m, policies: m.policies.map((p) => ({ ...p, ingress: [...p.ingress].reverse() })) };
    expect(bytes(swapped)).not.toBe(bytes(m));
    expect(nftBytes(swapped)).not.toBe(nftBytes(m));
  });
});
