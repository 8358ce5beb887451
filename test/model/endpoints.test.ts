/** Namespaces, ServiceAccounts and Pods → profiles and workload endpoints. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EffectiveLabels, podInterfaceName, sortLabels } from "../../src/model/normalize/endpoints.js";
import type { Model } from "../../src/model/types.js";
import { load, withoutOrigins } from "./harness.js";

const allow = { action: "Allow", source: { nets: [], notNets: [], ports: [], notPorts: [] }, destination: { nets: [], notNets: [], ports: [], notPorts: [] }, annotations: {} };

const cluster = `apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels: {team: a}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: api, namespace: shop, labels: {role: backend}}
---
apiVersion: v1
kind: Pod
metadata:
  name: web-1
  namespace: shop
  labels: {app: web, pcns.team: forged}
spec:
  nodeName: node-1
  serviceAccountName: api
  containers:
  - name: a
    image: nginx
    ports: [{name: http, containerPort: 80}, {containerPort: 9090}, {name: dns, containerPort: 53, protocol: UDP}]
status:
  podIPs: [{ip: 10.65.0.10}, {ip: "fd00::a"}]
`;

function modelOf(text: string): Model {
  const r = load(text);
  expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return withoutOrigins(r.model) as Model;
}

describe("pods and namespaces", () => {
  const m = modelOf(cluster);

  it("a namespace becomes kns.<ns>: allow-all, pcns. labels plus name labels", () => {
    expect(m.profiles.find((p) => p.name === "kns.shop")).toEqual({
      kind: "Profile",
      name: "kns.shop",
      labelsToApply: { "pcns.kubernetes.io/metadata.name": "shop", "pcns.projectcalico.org/name": "shop", "pcns.team": "a" },
      ingress: [allow],
      egress: [allow],
    });
  });

  it("a service account becomes ksa.<ns>.<sa>: no rules, pcsa. labels", () => {
    expect(m.profiles.find((p) => p.name === "ksa.shop.api")).toEqual({
      kind: "Profile",
      name: "ksa.shop.api",
      labelsToApply: { "pcsa.projectcalico.org/name": "api", "pcsa.role": "backend" },
      ingress: [],
      egress: [],
    });
  });

  it("a pod becomes a workload endpoint", () => {
    expect(m.endpoints).toEqual([
      {
        kind: "WorkloadEndpoint",
        key: "shop/web-1",
        namespace: "shop",
        name: "web-1",
        node: "node-1",
        // printf 'shop.web-1' | sha1sum → first 11 hex digits
        interfaceName: podInterfaceName("shop", "web-1"),
        ipNetworks: ["10.65.0.10/32", "fd00::a/128"],
        labels: {
          app: "web",
          "pcns.kubernetes.io/metadata.name": "shop",
          "pcns.projectcalico.org/name": "shop",
          "pcns.team": "a",
          "pcsa.projectcalico.org/name": "api",
          "pcsa.role": "backend",
          "projectcalico.org/namespace": "shop",
          "projectcalico.org/orchestrator": "k8s",
          "projectcalico.org/serviceaccount": "api",
        },
        profiles: ["kns.shop", "ksa.shop.api"],
        ports: [
          { name: "dns", protocol: "udp", port: 53 },
          { name: "http", protocol: "tcp", port: 80 },
        ],
        serviceAccount: "api",
      },
    ]);
  });

  it.each([
    ["default", "web-1", "cali0761ccbeace"],
    ["ns1", "p1", "cali1579d706c00"],
  ])("interface name of %s/%s is cali + sha1 prefix (vectors from sha1sum)", (ns, pod, expected) => {
    expect(podInterfaceName(ns, pod)).toBe(expected);
  });

  it("pods without a service account use default; status.podIP when podIPs is absent", () => {
    const mm = modelOf("apiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: x}\nspec: {nodeName: n1}\nstatus: {podIP: 10.0.0.1}\n");
    expect(mm.endpoints[0]).toMatchObject({ profiles: ["kns.x", "ksa.x.default"], serviceAccount: "default", ipNetworks: ["10.0.0.1/32"] });
    expect(mm.profiles.map((p) => p.name)).toEqual(["kns.x", "ksa.x.default"]);
  });

  it.each([
    ["Succeeded", 0],
    ["Failed", 0],
    ["Running", 1],
    ["Pending", 1],
  ])("a pod in phase %s gives %i endpoints", (phase, n) => {
    const mm = modelOf(`apiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: x}\nspec: {nodeName: n1}\nstatus: {phase: ${phase}, podIP: 10.0.0.1}\n`);
    expect(mm.endpoints).toHaveLength(n);
  });

  it("hostNetwork pods are skipped; pods without node or IP are kept with a notice", () => {
    const r = load("apiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: h, namespace: x}\nspec: {nodeName: n1, hostNetwork: true}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: pending, namespace: x}\n");
    expect(r.model.endpoints.map((e) => [e.key, e.node, e.ipNetworks])).toEqual([["x/pending", undefined, []]]);
    expect(r.diagnostics.map((d) => [d.code, d.severity])).toEqual([
      ["PC4002", "notice"],
      ["PC4003", "notice"],
    ]);
  });

  it("unrelated pod fields (images, volumes, conditions) are accepted without fuss", () => {
    const r = load("apiVersion: v1\nkind: Namespace\nmetadata: {name: x, uid: abc, annotations: {a: b}}\nspec: {finalizers: [kubernetes]}\nstatus: {phase: Active}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: x, uid: u, ownerReferences: [{kind: ReplicaSet}]}\nspec:\n  nodeName: n1\n  volumes: [{name: v}]\n  containers: [{name: c, image: i, env: [{name: A, value: b}], resources: {limits: {cpu: 1}}}]\nstatus:\n  podIP: 10.0.0.1\n  conditions: [{type: Ready}]\n");
    expect(r.diagnostics).toEqual([]);
    expect(r.model.endpoints).toHaveLength(1);
  });
});

describe("effective labels", () => {
  // The definition: profile labels (earlier profiles win), then own labels, then automatic ones, sorted by key.
  const definition = (own: Record<string, string>, automatic: Record<string, string>, profiles: readonly string[], profileLabels: ReadonlyMap<string, Record<string, string>>) => {
    const out: Record<string, string> = {};
    for (const p of [...profiles].reverse()) Object.assign(out, profileLabels.get(p) ?? {});
    return sortLabels(Object.assign(out, own, automatic));
  };
  const key = fc.constantFrom("app", "tier", "a/b", "pcns.team", "projectcalico.org/namespace", "1", "10", "2", "Z", "z", "toString", "constructor");
  const labels = fc.dictionary(key, fc.constantFrom("x", "y", ""), { maxKeys: 5 });
  const profileNames = ["kns.a", "ksa.a.default", "p"];

  it("merging into the cached, sorted profile labels gives exactly the sorted merge, in key order", () => {
    fc.assert(
      fc.property(fc.tuple(labels, labels, labels), labels, labels, fc.array(fc.constantFrom(...profileNames, "missing"), { maxLength: 3 }), fc.nat(3), (applied, own, automatic, profiles, calls) => {
        const profileLabels = new Map(profileNames.map((n, i) => [n, applied[i] as Record<string, string>]));
        const cached = new EffectiveLabels(profileLabels);
        for (let i = 0; i <= calls; i++) {
          const got = cached.of(own, automatic, profiles);
          const want = definition(own, automatic, profiles, profileLabels);
          expect(got).toStrictEqual(want);
          expect(Object.keys(got)).toEqual(Object.keys(want));
        }
      }),
      { numRuns: 500 },
    );
  });
});
