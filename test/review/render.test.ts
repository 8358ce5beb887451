/**
 * The report's views and the command's contract: markdown stays bounded however big the change
 * (lists end with "and N more"), JSON is the report itself, usage errors exit 2, --out writes the
 * file, invalid input exits 1 naming the version.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { run } from "../../src/cli/run.js";
import { REVIEW_LIMITS, reviewJson, reviewMarkdown, reviewText, type ReviewReport } from "../../src/review/index.js";
import type { ConnectivityGroup, FlippedPair } from "../../src/review/types.js";

const cwd = resolve(import.meta.dirname, "../../docs/examples/review");

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await run(argv, { stdout: (t) => (out += t), stderr: (t) => (err += t), cwd, env: {} });
  return { code, out, err };
}

function bigReport(n: number): ReviewReport {
  const pair = (i: number): FlippedPair => ({
    from: `ns-${i}/a`,
    to: `ns-${i}/b`,
    port: 80,
    protocol: "TCP",
    base: { verdict: "deny" },
    head: { verdict: "allow", decidedBy: { summary: `rule ${i}`, direction: "ingress", node: "n", chain: "c", rule: 0, hash: "cali:x" } },
  });
  const group = (i: number): ConnectivityGroup => ({ change: "opened", from: { kind: "pod", name: `ns-${i}/a` }, to: { kind: "pod", name: `ns-${i}/b` }, port: 80, protocol: "TCP", count: 1, sources: 1, destinations: 1, base: { verdict: "deny" }, head: { verdict: "allow" } });
  const pairs = Array.from({ length: n }, (_, i) => pair(i));
  return {
    kind: "ReviewReport",
    version: 1,
    base: { label: "base", paths: ["base"] },
    head: { label: "head", paths: ["head"] },
    connectivity: { opened: pairs, closed: [], added: [], removed: [], podsAdded: [], podsRemoved: [], summary: pairs.map((_, i) => group(i)), probes: [{ protocol: "TCP", port: 80 }], podsTouched: n, pods: 2 * n },
    rules: {
      nodesCompared: n,
      nodesChanged: n,
      changes: Array.from({ length: n }, (_, i) => ({ count: 1, nodes: [`node-${i}`], chains: Array.from({ length: 40 }, (_, j) => ({ chain: `filter/c-${j}`, change: "added" as const, linesAdded: 1, linesRemoved: 0, policies: [] })), ipsets: [], linesAdded: 40, linesRemoved: 0 })),
    },
    problems: { lint: [], lintFixed: [], diagnostics: [], staged: [] },
  };
}

describe("review views", () => {
  it("markdown of a huge change stays bounded, and says how much was left out", () => {
    const md = reviewMarkdown(bigReport(5000));
    expect(md.length).toBeLessThan(20_000);
    expect(md).toContain(`and ${5000 - REVIEW_LIMITS.groups} more groups`);
    expect(md).toContain(`and ${40 - REVIEW_LIMITS.chains} more chains`);
    expect(md).toContain(`and ${5000 - REVIEW_LIMITS.nodeClasses} more node classes`);
  });
  it("markdown escapes table-breaking characters from names", () => {
    const r = bigReport(1);
    const evil = { ...r, head: { label: "a|b`<script>", paths: [] } };
    expect(reviewMarkdown(evil)).toContain("Head: a\\|b\\`\\<script\\>");
  });
  it("JSON is the report, and text lists the groups", () => {
    const r = bigReport(2);
    expect(JSON.parse(reviewJson(r))).toEqual(r);
    expect(reviewText(r)).toContain("opened ns-0/a -> ns-0/b TCP/80");
  });
});

describe("policy-compile review", () => {
  it.each([
    [["review", "--head", "head"], "pass the version before the change with --base"],
    [["review", "--base", "base"], "pass the changed version with --head"],
    [["review", "--base", "base", "--head", "head", "--git", "main"], "do not also pass --base"],
    [["review", "--base", "base", "--head", "head", "--port", "0"], "--port 0: expected 1..65535"],
  ])("%j is a usage error (exit 2)", async (argv, message) => {
    const r = await cli(argv);
    expect(r.code).toBe(2);
    expect(r.err).toContain(message);
    expect(r.out).toBe("");
  });
  it("an invalid version is exit 1 with its located diagnostics", async () => {
    const r = await cli(["review", "--base", "base", "--head", "../input-safety/octal-port.yaml"]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/the head version \(..\/input-safety\/octal-port.yaml\) is invalid:\n\S*input-safety\/octal-port.yaml:9:17: error PC1004: /);
  });
  it("--out writes the report; --format json is the contract", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pc-review-out-"));
    try {
      const r = await cli(["review", "--base", "base", "--head", "head", "--format", "json", "--out", join(dir, "r.json")]);
      expect(r.code).toBe(0);
      expect(r.out).toBe("");
      const report = JSON.parse(readFileSync(join(dir, "r.json"), "utf8")) as ReviewReport;
      expect(report.connectivity.opened.map((p) => `${p.from} ${p.to} ${p.port} ${p.protocol} ${p.base.verdict}->${p.head.verdict}`)).toEqual([
        "default/client1 default/web-1 8080 TCP deny->allow",
        "default/client1 default/web-2 8080 TCP deny->allow",
        "default/client1-b default/web-1 8080 TCP deny->allow",
        "default/client1-b default/web-2 8080 TCP deny->allow",
      ]);
      expect(report.connectivity.closed.map((p) => p.port)).toEqual([80, 80, 80, 80]);
      expect(report.connectivity.opened[0]?.head.decidedBy).toMatchObject({ file: "head/policy.yaml", line: 13, ruleIndex: 0, direction: "ingress" });
      expect(report.connectivity.summary.map((g) => `${g.change} ${g.from.kind}:${g.from.name} ${g.count}`)).toEqual(["opened namespace:default 4", "closed namespace:default 4"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it("reviews inputs with host endpoints: the host is a peer, its node's pods traced through its host chains", async () => {
    const hep = "../../../golden/hep-named/input";
    const r = await cli(["review", "--base", hep, "--head", hep, "--format", "json"]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out) as ReviewReport;
    expect(report.connectivity.opened).toEqual([]);
    expect(report.connectivity.closed).toEqual([]);
  });
  it("a host endpoint with only expectedIPs needs --host-interface (PC8050), then is reviewed", async () => {
    const hep = "../../../golden/hep-expected-ips/input";
    const refused = await cli(["review", "--base", hep, "--head", hep]);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/^error\[PC8050\]: HostEndpoint \S+ \(node node-1\), \S+ \(node node-1\) gives only expectedIPs: .* --host-interface NAME=IP/);
    expect(refused.out).toBe("");
    const r = await cli(["review", "--base", hep, "--head", hep, "--host-interface", "eth0=192.168.1.10", "--host-interface", "mgmt0=192.168.2.10"]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toContain("connectivity: 0 opened, 0 closed");
  });
  it("--fail-on any passes an empty change", async () => {
    const r = await cli(["review", "--base", "base", "--head", "base", "--fail-on", "any"]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("connectivity: 0 opened, 0 closed (0 of 6 pods touched");
  });
});
