/**
 * resolveNode's host endpoints: the node's own, sorted by interface (`*` keyed
 * any-interface-at-all), global policies only, split into untracked (doNotTrack, both
 * directions), pre-DNAT (ingress only), normal and forward (applyOnForward) tiers in Calico
 * order, the directions each policy's chains are needed in, the profiles they name, and the two
 * refusals (two host endpoints on one interface, untracked policy on `*`).
 */
import { describe, expect, it } from "vitest";
import type { HostEndpoint, Model, Tier } from "../../src/model/types.js";
import { CompileError } from "../../src/render/errors.js";
import { resolveNode } from "../../src/resolve/resolve.js";
import { defaultTier, model, modelRule, pod, policy } from "./model-fixtures.js";

const hep = (name: string, interfaceName: string, labels: Record<string, string>, extra: Partial<HostEndpoint> = {}): HostEndpoint => ({
  kind: "HostEndpoint",
  name,
  node: "node-1",
  interfaceName,
  expectedIPs: [],
  labels,
  profiles: [],
  ports: [],
  ...extra,
});

const security: Tier = { kind: "Tier", name: "security", order: 10, defaultAction: "Pass" };

function cluster(): Model {
  const base = model({
    endpoints: [pod({ ns: "default", name: "p", labels: { role: "edge" } })],
    tiers: [defaultTier, security],
    policies: [
      policy({ policyKind: "gnp", name: "untracked", selector: "role == 'mgmt'", doNotTrack: true, types: ["Ingress", "Egress"], ingress: [modelRule()], egress: [modelRule()] }),
      policy({ policyKind: "gnp", name: "pre", selector: "role == 'edge'", preDNAT: true, ingress: [modelRule()] }),
      policy({ policyKind: "gnp", name: "both", selector: "has(role)", order: 20, types: ["Ingress", "Egress"], ingress: [modelRule()], egress: [modelRule()] }),
      policy({ policyKind: "gnp", name: "early", selector: "has(role)", order: 5, types: ["Ingress"], ingress: [modelRule({ action: "Deny" })] }),
      policy({ policyKind: "gnp", name: "fwd", tier: "security", selector: "role == 'edge'", applyOnForward: true, types: ["Egress"], egress: [modelRule()] }),
      // Namespaced: scoped to its namespace's label, which no host endpoint carries.
      policy({ policyKind: "np", name: "ns", selector: "" }),
    ],
  });
  return {
    ...base,
    hostEndpoints: [
      hep("edge-1", "eth1", { role: "edge" }, { profiles: ["p-b", "p-a"] }),
      hep("all", "*", { role: "edge" }, { profiles: ["p-a"] }),
      hep("mgmt", "eth0", { role: "mgmt" }),
      hep("elsewhere", "eth0", { role: "mgmt" }, { node: "node-2" }),
    ],
  };
}

const tiersOf = (tiers: readonly { name: string; defaultAction: string; policies: readonly string[] }[]) =>
  tiers.map(({ name, defaultAction, policies }) => `${name}(${defaultAction}): ${policies.join(" ")}`);

describe("host endpoints of a node", () => {
  it("are the node's own, sorted by interface, the * endpoint keyed any-interface-at-all", () => {
    const view = resolveNode(cluster(), "node-1");
    expect(view.hostEndpoints?.map((h) => [h.name, h.interfaceName, h.wildcard])).toEqual([
      ["all", "any-interface-at-all", true],
      ["mgmt", "eth0", false],
      ["edge-1", "eth1", false],
    ]);
    // node-2 has only the other eth0 endpoint, and no workload.
    const other = resolveNode(cluster(), "node-2");
    expect(other.hostEndpoints?.map((h) => h.name)).toEqual(["elsewhere"]);
    expect(other.endpoints).toEqual([]);
    // A node with neither has no host endpoint list at all.
    expect(resolveNode(cluster(), "node-3").hostEndpoints).toBeUndefined();
  });

  it("split their policies into untracked, pre-DNAT, normal and forward tiers in Calico order", () => {
    const view = resolveNode(cluster(), "node-1");
    const [all, mgmt, edge] = view.hostEndpoints ?? [];
    const stages = (h: typeof all) => ({
      normalIn: tiersOf(h!.normal.ingress),
      normalOut: tiersOf(h!.normal.egress),
      forwardIn: tiersOf(h!.forward.ingress),
      forwardOut: tiersOf(h!.forward.egress),
      preDNAT: tiersOf(h!.preDNAT),
      untrackedIn: tiersOf(h!.untracked.ingress),
      untrackedOut: tiersOf(h!.untracked.egress),
    });
    expect(stages(edge)).toEqual({
      normalIn: ["default(Deny): gnp/early gnp/both"],
      normalOut: ["security(Pass): gnp/fwd", "default(Deny): gnp/both"],
      forwardIn: [],
      forwardOut: ["security(Pass): gnp/fwd"],
      preDNAT: ["default(Deny): gnp/pre"],
      untrackedIn: [],
      untrackedOut: [],
    });
    expect(stages(all)).toEqual(stages(edge));
    expect(stages(mgmt)).toEqual({
      normalIn: ["default(Deny): gnp/early gnp/both"],
      normalOut: ["default(Deny): gnp/both"],
      forwardIn: [],
      forwardOut: [],
      preDNAT: [],
      untrackedIn: ["default(Deny): gnp/untracked"],
      untrackedOut: ["default(Deny): gnp/untracked"],
    });
    // Members carry the policy-group key, staged or not.
    expect(edge!.preDNAT[0]?.members).toEqual([{ id: "gnp/pre", selector: "role == 'edge'", staged: false }]);
  });

  it("convert each policy's rules for exactly the directions some chain jumps to", () => {
    const view = resolveNode(cluster(), "node-1");
    expect(view.policies.map((p) => `${p.id}: ${p.ingress ? `in ${p.ingress.length}` : "-"} ${p.egress ? `out ${p.egress.length}` : "-"}`)).toEqual([
      "gnp/both: in 1 out 1",
      "gnp/early: in 1 -",
      "gnp/fwd: - out 1",
      "gnp/pre: in 1 -",
      "gnp/untracked: in 1 out 1",
      "np/default/ns: in 0 -",
    ]);
    // The workload sees none of the host-only policies.
    expect(tiersOf(view.endpoints[0]!.ingressTiers)).toEqual(["default(Deny): gnp/early gnp/both np/default/ns"]);
    expect(tiersOf(view.endpoints[0]!.egressTiers)).toEqual(["security(Pass): gnp/fwd", "default(Deny): gnp/both"]);
  });

  it("bring the profiles they name, once each, sorted with the workloads' profiles", () => {
    const view = resolveNode(cluster(), "node-1");
    expect(view.hostEndpoints?.map((h) => h.profiles)).toEqual([["p-a"], [], ["p-b", "p-a"]]);
    expect(view.profiles.map((p) => p.name)).toEqual(["kns.default", "ksa.default.default", "p-a", "p-b"]);
  });

  it("keep where they were written", () => {
    const span = { file: "h.yaml", start: 1, end: 4 };
    const m = cluster();
    const view = resolveNode({ ...m, hostEndpoints: [hep("mgmt", "eth0", {}, { origin: { span } }), hep("x", "eth1", {})] }, "node-1");
    expect(view.hostEndpoints?.map((h) => h.span)).toEqual([span, undefined]);
    expect(view.hostEndpoints?.[1]).not.toHaveProperty("span");
  });
});

function diagnosticsOf(m: Model): unknown {
  try {
    resolveNode(m, "node-1");
  } catch (e) {
    if (e instanceof CompileError) return e.diagnostics;
    throw e;
  }
  throw new Error("compiled");
}

describe("host endpoints refused", () => {
  const a = { file: "a.yaml", start: 10, end: 20 };
  const b = { file: "b.yaml", start: 30, end: 40 };

  it("two on one interface of the node (PC3041), naming both", () => {
    const m = { ...cluster(), hostEndpoints: [hep("first", "eth0", {}, { origin: { span: a } }), hep("second", "eth0", {}, { origin: { span: b } })] };
    expect(diagnosticsOf(m)).toEqual([
      {
        code: "PC3041",
        severity: "error",
        message: "host endpoints first and second on node node-1 both name interface eth0; policy cannot tell them apart",
        span: b,
        notes: [{ message: "first is defined here", span: a }],
      },
    ]);
    // Without origins there is nothing to point at, but the error stands.
    const bare = { ...cluster(), hostEndpoints: [hep("first", "*", {}), hep("second", "*", {})] };
    expect(diagnosticsOf(bare)).toEqual([
      {
        code: "PC3041",
        severity: "error",
        message: "host endpoints first and second on node node-1 both name interface *; policy cannot tell them apart",
      },
    ]);
  });

  it("untracked policy selecting the * endpoint (PC3042), naming the policy and the endpoint", () => {
    const m = cluster();
    const raw = policy({ policyKind: "gnp", name: "raw", selector: "role == 'edge'", doNotTrack: true, ingress: [modelRule()], origin: { span: a } });
    const withRaw = { ...m, policies: [...m.policies, raw], hostEndpoints: [hep("all", "*", { role: "edge" }, { origin: { span: b } }), hep("edge-1", "eth1", { role: "edge" })] };
    expect(diagnosticsOf(withRaw)).toEqual([
      {
        code: "PC3042",
        severity: "error",
        message:
          "doNotTrack policy gnp/raw selects host endpoint all (interfaceName: *); Calico does not apply untracked policy to the all-interfaces endpoint, so it would be ignored: narrow the selector or use a named host endpoint",
        span: a,
        notes: [{ message: "all is defined here", span: b }],
      },
    ]);
    // On a named interface the same policy is fine.
    const named = { ...withRaw, hostEndpoints: [hep("edge-1", "eth1", { role: "edge" })] };
    expect(tiersOf(resolveNode(named, "node-1").hostEndpoints![0]!.untracked.ingress)).toEqual(["default(Deny): gnp/raw"]);
  });
});
