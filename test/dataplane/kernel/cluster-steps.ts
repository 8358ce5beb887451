/**
 * The cluster changes of the dataplane kernel tests (cluster-changes.test.ts for iptables,
 * nft-cluster-changes.test.ts for nftables): pods web and client on node-1, remote and late on
 * node-2, a NetworkPolicy on web:80 changed step by step, and which clients reach web after
 * each step.
 */
import { expect } from "vitest";
import { stringify } from "yaml";
import { loadSources } from "../../../src/model/index.js";
import type { Model } from "../../../src/model/types.js";

export type Labels = Record<string, string>;
export interface Pod { ns: string; name: string; node: string; ip: string; labels: Labels }
export interface Cluster { namespaces: Record<string, Labels>; pods: Pod[]; policies: object[] }

export const WEB: Pod = { ns: "shop", name: "web", node: "node-1", ip: "10.65.0.10", labels: { app: "web" } };
export const CLIENT: Pod = { ns: "shop", name: "client", node: "node-1", ip: "10.65.0.11", labels: { app: "client" } };
export const REMOTE: Pod = { ns: "other", name: "remote", node: "node-2", ip: "10.65.1.20", labels: { app: "client" } };
export const LATE: Pod = { ns: "other", name: "late", node: "node-2", ip: "10.65.1.21", labels: { app: "client" } };

function policy(from: object): object {
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { name: "web-ingress", namespace: "shop" },
    spec: { podSelector: { matchLabels: { app: "web" } }, ingress: [{ from: [from], ports: [{ protocol: "TCP", port: 80 }] }] },
  };
}

export function clusterModel(c: Cluster): Model {
  const docs = [
    ...Object.entries(c.namespaces).map(([name, labels]) => ({ apiVersion: "v1", kind: "Namespace", metadata: { name, labels: { ...labels, "kubernetes.io/metadata.name": name } } })),
    ...c.pods.map((p) => ({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: p.name, namespace: p.ns, labels: p.labels },
      spec: { nodeName: p.node, containers: [{ name: "c", image: "x" }] },
      status: { phase: "Running", podIP: p.ip, podIPs: [{ ip: p.ip }] },
    })),
    ...c.policies,
  ];
  const { model, diagnostics } = loadSources([{ file: "cluster.yaml", text: docs.map((d) => stringify(d, { version: "1.1" })).join("---\n") }]);
  expect(diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return model;
}

const base: Cluster = { namespaces: { shop: { team: "shop" }, other: { team: "other" } }, pods: [WEB, CLIENT, REMOTE], policies: [] };
const sameNs = policy({ podSelector: { matchLabels: { app: "client" } } });
const partners = policy({ namespaceSelector: { matchLabels: { team: "partner" } }, podSelector: { matchLabels: { app: "client" } } });
const relabel = (p: Pod, labels: Labels): Pod => ({ ...p, labels });

/** Each step: the cluster after the change, and which clients reach web:80 (client, remote, late). */
export const STEPS: [string, Cluster, [boolean, boolean, boolean]][] = [
  ["no policies", base, [true, true, true]],
  ["policy added (same-namespace clients)", { ...base, policies: [sameNs] }, [true, false, false]],
  ["policy changed (clients in partner namespaces)", { ...base, policies: [partners] }, [false, false, false]],
  ["namespace relabelled to partner", { ...base, namespaces: { ...base.namespaces, other: { team: "partner" } }, policies: [partners] }, [false, true, false]],
  ["remote pod added", { ...base, namespaces: { ...base.namespaces, other: { team: "partner" } }, pods: [...base.pods, LATE], policies: [partners] }, [false, true, true]],
  ["pod relabelled", { ...base, namespaces: { ...base.namespaces, other: { team: "partner" } }, pods: [WEB, CLIENT, relabel(REMOTE, { app: "batch" }), LATE], policies: [partners] }, [false, false, true]],
  ["policy removed", { ...base, namespaces: { ...base.namespaces, other: { team: "partner" } }, pods: [WEB, CLIENT, relabel(REMOTE, { app: "batch" }), LATE], policies: [] }, [true, true, true]],
  ["pod deleted (web)", { ...base, pods: [CLIENT, REMOTE, LATE], policies: [] }, [false, false, false]],
];
