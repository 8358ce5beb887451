/**
 * The fast path for Kubernetes and Calico NetworkPolicies (src/model/schema/fast-policy.ts), held
 * to the same laws as the one for pods (fast-path.test.ts):
 * - whenever it accepts a policy, zod accepts it too and returns exactly the same value;
 * - the loader gives the same model and the same diagnostics with and without it.
 */
import fc from "fast-check";
import { describe, it } from "vitest";
import { expectFastPathAgreesWithZod, expectLoaderUnchangedWithoutFastPath, places } from "./fast-path-harness.js";
import type { ResourceKind } from "../../src/model/resources.js";

const junk = fc.constantFrom<unknown>(null, true, 0, -1, 1.5, "", [], {}, ["x"], { a: 1 });

// For each field, values that are valid and values that are not.
const values = {
  name: [["p", "web.allow", "knp.default.x", "ns-7"], ["Bad_Name", "-a", "", "a.b.c", "x".repeat(254)]],
  labelKey: [["app", "tier", "example.com/team"], ["bad key", "-x", "__proto__"]],
  labelValue: [["web", "", "v1"], ["bad value", "-x"]],
  operator: [["In", "NotIn", "Exists", "DoesNotExist"], ["in", "Equals"]],
  cidr: [["10.0.0.0/8", "10.1.0.0/16", "10.1.2.0/24", "fd00::/64", "fd00:1::/96"], ["10.0.0.1", "10.0.0.0/33", "fd00::/129", "x"]],
  k8sPort: [[80, 8080, "http", "dns"], [0, 65536, "80", "Bad", 1.5]],
  endPort: [[80, 9000, 65535], [0, 70000, 1.5]],
  k8sProtocol: [["TCP", "UDP", "SCTP"], ["tcp", "ICMP"]],
  policyType: [["Ingress", "Egress"], ["ingress", "Both"]],
  action: [["Allow", "Deny", "Log", "Pass"], ["allow", "Reject"]],
  // A clean Calico rule is IPv4 with a protocol that has ports; IPv6, ICMP and the like are
  // valid on their own but can contradict the rest of the rule, so they come with the noise.
  ipVersion: [[4], [6, 5, "4"]],
  protocol: [["TCP", "UDP", "SCTP", "UDPLite", 6, 17, "132"], ["ICMP", "ICMPv6", 1, 58, "tcp", 0, 256, "toString", "__proto__"]],
  calicoCidr: [["10.0.0.0/8", "10.1.2.0/24", "10.1.2.3/32"], ["fd00::/64", "10.0.0.1", "10.0.0.0/33"]],
  calicoPort: [[80, 0, "8000:8080", "http", 65535], [70000, "9:8", "80:", "Bad", -1]],
  selector: [["app == 'web'", "all()", "has(tier)", "tier in {'web', 'api'}", ""], ["app ==", "global()", "a == 'x' && global()", "x".repeat(1025)]],
  order: [[0, 10, 1.5, 1000], [Infinity, "1"]],
  tier: [["default", "security"], [7, "Security", "a.b", "t\n-F INPUT", "t x", "x".repeat(64)]],
  hint: [["AssumeNeededOnEveryNode"], ["Other"]],
} as const satisfies Record<string, readonly [readonly unknown[], readonly unknown[]]>;

type Pool = keyof typeof values;

function gen(noisy: boolean) {
  const v = (which: Pool): fc.Arbitrary<unknown> => {
    const [good, bad] = values[which];
    return noisy ? fc.oneof({ weight: 5, arbitrary: fc.constantFrom<unknown>(...good) }, { weight: 1, arbitrary: fc.constantFrom<unknown>(...bad) }, { weight: 1, arbitrary: junk }) : fc.constantFrom<unknown>(...good);
  };
  /** Sometimes absent; when noisy, sometimes junk. */
  const f = (arb: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> => fc.oneof({ weight: 2, arbitrary: fc.constant(undefined) }, { weight: 5, arbitrary: arb }, ...(noisy ? [{ weight: 1, arbitrary: junk }] : []));
  const list = (item: fc.Arbitrary<unknown>, maxLength = 2): fc.Arbitrary<unknown> => fc.array(item, { maxLength });
  const record = (fields: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<unknown> => {
    // Now and then (only when noisy) a field the fast path leaves to zod: unknown, or rarely used.
    const extra = noisy ? fc.oneof({ weight: 6, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.tuple(fc.constantFrom("extra", "icmp", "http", "services"), junk) }) : fc.constant(undefined);
    return fc.tuple(fc.record(fields), extra).map(([r, x]) => {
      const out: Record<string, unknown> = {};
      for (const [k, val] of Object.entries(r)) if (val !== undefined) out[k] = val;
      if (x) out[x[0]] = x[1];
      return out;
    });
  };
  const labels = fc.array(fc.tuple(v("labelKey"), v("labelValue")), { maxLength: 3 }).map((entries) => {
    const out: Record<string, unknown> = {};
    for (const [k, val] of entries) Object.defineProperty(out, String(k), { value: val, enumerable: true, writable: true, configurable: true });
    return out;
  });
  const metadata = record({ name: v("name"), namespace: f(fc.constantFrom("ns-1", "default")), labels: f(labels) });
  const requirement = record({ key: v("labelKey"), operator: v("operator"), values: f(list(v("labelValue"))) });
  const labelSelector = record({ matchLabels: f(labels), matchExpressions: f(list(requirement)) });
  const ipBlock = record({ cidr: v("cidr"), except: f(list(v("cidr"))) });
  const peer = record({ podSelector: f(labelSelector), namespaceSelector: f(labelSelector), ipBlock: f(ipBlock) });
  const npPort = record({ protocol: f(v("k8sProtocol")), port: f(v("k8sPort")), endPort: f(v("endPort")) });
  const k8sSpec = record({
    podSelector: f(labelSelector),
    policyTypes: f(list(v("policyType"))),
    ingress: f(list(record({ from: f(list(peer)), ports: f(list(npPort)) }))),
    egress: f(list(record({ to: f(list(peer)), ports: f(list(npPort)) }))),
  });
  const entity = record({
    nets: f(list(v("calicoCidr"))),
    notNets: f(list(v("calicoCidr"))),
    selector: f(v("selector")),
    notSelector: f(v("selector")),
    namespaceSelector: f(v("selector")),
    ports: f(list(v("calicoPort"))),
    notPorts: f(list(v("calicoPort"))),
  });
  const rule = record({ action: v("action"), ipVersion: f(v("ipVersion")), protocol: f(v("protocol")), notProtocol: f(v("protocol")), source: f(entity), destination: f(entity) });
  const calicoSpec = record({
    tier: f(v("tier")),
    order: f(v("order")),
    selector: f(v("selector")),
    serviceAccountSelector: f(v("selector")),
    types: f(noisy ? list(v("policyType"), 3) : fc.shuffledSubarray(["Ingress", "Egress"])),
    ingress: f(list(rule)),
    egress: f(list(rule)),
    performanceHints: f(list(v("hint"))),
  });
  return {
    k8s: record({ apiVersion: fc.constant("networking.k8s.io/v1"), kind: fc.constant("NetworkPolicy"), metadata, spec: f(k8sSpec) }),
    calico: record({ apiVersion: fc.constant("projectcalico.org/v3"), kind: fc.constant("NetworkPolicy"), metadata, spec: f(calicoSpec) }),
  };
}

const badValue = fc.oneof(junk, fc.constantFrom<unknown>(...Object.values(values).flatMap(([, bad]): readonly unknown[] => bad)));
const badKey = fc.constantFrom("extra", "icmp", "serviceAccounts", "metadata", "__proto__", "constructor");

/** A clean or noisy policy with up to two edits: a value replaced by a bad one, or a key added. */
const anyPolicy = (which: "k8s" | "calico") =>
  fc
    .tuple(fc.oneof(gen(false)[which], gen(true)[which]), fc.array(fc.tuple(fc.nat(), fc.boolean(), badValue, badKey), { maxLength: 2 }))
    .map(([r, edits]) => {
      const doc = structuredClone(r) as Record<string, unknown>;
      for (const [seed, addKey, bad, key] of edits) {
        const all = places(doc);
        if (all.length === 0) continue;
        const [container, k] = all[seed % all.length]!;
        if (addKey) {
          const target = container[k];
          if (typeof target === "object" && target !== null && !Array.isArray(target)) Object.defineProperty(target, key, { value: "x", enumerable: true, writable: true, configurable: true });
        } else container[k] = structuredClone(bad);
      }
      return doc;
    });

const cases: [ResourceKind, fc.Arbitrary<Record<string, unknown>>][] = [
  ["k8s/NetworkPolicy", anyPolicy("k8s")],
  ["calico/NetworkPolicy", anyPolicy("calico")],
];

describe("policy fast path", () => {
  it.each(cases)("%s: whenever the fast path accepts, zod accepts with the same value", (kind, arb) => {
    expectFastPathAgreesWithZod(kind, arb, 3000);
  });

  it("the loader gives the same model and diagnostics with and without it", async () => {
    const documents = fc.array(fc.oneof(anyPolicy("k8s"), anyPolicy("calico")), { minLength: 1, maxLength: 5 });
    await expectLoaderUnchangedWithoutFastPath(documents, (r) => r.model.policies.length > 0);
  });
});
