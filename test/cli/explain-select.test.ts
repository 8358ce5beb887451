/**
 * explain names everything (issue 22), through the real CLI on docs/examples/cli: a pod's address
 * is that pod, ns/workload and ns/label=value peers answer per pair grouped where they agree, a
 * deny at the end of a tier says why no rule of its policies took the packet, Log and Pass rules
 * met on the way are listed, hashed chains are named; text and JSON carry the same facts.
 */
import { describe, expect, it } from "vitest";
import { cli } from "./helpers.js";

const SHOP = ["-f", "docs/examples/cli"];
const WEB1 = "shop/web-7d9f8c6b5-x2x4z";
const API = "shop/api-5c4d7b9f6-lm3np";

describe("explain: an address of a pod is that pod", () => {
  it("--to 10.65.0.20 is the api pod, and says so (text)", async () => {
    const byIp = await cli(["explain", ...SHOP, "--from", "shop/web-7d9f8c6b5-q8k2m", "--to", "10.65.0.20", "--port", "80"]);
    const byName = await cli(["explain", ...SHOP, "--from", "shop/web-7d9f8c6b5-q8k2m", "--to", API, "--port", "80"]);
    expect(byIp.stdout.split("\n").slice(0, 2)).toEqual(["shop/web-7d9f8c6b5-q8k2m -> 10.65.0.20 TCP/80: DENY", "10.65.0.20 is shop/api-5c4d7b9f6-lm3np (traced as that pod)"]);
    // The same verdict and trace as naming the pod (before, the address was traced as outside the cluster: ALLOW).
    expect(byIp.stdout.split("\n").slice(2)).toEqual(byName.stdout.split("\n").slice(1));
  });

  it("JSON names the endpoint too", async () => {
    const r = await cli(["explain", ...SHOP, "--from", "10.65.1.10", "--to", "10.65.0.20", "--port", "8080", "-o", "json"]);
    const j = JSON.parse(r.stdout);
    expect(j.verdict).toBe("allow");
    expect(j.resolved).toEqual({ from: { ip: "10.65.1.10", endpoint: "shop/web-7d9f8c6b5-q8k2m" }, to: { ip: "10.65.0.20", endpoint: API } });
  });

  it("an address of no pod is still outside the cluster", async () => {
    const r = await cli(["explain", ...SHOP, "--from", "192.0.2.7", "--to", WEB1, "--port", "80", "-o", "json"]);
    expect(JSON.parse(r.stdout).resolved).toBeUndefined();
  });
});

describe("explain: a deny names the tier's policies and why none of their rules matched", () => {
  it("lists the Log and Pass rules met, the policy of the hashed chain, and the first mismatch per rule", async () => {
    const r = await cli(["explain", ...SHOP, "--from", WEB1, "--to", "shop-db/db-0", "--port", "5432"]);
    expect(r.code).toBe(0);
    const hop = r.stdout.slice(r.stdout.indexOf("node-2: ingress"));
    expect(hop.split("\n").filter((l) => !l.startsWith("  rule:") && !l.startsWith("  chains:"))).toEqual([
      "node-2: ingress of shop-db/db-0: deny",
      "  logged by:  GlobalNetworkPolicy security.audit-db (tier security) ingress rule 0 (Log)",
      "  passed by:  GlobalNetworkPolicy security.audit-db (tier security) ingress rule 1 (Pass)",
      "  decided by: end of tier default: no ingress policy in it allowed or passed the packet (default deny)",
      "  why:        the policies of tier default that select shop-db/db-0 (in order) took no ingress rule:",
      "    KubernetesNetworkPolicy shop-db/db:",
      '      ingress rule 0 (Allow): source 10.65.0.10 is not in cali40s:Sat5BZSvQZurlMDAtfLp6SS (selector (pcns.kubernetes.io/metadata.name == "shop" && (projectcalico.org/orchestrator == "k8s" && app == "api")))',
      "  policy:     cali-pi-_UfkTgh3Ij_NowHLFsMp = gnp/security.audit-db",
      "",
    ]);
  });

  it("does the same for a host endpoint's tier (its end-of-tier drop is known by Felix's comment)", async () => {
    const r = await cli(["explain", "-f", "golden/hep-named/input", "--from", "198.51.100.7", "--to", "host:node-1", "--port", "23"]);
    expect(r.code).toBe(0);
    expect(r.stdout.split("\n").filter((l) => /^ {2}(decided by|why):|^ {4,}/.test(l))).toEqual([
      "  decided by: host endpoint chain cali-fh-eth0: End of tier default. Drop if no policies passed packet",
      "  why:        the policies of tier default that select host endpoint node-1-eth0 (eth0) (in order) took no ingress rule:",
      "    GlobalNetworkPolicy edge-https:",
      "      ingress rule 0 (Allow): destination port 23 is not in 443",
    ]);
    const json = JSON.parse((await cli(["explain", "-f", "golden/hep-named/input", "--from", "198.51.100.7", "--to", "host:node-1", "--port", "23", "-o", "json"])).stdout);
    expect(json.hops[0].unmatchedTier).toBe("default");
    expect(json.hops[0].unmatched[0].rules).toEqual([{ rule: 0, action: "Allow", reason: "destination port 23 is not in 443" }]);
  });

  it("JSON carries the same facts", async () => {
    const r = await cli(["explain", ...SHOP, "--from", WEB1, "--to", "shop-db/db-0", "--port", "5432", "-o", "json"]);
    const hop = JSON.parse(r.stdout).hops[1];
    expect(hop.logged.map((d: { summary: string }) => d.summary)).toEqual(["GlobalNetworkPolicy security.audit-db (tier security) ingress rule 0 (Log)"]);
    expect(hop.passed.map((d: { summary: string }) => d.summary)).toEqual(["GlobalNetworkPolicy security.audit-db (tier security) ingress rule 1 (Pass)"]);
    expect(hop.decidedBy.kind).toBe("endOfTier");
    expect(hop.unmatched).toEqual([
      {
        policy: "KubernetesNetworkPolicy shop-db/db",
        id: "knp/shop-db/db",
        chain: "cali-pi-knp/shop-db/db",
        rules: [{ rule: 0, action: "Allow", reason: 'source 10.65.0.10 is not in cali40s:Sat5BZSvQZurlMDAtfLp6SS (selector (pcns.kubernetes.io/metadata.name == "shop" && (projectcalico.org/orchestrator == "k8s" && app == "api")))' }],
      },
    ]);
    expect(hop.chainPolicies).toEqual({ "cali-pi-_UfkTgh3Ij_NowHLFsMp": "gnp/security.audit-db" });
  });

  it("a port mismatch is worded as one", async () => {
    const r = await cli(["explain", ...SHOP, "--from", WEB1, "--to", API, "--port", "9000", "-o", "json"]);
    const hop = JSON.parse(r.stdout).hops.find((h: { direction: string }) => h.direction === "ingress");
    expect(hop.unmatched[0].rules).toEqual([{ rule: 0, action: "Allow", reason: "destination port 9000 is not in 8080" }]);
  });
});

describe("explain: workloads and labels", () => {
  it("ns/workload answers for each pod, grouped where the answers agree", async () => {
    const r = await cli(["explain", ...SHOP, "--from", "shop/web", "--to", "shop-db/db-0", "--port", "5432"]);
    expect(r.code).toBe(0);
    const lines = r.stdout.split("\n");
    expect(lines[0]).toBe("shop/web (2 pods by workload name) -> shop-db/db-0 TCP/5432: DENY for 2 of 2 pairs, 1 group of agreeing answers");
    expect(lines[2]).toBe("group 1: DENY for 2 pairs: shop/web-7d9f8c6b5-q8k2m -> shop-db/db-0, shop/web-7d9f8c6b5-x2x4z -> shop-db/db-0");
  });

  it("-n with labels and a bare workload name", async () => {
    const r = await cli(["explain", ...SHOP, "-n", "shop", "--from", "app=web", "--to", "api", "--port", "8080", "-o", "json"]);
    const j = JSON.parse(r.stdout);
    expect(j.verdict).toBe("allow");
    expect(j.from).toEqual({ given: "app=web", by: "labels", endpoints: ["shop/web-7d9f8c6b5-q8k2m", WEB1] });
    expect(j.to).toEqual({ given: "api", by: "workload", endpoints: [API] });
    // One web pod is on the api's node, the other is not; the same rules decide both: one group.
    expect(j.groups.map((g: { pairs: unknown[] }) => g.pairs)).toEqual([[{ from: "shop/web-7d9f8c6b5-q8k2m", to: API }, { from: WEB1, to: API }]]);
    expect(j.groups[0].verdict).toBe("allow");
  });

  it("selections that select nothing, or an unknown namespace, are located errors", async () => {
    const none = await cli(["explain", ...SHOP, "--from", "shop/app=nosuch", "--to", "shop-db/db-0", "--port", "5432"]);
    expect(none).toEqual({ code: 1, stdout: "", stderr: "error[PC8010]: --from: no pod of namespace shop has the labels app=nosuch\n" });
    const ns = await cli(["explain", ...SHOP, "--from", "shopp/app=web", "--to", "shop-db/db-0", "--port", "5432"]);
    expect(ns.stderr).toBe('error[PC8011]: --from: namespace "shopp" is not in the inputs (known: shop, shop-db)\n');
    const pod = await cli(["explain", ...SHOP, "--from", "shop/ghost", "--to", "shop-db/db-0", "--port", "5432"]);
    expect(pod.stderr).toMatch(/^error\[PC8001\]: unknown pod shop\/ghost: /);
  });

  it("a bare name needs -n", async () => {
    const r = await cli(["explain", ...SHOP, "--from", "web", "--to", "shop-db/db-0", "--port", "5432"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("policy-compile: --from web: expected ns/pod, ns/workload, ns/label=value");
  });
});
