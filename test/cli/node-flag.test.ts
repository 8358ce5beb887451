/**
 * A typo must not remove enforcement: `--node` naming a node that no endpoint of the inputs is
 * on stops compile, diff and apply with PC3050 (exit 1, nothing on stdout, the kernel never
 * read), listing the nodes the inputs do name; `--allow-empty-node` is the explicit way through.
 */
import { describe, expect, it } from "vitest";
import { cli } from "./helpers.js";

const CLUSTER = "golden/k8s-web-from-client1/input";
const POLICY_ONLY = "test/cli/fixtures/nodes/policy-only.yaml";

describe("--node must name a node of the inputs", () => {
  it.each([
    ["compile", ["compile", "-f", CLUSTER, "--node", "nod-1"]],
    ["diff --live", ["diff", "-f", CLUSTER, "--node", "nod-1", "--live"]],
    // The dataplane binaries do not exist: the check must come before any kernel access.
    ["apply", ["apply", "-f", CLUSTER, "--node", "nod-1", "--iptables-save", "/nonexistent/iptables-save", "--ipset", "/nonexistent/ipset"]],
    ["apply --dry-run", ["apply", "-f", CLUSTER, "--node", "nod-1", "--dry-run", "--iptables-save", "/nonexistent/iptables-save"]],
  ])("%s with a mistyped node: exit 1, PC3050 with the suggestion and the named nodes, nothing on stdout", async (_name, argv) => {
    const r = await cli(argv);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain('error PC3050: node "nod-1" has no endpoint in the inputs (did you mean "node-1"?): the inputs name 2 nodes: "node-1", "node-2".');
    expect(r.stderr).toContain("pass --allow-empty-node");
    expect(r.stderr).not.toContain("internal error");
  });

  it("a node far from every named one gets no suggestion", async () => {
    const r = await cli(["compile", "-f", CLUSTER, "--node", "worker-17"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error PC3050: node "worker-17" has no endpoint in the inputs: the inputs name 2 nodes: "node-1", "node-2".');
  });

  it("inputs without any endpoint say that no node is named", async () => {
    const r = await cli(["compile", "-f", POLICY_ONLY, "--node", "node-1"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error PC3050: node "node-1" has no endpoint in the inputs: the inputs name no node at all (no Pod with spec.nodeName, no WorkloadEndpoint or HostEndpoint with spec.node).');
  });

  it("--allow-empty-node compiles the node's base chains", async () => {
    const r = await cli(["compile", "-f", POLICY_ONLY, "--node", "node-1", "--allow-empty-node"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain(":cali-FORWARD - -");
    // No endpoint, so no policy chain: exactly why the check exists.
    expect(r.stdout).not.toContain("cali-po-");
  });

  it("a named node compiles as before", async () => {
    const r = await cli(["compile", "-f", CLUSTER, "--node", "node-2"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("cali-tw-");
  });

  it("an offline diff accepts a node that either version names (a change may remove its last endpoint)", async () => {
    const removesAll = await cli(["diff", "--node", "node-1", "--from", CLUSTER, "--to", POLICY_ONLY]);
    expect(removesAll.code).toBe(0);
    expect(removesAll.stdout).toMatch(/^--delete-chain cali-tw-cali/m);
    const neither = await cli(["diff", "--node", "nod-1", "--from", CLUSTER, "--to", CLUSTER]);
    expect(neither.code).toBe(1);
    expect(neither.stdout).toBe("");
    expect(neither.stderr).toContain('error PC3050: node "nod-1" has no endpoint in the inputs (did you mean "node-1"?)');
  });

  it.each([[" node-1"], ["node-1 "], [""]])("--node %j is a usage error (exit 2)", async (node) => {
    const r = await cli(["compile", "-f", CLUSTER, "--node", node]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
  });
});
