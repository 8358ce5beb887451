/**
 * The upstream e2e cluster (test/e2e/network/netpol/model.go): namespaces x, y, z labelled
 * `ns=<name>`, pods a, b, c labelled `pod=<name>`, each serving ports 80 and 81 with container
 * ports named serve-80-tcp, serve-80-udp, serve-80-sctp, serve-81-… Pods alternate between the
 * two nodes, so both same-node and cross-node pairs are probed.
 */
import type { CaseFamily } from "../harness/case.js";
import { servePorts, type PodDef } from "../harness/resources.js";

const NODES = ["node-1", "node-2"] as const;
/** Per-node /26 blocks as Calico IPAM hands them out: 10.65.0.0/26 and 10.65.0.64/26. */
const BLOCK_BASE = { "node-1": 0, "node-2": 64 } as const;

function xyzPods(): PodDef[] {
  const pods: PodDef[] = [];
  const used = { "node-1": 0, "node-2": 0 };
  let i = 0;
  for (const namespace of ["x", "y", "z"]) {
    for (const name of ["a", "b", "c"]) {
      const node = NODES[i % 2]!;
      const ip = `10.65.0.${BLOCK_BASE[node] + ++used[node]}`;
      pods.push({ namespace, name, node, ip, labels: { pod: name }, containerPorts: servePorts([80, 81]) });
      i++;
    }
  }
  return pods;
}

export const XYZ_FAMILY: CaseFamily = {
  name: "upstream e2e cluster x/y/z",
  tag: "xyz",
  nodes: NODES,
  namespaces: ["x", "y", "z"].map((name) => ({ name, labels: { ns: name } })),
  pods: xyzPods(),
  servePorts: [80, 81],
};
