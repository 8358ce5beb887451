/**
 * Tracing through policy-group chains (golden/policy-groups): the walker enters the group chain
 * and, from it, the member chains in order until one decides; explain's JSON names each group
 * chain it entered with its policies, and a rule inside a group chain has its origin.
 */
import { describe, expect, it } from "vitest";
import { cli } from "../cli/helpers.js";

const input = "golden/policy-groups/input";

interface JsonHop {
  readonly endpoint: string;
  readonly verdict: string;
  readonly chains: readonly string[];
  readonly groups?: Record<string, readonly string[]>;
  readonly decidedBy: { readonly kind: string; readonly summary: string } | null;
}

async function explainJson(args: readonly string[]): Promise<{ verdict: string; hops: JsonHop[] }> {
  const r = await cli(["explain", "-f", input, ...args, "--format", "json"]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as { verdict: string; hops: JsonHop[] };
}

describe("explain through policy groups", () => {
  it("a Pass inside the group: the walk stops in the group at the third member, the profile decides", async () => {
    const e = await explainJson(["--from", "shop/client", "--to", "shop/api", "--port", "81"]);
    const hop = e.hops.find((h) => h.endpoint === "shop/api") as JsonHop;
    expect(hop.verdict).toBe("allow");
    expect(hop.decidedBy?.summary).toBe("profile kns.shop ingress rule 0 (Allow)");
    const group = Object.keys(hop.groups ?? {})[0] as string;
    expect(group).toMatch(/^cali-gi-/);
    expect(hop.groups?.[group]).toEqual(["np/shop/api-1-deny-8081", "np/shop/api-2-client-80", "np/shop/api-3-pass-81", "np/shop/api-4-web-82", "np/shop/api-5-deny-web-83", "np/shop/api-6-allow-83"]);
    // Members 1-3 ran; 4-6 were skipped (the pass bit is set), the tier's drop too.
    const after = hop.chains.slice(hop.chains.indexOf(group) + 1);
    expect(after.filter((c) => c.startsWith("cali-pi-"))).toHaveLength(3);
    expect(after).toContain("cali-pri-kns.shop");
  });

  it("across the stride: the sixth member decides after the Return on verdict let it run", async () => {
    const e = await explainJson(["--from", "shop/client", "--to", "shop/api", "--port", "83"]);
    const hop = e.hops.find((h) => h.endpoint === "shop/api") as JsonHop;
    expect(hop.decidedBy?.summary).toBe("NetworkPolicy shop/api-6-allow-83 (tier default) ingress rule 0 (Allow)");
    const group = Object.keys(hop.groups ?? {})[0] as string;
    expect(hop.chains.slice(hop.chains.indexOf(group) + 1).filter((c) => c.startsWith("cali-pi-"))).toHaveLength(6);
  });

  it("a hop that enters no group has no groups field", async () => {
    const e = await explainJson(["--from", "shop/api", "--to", "shop/client", "--port", "80"]);
    const plain = e.hops.filter((x) => !x.chains.some((c) => /^cali-g[io]-/.test(c)));
    expect(plain.length).toBeGreaterThan(0);
    for (const h of plain) expect(h.groups).toBeUndefined();
    expect(e.verdict).toBe("allow");
  });
});
