/**
 * Policy-group chains through diff and apply like every owned chain: an order change that renames
 * a group creates the new chain (forward reference), rewrites the endpoint chain's jump, and
 * deletes the old group chain after nothing references it; on the model kernel (legacy and nft)
 * the transaction leaves exactly the desired state.
 */
import { describe, expect, it } from "vitest";
import { diff } from "../../src/diff/diff.js";
import { kernelStateOf } from "../../src/diff/kernel-state.js";
import { loadSources } from "../../src/model/load.js";
import { compile } from "../../src/render/compile.js";
import type { DataplaneState } from "../../src/render/types.js";
import { ModelKernel } from "./model-kernel.js";
import { applyTo } from "./harness.js";

const pod = `apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: v1
kind: Pod
metadata: {name: api, namespace: shop, labels: {app: api}}
spec: {nodeName: node-1, containers: [{name: c, image: i}]}
status: {podIP: 10.0.0.5, phase: Running}
`;
const np = (name: string, order: number, action: string) => `apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: ${name}, namespace: shop}
spec: {order: ${order}, selector: app == 'api', types: [Ingress], ingress: [{action: ${action}, protocol: TCP, destination: {ports: [80]}}]}
`;

function stateOf(orders: [number, number]): DataplaneState {
  const loaded = loadSources([pod, np("first", orders[0], "Allow"), np("second", orders[1], "Deny")].map((text, i) => ({ file: `d${i}.yaml`, text })));
  expect(loaded.diagnostics).toEqual([]);
  return compile(loaded.model, { node: "node-1" });
}
const groupName = (s: DataplaneState): string => s.chains.map((c) => c.name).find((n) => n.startsWith("cali-gi-")) as string;

describe("policy-group chains in diff and apply", () => {
  const before = stateOf([1, 2]);
  const after = stateOf([2, 1]);
  const [oldGroup, newGroup] = [groupName(before), groupName(after)];

  it("an order change renames the group", () => {
    expect(oldGroup).toMatch(/^cali-gi-/);
    expect(newGroup).toMatch(/^cali-gi-/);
    expect(newGroup).not.toBe(oldGroup);
  });

  it.each(["legacy", "nft"] as const)("%s: new group forward-referenced and filled, endpoint jump rewritten, old group deleted last", (backend) => {
    const tx = diff(kernelStateOf(before), after, { backend });
    const lines = tx.iptables;
    const at = (l: string): number => lines.indexOf(l);
    expect(at(`:${newGroup} - -`)).toBeGreaterThan(0);
    expect(lines.filter((l) => l.startsWith(`-A ${newGroup} `))).toHaveLength(2);
    expect(lines.some((l) => / cali-tw-\S+ .*--jump cali-gi-/.test(l) && l.includes(newGroup))).toBe(true);
    const deleted = at(`--delete-chain ${oldGroup}`);
    expect(deleted).toBeGreaterThan(at(`:${newGroup} - -`));
    expect(lines.slice(deleted).some((l) => /^-[ARDI] /.test(l))).toBe(false);

    const kernel = new ModelKernel(backend);
    applyTo(kernel, diff(kernel.state(), before, { backend }));
    applyTo(kernel, diff(kernel.state(), after, { backend }));
    expect(kernel.state()).toEqual(kernelStateOf(after));
    // Nothing left to do.
    expect(diff(kernel.state(), after, { backend }).iptables).toEqual([]);
  });
});
