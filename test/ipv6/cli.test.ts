/** The CLI with IPv6 in play: compile --out, stdout sections, json per family, offline diff, explain. */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { cli } from "../cli/helpers.js";

const dual = ["-f", "golden/dual-stack-k8s/input"];
const v4only = ["-f", "golden/k8s-web-from-client1/input"];
const tmp = mkdtempSync(join(tmpdir(), "pc-ipv6-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("compile", () => {
  it("--out writes ip6tables.restore beside the IPv4 files, and the cali60 sets after the cali40 ones", async () => {
    const out = join(tmp, "dual");
    const r = await cli(["compile", ...dual, "--node", "node-1", "--out", out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^node node-1: \d+ chains, \d+ rules, 2 ipsets, 3 members; IPv6: \d+ chains, \d+ rules, 2 ipsets, 2 members; wrote .*ipsets\.restore, .*iptables\.restore and .*ip6tables\.restore\n$/);
    expect(readFileSync(join(out, "ip6tables.restore"), "utf8")).toBe(readFileSync("golden/dual-stack-k8s/ip6tables.restore", "utf8"));
    const sets = readFileSync(join(out, "ipsets.restore"), "utf8").split("\n").filter((l) => l.startsWith("create "));
    expect(sets.map((l) => l.split(" ")[1]?.slice(0, 6))).toEqual(["cali40", "cali40", "cali60", "cali60"]);
  });

  it("an IPv4-only input writes no ip6tables.restore and prints no IPv6 section", async () => {
    const out = join(tmp, "v4");
    const r = await cli(["compile", ...v4only, "--node", "node-2", "--out", out]);
    expect(r.stdout).not.toContain("IPv6");
    expect(existsSync(join(out, "ip6tables.restore"))).toBe(false);
    const printed = await cli(["compile", ...v4only, "--node", "node-2"]);
    expect(printed.stdout).not.toContain("# ip6tables.restore");
  });

  it("stdout has the three sections in load order", async () => {
    const r = await cli(["compile", ...dual, "--node", "node-1"]);
    expect(r.stdout.split("\n").filter((l) => l.startsWith("# "))).toEqual(["# ipsets.restore", "# iptables.restore", "# ip6tables.restore"]);
  });

  it("--format json --ip-version 6 prints the IPv6 state; without IPv6 it is a usage error", async () => {
    const r = await cli(["compile", ...dual, "--node", "node-1", "--format", "json", "--ip-version", "6"]);
    const state = JSON.parse(r.stdout) as { ipVersion: number; ipsets: { family: string }[] };
    expect(state.ipVersion).toBe(6);
    expect(state.ipsets.map((s) => s.family)).toEqual(["inet6", "inet6"]);
    const none = await cli(["compile", ...v4only, "--node", "node-2", "--format", "json", "--ip-version", "6"]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("--ip-version 6: the input has no IPv6");
  });
});

describe("diff --from --to", () => {
  it("gives one transaction per family when either side uses IPv6", async () => {
    const r = await cli(["diff", "--node", "node-1", "--from", "golden/k8s-web-from-client1/input", "--to", "golden/dual-stack-k8s/input"]);
    expect(r.code).toBe(0);
    const banners = r.stdout.split("\n").filter((l) => /^# (IPv[46]|ip6?tables-restore)/.test(l));
    expect(banners).toEqual(["# IPv4", "# iptables-restore --noflush (legacy)", "# IPv6", "# ip6tables-restore --noflush (legacy)"]);
    expect(r.stdout).toMatch(/^create cali60s:\S+ hash:net family inet6 maxelem 1048576$/m);
    // The IPv6 "from" side is the IPv6 state of the IPv4-only input (static chains, its pods):
    // the transaction adds the new policy's IPv6 rules, not the static chains again.
    const v6 = r.stdout.slice(r.stdout.indexOf("# IPv6"));
    expect(v6).toMatch(/--match-set cali60s:\S+ src/);
    expect(v6).not.toContain("cali40");
    expect(v6).not.toContain("cali-wl-to-host");
  });

  it("is the single IPv4 transaction, as before, when neither side uses IPv6", async () => {
    const r = await cli(["diff", "--node", "node-2", "--from", "golden/k8s-web-from-client1/input", "--to", "golden/k8s-deny-all/input"]);
    expect(r.stdout).not.toContain("# IPv");
  });
});

describe("explain", () => {
  it.each([
    [["--from", "shop/client", "--to", "shop/web", "--port", "8080", "--ip-version", "6"], /^shop\/client -> shop\/web TCP\/8080 \(IPv6\): ALLOW\n/],
    [["--from", "2001:db8:100:1::7", "--to", "shop/web", "--port", "8080"], /^2001:db8:100:1::7 -> shop\/web TCP\/8080 \(IPv6\): ALLOW\n/],
    [["--from", "2001:db8:100:ff::7", "--to", "shop/web", "--port", "8080"], /^2001:db8:100:ff::7 -> shop\/web TCP\/8080 \(IPv6\): DENY\n/],
    [["--from", "shop/client", "--to", "shop/web", "--protocol", "ICMP", "--ip-version", "6"], /^shop\/client -> shop\/web ICMPv6 echo \(IPv6\): DENY\n/],
  ])("%j", async (args, headline) => {
    const r = await cli(["explain", ...dual, ...args]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(headline);
  });

  it("an IPv4-only pod over IPv6 exits 1 with PC8001", async () => {
    const r = await cli(["explain", ...dual, "--from", "shop/legacy", "--to", "shop/web", "--port", "8080", "--ip-version", "6"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("error[PC8001]: pod shop/legacy has no IPv6 address");
  });
});
