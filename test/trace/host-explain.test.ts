/**
 * `policy-compile explain` through host endpoints, on each hep-* golden scenario: the flows
 * below (ingress to a host, egress from it, forwarded through a host endpoint, pod to host),
 * run through the real CLI, must print exactly the reviewed `explain.txt` of the scenario.
 * Each file was read line by line against the scenario's iptables.restore.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cli } from "../cli/helpers.js";

const flows: Readonly<Record<string, readonly (readonly string[])[]>> = {
  "hep-named": [
    ["--from", "198.51.100.7", "--to", "host:node-1", "--port", "443"],
    ["--from", "198.51.100.7", "--to", "192.168.1.10", "--port", "22"],
    ["--from", "198.51.100.7", "--to", "host:node-1", "--port", "8080"],
    ["--from", "host:node-1", "--to", "198.51.100.7", "--port", "8080"],
    ["--from", "host:node-1", "--to", "host:node-2", "--port", "443"],
    ["--from", "default/web", "--to", "host:node-1", "--port", "443"],
  ],
  "hep-prednat": [
    ["--from", "198.51.100.7", "--to", "host:node-1@192.168.1.10", "--port", "30080"],
    ["--from", "203.0.113.5", "--to", "host:node-1@192.168.1.10", "--port", "30080"],
    ["--from", "198.51.100.7", "--to", "default/web", "--port", "30080"],
  ],
  "hep-donottrack": [
    ["--from", "198.51.100.7", "--to", "host:node-1@192.168.1.10", "--protocol", "UDP", "--port", "53"],
    ["--from", "host:node-1@192.168.1.10", "--to", "198.51.100.7", "--protocol", "UDP", "--port", "40000", "--source-port", "53"],
    ["--from", "198.51.100.7", "--to", "host:node-1@192.168.1.10", "--protocol", "UDP", "--port", "5353"],
  ],
  "hep-wildcard": [
    ["--from", "198.51.100.7", "--to", "host:node-1/eth0@192.168.1.10", "--port", "8080"],
    ["--from", "host:node-1/eth0@192.168.1.10", "--to", "198.51.100.7", "--port", "443"],
    ["--from", "198.51.100.7", "--to", "host:node-1/mgmt0@192.168.2.10", "--port", "8080"],
    ["--from", "198.51.100.7", "--to", "host:node-1/mgmt0@192.168.2.10", "--port", "22"],
  ],
  "hep-expected-ips": [
    ["--from", "198.51.100.7", "--to", "192.168.2.10", "--port", "8443", "--host-interface", "eth0=192.168.1.10", "--host-interface", "mgmt0=192.168.2.10"],
    ["--from", "198.51.100.7", "--to", "192.168.2.10", "--port", "443", "--host-interface", "eth0=192.168.1.10", "--host-interface", "mgmt0=192.168.2.10"],
    ["--from", "198.51.100.7", "--to", "192.168.1.10", "--port", "443", "--host-interface", "eth0=192.168.1.10", "--host-interface", "mgmt0=192.168.2.10"],
    ["--from", "198.51.100.7", "--to", "192.168.2.10", "--port", "22", "--host-interface", "eth0=192.168.1.10", "--host-interface", "mgmt0=192.168.2.10"],
  ],
  // Policy groups: a Pass inside a group, a Deny in the first block of five, an Allow after the
  // "Return on verdict", a split run, a group in a host endpoint chain.
  "policy-groups": [
    ["--from", "shop/client", "--to", "shop/api", "--port", "81"],
    ["--from", "shop/web", "--to", "shop/api", "--port", "83"],
    ["--from", "shop/client", "--to", "shop/api", "--port", "83"],
    ["--from", "shop/db", "--to", "shop/web", "--port", "9090"],
    ["--from", "198.51.100.7", "--to", "host:node-1", "--port", "443"],
  ],
  "hep-apply-on-forward": [
    ["--from", "198.51.100.7", "--to", "default/web", "--port", "80"],
    ["--from", "default/web", "--to", "198.51.100.7", "--port", "80"],
    ["--from", "default/client", "--to", "default/web", "--port", "80"],
  ],
};

describe.each(Object.keys(flows))("%s", (name) => {
  it("explains each host flow as reviewed (explain.txt)", async () => {
    const input = join("golden", name, "input");
    const out: string[] = [];
    for (const args of flows[name] ?? []) {
      const r = await cli(["explain", "-f", input, ...args]);
      expect(r.code, r.stderr).toBe(0);
      out.push(`$ policy-compile explain -f ${input} ${args.join(" ")}`, r.stdout);
    }
    await expect(out.join("\n")).toMatchFileSnapshot(join(import.meta.dirname, "../../golden", name, "explain.txt"));
  });
});

describe("explain host peers: errors", () => {
  it.each([
    [["--from", "198.51.100.7", "--to", "host:node-9", "--port", "22"], /error\[PC8030\]: node node-9 has no HostEndpoint/],
    [["--from", "198.51.100.7", "--to", "host:node-1", "--port", "22"], /error\[PC8031\]: node node-1's host endpoints have no IPv4 expectedIPs: give the host's address as host:node-1@<ip>/],
    [["--from", "host:node-1@192.168.1.10", "--to", "host:node-1@192.168.1.10", "--port", "22"], /error\[PC8032\]: host node-1 to itself is loopback/],
    [["--from", "198.51.100.7", "--to", "host:node-1@300.1.1.1", "--port", "22"], /300\.1\.1\.1 is not an IPv4 or IPv6 address/],
    [["--from", "198.51.100.7", "--to", "host:", "--port", "22"], /expected host:<node>\[\/<interface>\]\[@<ip>\]/],
  ])("%j", async (args, message) => {
    const r = await cli(["explain", "-f", "golden/hep-prednat/input", ...args]);
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(message);
  });

  it("JSON names the table and hook of each hop", async () => {
    const r = await cli(["explain", "-f", "golden/hep-donottrack/input", "--from", "198.51.100.7", "--to", "host:node-1@192.168.1.10", "--protocol", "UDP", "--port", "53", "--format", "json"]);
    const j = JSON.parse(r.stdout) as { verdict: string; hops: { table: string; hook: string; untracked?: boolean; endpoint: string; verdict: string; decidedBy: { kind: string } }[] };
    expect(j.verdict).toBe("allow");
    expect(j.hops.map((h) => [h.table, h.hook, h.untracked ?? false, h.endpoint, h.verdict, h.decidedBy.kind])).toEqual([
      ["raw", "PREROUTING", true, "host endpoint node-1-eth0 (eth0)", "allow", "policyRule"],
      ["mangle", "PREROUTING", true, "-", "allow", "rule"],
      ["filter", "INPUT", true, "-", "allow", "rule"],
    ]);
  });
});
