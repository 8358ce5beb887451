/** --failsafe-inbound / --failsafe-outbound: Felix's list format, on every command that compiles. */
import { describe, expect, it } from "vitest";
import { parseFailsafeList } from "../../src/cli/failsafe-flags.js";
import { cli } from "./helpers.js";

const hep = ["-f", "golden/hep-named/input"];
const chainRules = (restore: string, chain: string): string[] =>
  restore
    .split("\n")
    .filter((l) => l.startsWith(`-A ${chain} `))
    .map((l) => l.replace(/ -m comment --comment "cali:[^"]+"/, ""));

describe("parseFailsafeList (Felix's port-list syntax)", () => {
  it("reads port, proto:port and proto:net:port (tcp by default, any case, canonical nets)", () => {
    expect(parseFailsafeList("tcp:22, udp:68,179,UDP:10.1.2.3:53,tcp:10.1.2.3/8:2379,tcp::2380,tcp:0,+5473,", "--x")).toEqual([
      { protocol: "tcp", port: 22 },
      { protocol: "udp", port: 68 },
      { protocol: "tcp", port: 179 },
      { protocol: "udp", port: 53, net: "10.1.2.3/32" },
      { protocol: "tcp", port: 2379, net: "10.0.0.0/8" },
      { protocol: "tcp", port: 2380 },
      { protocol: "tcp", port: 0 },
      { protocol: "tcp", port: 5473 },
    ]);
  });

  it("reads a bracketed net (IPv6 or IPv4) wherever the entry has it", () => {
    expect(parseFailsafeList("tcp:[FD00:0::/8]:6443,[fd00::1]:22,udp:[10.0.0.0/8]:68", "--x")).toEqual([
      { protocol: "tcp", port: 6443, net: "fd00::/8" },
      { protocol: "tcp", port: 22, net: "fd00::1/128" },
      { protocol: "udp", port: 68, net: "10.0.0.0/8" },
    ]);
  });

  it.each(["none", "NONE", "", "  ", ","])("%j turns the direction off", (text) => {
    expect(parseFailsafeList(text, "--x")).toEqual([]);
  });

  it.each([
    ["tcp:22,udp:x", /entry 2 "udp:x": port "x" is not an integer/],
    ["tcp:65536", /entry 1 "tcp:65536": port 65536 is not in 0\.\.65535/],
    ["tcp:-1", /port -1 is not in 0\.\.65535/],
    ["sctp:9", /unknown protocol "sctp" \(tcp or udp\)/],
    [":22", /unknown protocol "" \(tcp or udp\)/],
    ["10.0.0.0/8:2379", /unknown protocol "10\.0\.0\.0\/8"/],
    ["tcp:fd00::/8:22", /too many ':' \(an IPv6 net goes in brackets\)/],
    ["tcp:[fd00::/8]22", /a bracketed net must be followed by ':'/],
    ["tcp:300.0.0.0/8:22", /"300\.0\.0\.0\/8" is not an IP or CIDR/],
    ["tcp:[fd00::/200]:22", /"fd00::\/200" is not an IP or CIDR/],
    [" none", /entry 1 "none": port "none" is not an integer/],
  ])("%j is a PC3070 error naming the flag and the entry", (text, why) => {
    expect(() => parseFailsafeList(text, "--failsafe-inbound")).toThrow(why);
    expect(() => parseFailsafeList(text, "--failsafe-inbound")).toThrow(`error[PC3070]: --failsafe-inbound ${JSON.stringify(text)}: entry`);
  });
});

describe("the failsafe flags on the CLI", () => {
  it("compile: the lists replace Felix's defaults, per family; none empties a direction", async () => {
    const dflt = await cli(["compile", ...hep, "--node", "node-1"]);
    expect(chainRules(dflt.stdout, "cali-failsafe-in")).toContain("-A cali-failsafe-in -p tcp -m multiport --destination-ports 6443 --jump ACCEPT");
    const r = await cli(["compile", ...hep, "--node", "node-1", "--failsafe-inbound", "tcp:22,udp:10.0.0.0/8:68,tcp:[fd00::/8]:179", "--failsafe-outbound", "none"]);
    expect(r.code).toBe(0);
    expect(chainRules(r.stdout, "cali-failsafe-in")).toEqual([
      "-A cali-failsafe-in -p tcp -m multiport --destination-ports 22 --jump ACCEPT",
      "-A cali-failsafe-in -p udp -m multiport --destination-ports 68 --source 10.0.0.0/8 --jump ACCEPT",
    ]);
    expect(chainRules(r.stdout, "cali-failsafe-out")).toEqual([]);
    expect(r.stdout).toContain(":cali-failsafe-out - -");
  });

  it.each([
    [["compile", ...hep, "--node", "node-1"]],
    [["diff", "--from", "golden/hep-named/input", "--to", "golden/hep-named/input", "--node", "node-1", "--backend", "legacy"]],
    [["apply", ...hep, "--node", "node-1", "--dry-run", "--backend", "legacy"]],
    [["explain", ...hep, "--from", "1.2.3.4", "--to", "x/y", "--port", "1"]],
    [["matrix", ...hep]],
    [["agent", "--node", "node-1", "--watch", "golden/hep-named/input"]],
  ])("%j exits 2 (a usage error) with the PC3070 message on a bad list, before reading the kernel or the inputs", async (args) => {
    const r = await cli([...args, "--failsafe-outbound", "udp:53,tcp:99999"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('error[PC3070]: --failsafe-outbound "udp:53,tcp:99999": entry 2 "tcp:99999": port 99999 is not in 0..65535');
    expect(r.stdout).toBe("");
  });

  it("diff --from/--to compiles both sides with the flags: the same inputs give no changes", async () => {
    const r = await cli(["diff", "--from", "golden/hep-named/input", "--to", "golden/hep-named/input", "--node", "node-1", "--backend", "legacy", "--failsafe-inbound", "tcp:22"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("# no changes\n");
  });
});
