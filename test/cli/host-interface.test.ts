import { describe, expect, it } from "vitest";
import { cli } from "./helpers.js";

const input = ["-f", "golden/hep-expected-ips/input", "--node", "node-1"];

describe("--host-interface", () => {
  it("places the expectedIPs-only endpoint and warns about the one no interface holds", async () => {
    const r = await cli(["compile", ...input, "--host-interface", "eth0=192.168.1.10", "--host-interface", "mgmt0=192.168.2.10"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("--in-interface mgmt0 --goto cali-fh-mgmt0");
    expect(r.stderr).toMatch(/host\.yaml:\d+:\d+: warning PC4034: HostEndpoint node-1-spare has no interfaceName/);
  });

  it("without it: PC3040, saying how to give interfaces, exit 1", async () => {
    const r = await cli(["compile", ...input]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/host\.yaml:\d+:\d+: error PC3040: HostEndpoint node-1-mgmt on node node-1 has no interfaceName.*--host-interface NAME=IP\[,IP\.\.\.\]/);
  });

  it.each([
    ["eth0", /no '='/],
    ["eth0=10.0.0.300", /"10\.0\.0\.300" is not an IP address/],
    ["eth0=10.0.0.1/24", /is not an IP address \(no prefix length\)/],
    ["=10.0.0.1", /"" is not an interface name/],
    ["a-very-long-interface-name=10.0.0.1", /is not an interface name/],
  ])("%s is refused with PC3044, exit 1", async (value, message) => {
    for (const command of ["compile", "explain", "matrix"]) {
      const args = command === "compile" ? [...input] : command === "explain" ? ["-f", "golden/hep-expected-ips/input", "--from", "198.51.100.7", "--to", "192.168.2.10", "--port", "22"] : ["-f", "golden/hep-expected-ips/input"];
      const r = await cli([command, ...args, "--host-interface", value]);
      expect(r.code, command).toBe(1);
      expect(r.stderr).toMatch(/error\[PC3044\]: --host-interface/);
      expect(r.stderr).toMatch(message);
    }
  });

  it("the same interface twice is refused", async () => {
    const r = await cli(["compile", ...input, "--host-interface", "eth0=192.168.1.10", "--host-interface", "eth0=192.168.2.10"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/interface eth0 is given twice/);
  });

  it("diff --from/--to takes the flag for both sides", async () => {
    const r = await cli(["diff", "--from", "golden/hep-named/input", "--to", "golden/hep-expected-ips/input", "--node", "node-1", "--host-interface", "eth0=192.168.1.10", "--host-interface", "mgmt0=192.168.2.10"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("cali-fh-mgmt0");
  });
});
