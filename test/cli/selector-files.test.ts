import { describe, expect, it } from "vitest";
import { cli } from "./helpers.js";

const fixture = "test/cli/fixtures/selector";

describe("policy-compile selector -f", () => {
  it("lists the workload endpoints and network sets the selector selects", async () => {
    const r = await cli(["selector", 'app == "web"', "-f", fixture]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout.split("\n").slice(2)).toEqual([
      "selects 1 of 2 workload endpoints:",
      "  shop/web (node node-1, 10.65.0.10/32)",
      "selects 1 of 1 network sets:",
      "  GlobalNetworkSet partners (198.51.100.0/24)",
      "",
    ]);
  });

  it("matches the labels Calico evaluates, including pcns. namespace labels", async () => {
    const r = await cli(["selector", 'pcns.team == "payments" && projectcalico.org/namespace == "shop"', "-f", fixture]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("selects 2 of 2 workload endpoints:\n  shop/db (node node-2, 10.65.1.20/32)\n  shop/web (node node-1, 10.65.0.10/32)\n");
    expect(r.stdout).toContain("selects 0 of 1 network sets\n");
  });

  it("refuses labels and files together (usage error)", async () => {
    const r = await cli(["selector", "all()", "--labels", "a=b", "-f", fixture]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/not both/);
  });

  it("reports a missing path as invalid input", async () => {
    const r = await cli(["selector", "all()", "-f", "test/cli/fixtures/does-not-exist"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/does-not-exist/);
  });
});
