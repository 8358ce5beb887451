/** The explain and matrix commands in-process: verdicts, the JSON contracts, and errors. */
import { describe, expect, it } from "vitest";
import { cli } from "./helpers.js";

const input = ["-f", "golden/k8s-web-from-client1/input"];

describe("policy-compile explain", () => {
  it("names the deciding policy rule, its file:line and the cali: hash", async () => {
    const r = await cli(["explain", ...input, "--from", "default/client1", "--to", "default/web-2", "--port", "80"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^default\/client1 -> default\/web-2 TCP\/80: ALLOW\n/);
    expect(r.stdout).toContain("decided by: KubernetesNetworkPolicy default/test-network-policy (tier default) ingress rule 0 (Allow)");
    expect(r.stdout).toContain("at:         golden/k8s-web-from-client1/input/policy.yaml:13");
    expect(r.stdout).toMatch(/rule: +cali-pi-\S+ #0 cali:[A-Za-z0-9_-]{16}: /);
  });

  it("prints the JSON contract: one egress hop on node-1, one ingress hop on node-2", async () => {
    const r = await cli(["explain", ...input, "--from", "default/client2", "--to", "default/web-2", "--port", "80", "--format", "json"]);
    const j = JSON.parse(r.stdout) as { verdict: string; hops: { node: string; direction: string; verdict: string; decidedBy: { kind: string }; chains: string[] }[] };
    expect(j.verdict).toBe("deny");
    expect(j.hops.map((h) => [h.node, h.direction, h.verdict, h.decidedBy.kind])).toEqual([
      ["node-1", "egress", "allow", "profileRule"],
      ["node-2", "ingress", "deny", "endOfTier"],
    ]);
    expect(j.hops[1]?.chains[0]).toBe("FORWARD");
  });

  it.each([
    [["--from", "default/ghost", "--to", "default/web-2", "--port", "80"], 1, /error\[PC8001\]: unknown pod default\/ghost/],
    [["--from", "300.1.1.1", "--to", "default/web-2", "--port", "80"], 1, /300\.1\.1\.1 is not an IPv4 address/],
    [["--from", "default/client1", "--to", "default/web-2"], 2, /--port is required for TCP/],
  ])("%j exits %i", async (args, code, message) => {
    const r = await cli(["explain", ...input, ...args]);
    expect(r.code).toBe(code);
    expect(r.stderr).toMatch(message);
  });
});

describe("policy-compile matrix", () => {
  it("prints every ordered pair of distinct pods as JSON", async () => {
    const r = await cli(["matrix", ...input, "--port", "80", "--format", "json"]);
    const j = JSON.parse(r.stdout) as { pairs: { from: string; to: string; port: number; protocol: string; verdict: string }[] };
    expect(j.pairs.length).toBe(6 * 5);
    expect(j.pairs).toContainEqual({ from: "other/client1", to: "default/web-1", port: 80, protocol: "TCP", verdict: "deny" });
    expect(j.pairs).toContainEqual({ from: "default/client1", to: "default/web-1", port: 80, protocol: "TCP", verdict: "allow" });
  });

  it("with --from/--to and no change prints that nothing flips", async () => {
    const dir = "golden/k8s-web-from-client1/input";
    const r = await cli(["matrix", "--from", dir, "--to", dir]);
    expect(r.stdout).toBe("no pair changes\n");
  });
});

describe("source ports", () => {
  const sp = ["-f", "test/cli/fixtures/source-ports"];
  it("explain traces the default ephemeral source port 40000 and says the rules tell source ports apart", async () => {
    const r = await cli(["explain", ...sp, "--from", "dns/client", "--to", "dns/resolver", "--port", "53", "--protocol", "UDP"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^dns\/client -> dns\/resolver UDP\/53: ALLOW\n/);
    expect(r.stderr).toBe(
      "note: some rules match on source ports, so verdicts are for source port 40000 (the same for source ports 32768-60999); " +
        "the rules tell apart source ports 1-32767, 32768-60999, 61000-65535; pass --source-port N for another\n",
    );
  });

  it("explain --source-port 1000 is outside the allowed range", async () => {
    const r = await cli(["explain", ...sp, "--from", "dns/client", "--to", "dns/resolver", "--port", "53", "--protocol", "UDP", "--source-port", "1000"]);
    expect(r.stdout).toMatch(/^dns\/client -> dns\/resolver UDP\/53 from source port 1000: DENY\n/);
    expect(r.stderr).toContain("verdicts are for source port 1000 (the same for source ports 1-32767)");
  });

  it("matrix takes --source-port too and says which port its verdicts are for", async () => {
    const at = async (extra: string[]) => JSON.parse((await cli(["matrix", ...sp, "--port", "53", "--protocol", "UDP", "--format", "json", ...extra])).stdout) as { pairs: { from: string; to: string; verdict: string }[] };
    const verdictTo = (j: { pairs: { from: string; to: string; verdict: string }[] }) => j.pairs.find((p) => p.from === "dns/client" && p.to === "dns/resolver")?.verdict;
    expect(verdictTo(await at([]))).toBe("allow");
    expect(verdictTo(await at(["--source-port", "1000"]))).toBe("deny");
    const r = await cli(["matrix", ...sp, "--port", "53", "--protocol", "UDP"]);
    expect(r.stderr).toContain("verdicts are for source port 40000");
    // ICMP has no ports: no note.
    expect((await cli(["matrix", ...sp, "--protocol", "ICMP"])).stderr).toBe("");
  });

  it("says nothing about source ports when no rule matches them, and rejects a bad one", async () => {
    const r = await cli(["explain", ...input, "--from", "default/client1", "--to", "default/web-2", "--port", "80"]);
    expect(r.stderr).toBe("");
    const bad = await cli(["explain", ...input, "--from", "default/client1", "--to", "default/web-2", "--port", "80", "--source-port", "0"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--source-port 0: expected 1\.\.65535/);
  });
});

describe("policy-compile matrix --ip-version", () => {
  const dual = ["-f", "golden/dual-stack-k8s/input"];
  it("6 traces the IPv6 rules between the dual-stack pods only (legacy has no IPv6 address)", async () => {
    const r = await cli(["matrix", ...dual, "--ip-version", "6", "--format", "json"]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as { pairs: { from: string; to: string; port: number; protocol: string; verdict: string }[] };
    expect(Object.keys(j)).toEqual(["pairs"]);
    expect(j.pairs).toEqual([
      { from: "shop/client", to: "shop/web", port: 8080, protocol: "TCP", verdict: "allow" },
      { from: "shop/web", to: "shop/client", port: 80, protocol: "TCP", verdict: "deny" },
    ]);
  });

  it("4 is the default, and the IPv6 matrix prints the same grid shape", async () => {
    const four = await cli(["matrix", ...dual]);
    expect((await cli(["matrix", ...dual, "--ip-version", "4"])).stdout).toBe(four.stdout);
    expect(four.stdout).toContain("shop/legacy");
    const six = await cli(["matrix", ...dual, "--ip-version", "6"]);
    expect(six.code).toBe(0);
    expect(six.stdout).not.toContain("shop/legacy");
    expect(six.stdout).toMatch(/^TCP\/8080: /);
  });

  it("6 with ICMP probes ICMPv6 echo, and a bad family is a usage error", async () => {
    const r = await cli(["matrix", ...dual, "--ip-version", "6", "--protocol", "ICMP", "--format", "json"]);
    const j = JSON.parse(r.stdout) as { pairs: { from: string; verdict: string }[] };
    // web's policy isolates it both ways: no ICMPv6 in or out; client has no policy.
    expect(j.pairs.map((p) => `${p.from} ${p.verdict}`)).toEqual(["shop/client deny", "shop/web deny"]);
    const bad = await cli(["matrix", ...dual, "--ip-version", "5"]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/--ip-version/);
  });
});
