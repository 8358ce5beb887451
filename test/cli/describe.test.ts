/** `describe node` through the real CLI on docs/examples/cli: what lands on a node, text and JSON. */
import { describe, expect, it } from "vitest";
import { cli } from "./helpers.js";

const SHOP = ["-f", "docs/examples/cli"];

describe("describe node", () => {
  it("prints each endpoint's tiers, policies, profiles and rule counts, the ipsets and totals", async () => {
    const r = await cli(["describe", "node", "node-2", ...SHOP]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      [
        "node node-2 (IPv4)",
        "endpoints (2):",
        "  shop/web-7d9f8c6b5-q8k2m (calid75193b102c)",
        "    ingress: tier default: knp/shop/web; profiles kns.shop, ksa.shop.default; 15 rules",
        "    egress:  no policy; profiles kns.shop, ksa.shop.default; 12 rules",
        "  shop-db/db-0 (cali9cbff9bd8bb)",
        "    ingress: tier security: gnp/security.audit-db; tier default: knp/shop-db/db; profiles kns.shop-db, ksa.shop-db.default; 21 rules",
        "    egress:  no policy; profiles kns.shop-db, ksa.shop-db.default; 12 rules",
        "ipsets (2):",
        "  cali40n:6eV5j5aFnrMnyoK7BqNViMD 1 member: all() with named port postgres/tcp",
        '  cali40s:Sat5BZSvQZurlMDAtfLp6SS 1 member: (pcns.kubernetes.io/metadata.name == "shop" && (projectcalico.org/orchestrator == "k8s" && app == "api"))',
        "totals: 2 endpoints, 3 policies, 4 profiles, 26 chains, 89 rules, 2 ipsets, 2 members",
        "",
      ].join("\n"),
    );
  });

  it("-o json is the same description, -n filters the endpoints", async () => {
    const r = await cli(["describe", "node", "node-2", ...SHOP, "-n", "shop-db", "-o", "json"]);
    const d = JSON.parse(r.stdout);
    expect(d.endpoints.map((e: { endpoint: string }) => e.endpoint)).toEqual(["shop-db/db-0"]);
    expect(d.endpoints[0].ingress).toEqual({ tiers: [{ tier: "security", policies: ["gnp/security.audit-db"] }, { tier: "default", policies: ["knp/shop-db/db"] }], profiles: ["kns.shop-db", "ksa.shop-db.default"], rules: 21 });
    expect(d.totals).toEqual({ endpoints: 2, policies: 3, profiles: 4, chains: 26, rules: 89, ipsets: 2, members: 2 });
  });

  it("the rule count is what compile emits for the node", async () => {
    const d = JSON.parse((await cli(["describe", "node", "node-1", ...SHOP, "-o", "json"])).stdout);
    const state = JSON.parse((await cli(["compile", ...SHOP, "--node", "node-1", "-o", "json"])).stdout);
    const rules = state.chains.reduce((n: number, c: { rules: unknown[] }) => n + c.rules.length, 0) + state.hooks.reduce((n: number, h: { inserts: unknown[]; appends: unknown[] }) => n + h.inserts.length + h.appends.length, 0);
    expect(d.totals.rules).toBe(rules);
    expect(d.totals.chains).toBe(state.chains.length);
  });

  it("refuses what it cannot describe, an unknown node and an unknown namespace", async () => {
    expect((await cli(["describe", "pod", "x", ...SHOP])).code).toBe(2);
    const node = await cli(["describe", "node", "node-9", ...SHOP]);
    expect(node.code).toBe(1);
    expect(node.stderr).toContain("PC3050");
    const ns = await cli(["describe", "node", "node-1", ...SHOP, "-n", "nosuch"]);
    expect(ns.stderr).toBe('error[PC8011]: --namespace: namespace "nosuch" is not in the inputs (known: shop, shop-db)\n');
  });
});
