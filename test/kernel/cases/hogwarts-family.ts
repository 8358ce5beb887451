/**
 * The cluster of the upstream network-policy-api conformance suite (conformance/base/manifests.yaml
 * and the hogwarts-staff namespace its pod-selector tests add): namespaces gryffindor, slytherin,
 * hufflepuff, ravenclaw (labelled `conformance-house: <house>`) with two pods each, and
 * hogwarts-staff with professor-dumbledore-0 and professor-quirrell-0. Pods are labelled
 * `conformance-house` and `statefulset.kubernetes.io/pod-name` as a StatefulSet labels them,
 * serve TCP and UDP on 80, 8080, 53 and 5353 (upstream: TCP 80/8080, UDP 53/5353, SCTP 9003/9005),
 * and declare the named container ports `web` (TCP 80) and `dns` (UDP 53). Namespace names are the
 * upstream ones without the `network-policy-conformance-` prefix. Pods alternate between the two
 * nodes, so same-node and cross-node pairs are both probed.
 */
import type { CaseFamily } from "../harness/case.js";
import type { PodDef } from "../harness/resources.js";

const NODES = ["node-1", "node-2"] as const;
const BLOCK_BASE = { "node-1": 0, "node-2": 64 } as const;

export const HOUSES = ["gryffindor", "slytherin", "hufflepuff", "ravenclaw"] as const;
export const STAFF = "hogwarts-staff";

const POD_NAMES: Readonly<Record<string, readonly string[]>> = {
  gryffindor: ["harry-potter-0", "harry-potter-1"],
  slytherin: ["draco-malfoy-0", "draco-malfoy-1"],
  hufflepuff: ["cedric-diggory-0", "cedric-diggory-1"],
  ravenclaw: ["luna-lovegood-0", "luna-lovegood-1"],
  [STAFF]: ["professor-dumbledore-0", "professor-quirrell-0"],
};

function hogwartsPods(): PodDef[] {
  const pods: PodDef[] = [];
  const used = { "node-1": 0, "node-2": 0 };
  let i = 0;
  for (const [namespace, names] of Object.entries(POD_NAMES)) {
    for (const name of names) {
      const node = NODES[i % 2]!;
      const ip = `10.66.0.${BLOCK_BASE[node] + ++used[node]}`;
      pods.push({
        namespace,
        name,
        node,
        ip,
        labels: { "conformance-house": namespace === STAFF ? "staff" : namespace, "statefulset.kubernetes.io/pod-name": name },
        containerPorts: [
          { name: "web", port: 80, protocol: "TCP" },
          { name: "dns", port: 53, protocol: "UDP" },
        ],
      });
      i++;
    }
  }
  return pods;
}

export const HOGWARTS_FAMILY: CaseFamily = {
  name: "network-policy-api conformance cluster (hogwarts)",
  tag: "npapi",
  nodes: NODES,
  namespaces: [...HOUSES, STAFF].map((name) => ({ name, labels: { "conformance-house": name === STAFF ? "staff" : name } })),
  pods: hogwartsPods(),
  servePorts: [80, 8080, 53, 5353],
};
