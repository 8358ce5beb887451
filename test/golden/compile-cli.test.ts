/** The `compile` command run in-process: outputs, --out, exit codes, refusals. */
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { run } from "../../src/cli/run.js";

const root = resolve(import.meta.dirname, "../..");
const scenario = "golden/k8s-web-from-client1";

async function cli(...argv: string[]) {
  let stdout = "";
  let stderr = "";
  const code = await run(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), cwd: root, env: {} });
  return { code, stdout, stderr };
}

describe("policy-compile compile", () => {
  it("prints both restore inputs, equal to the golden files", async () => {
    const r = await cli("compile", "-f", `${scenario}/input`, "--node", "node-1");
    expect(r.code).toBe(0);
    const ipsets = readFileSync(join(root, scenario, "ipsets.restore"), "utf8");
    const iptables = readFileSync(join(root, scenario, "iptables.restore"), "utf8");
    expect(r.stdout).toBe(`# ipsets.restore\n${ipsets}# iptables.restore\n${iptables}`);
  });

  it("accepts -f repeated and variadic", async () => {
    const a = await cli("compile", "-f", `${scenario}/input/cluster.yaml`, "-f", `${scenario}/input/policy.yaml`, "--node", "node-1");
    const b = await cli("compile", "-f", `${scenario}/input/cluster.yaml`, `${scenario}/input/policy.yaml`, "--node", "node-1");
    expect(a.code).toBe(0);
    expect(b.stdout).toBe(a.stdout);
  });

  it("--out writes exactly the two files, no temporaries left", async () => {
    const dir = join(mkdtempSync(join(tmpdir(), "pc-compile-")), "nested", "out");
    const r = await cli("compile", "-f", `${scenario}/input`, "--node", "node-1", "--out", dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^node node-1: 22 chains, 89 rules, 1 ipsets, 2 members; wrote /);
    expect(readdirSync(dir).sort()).toEqual(["ipsets.restore", "iptables.restore"]);
    expect(readFileSync(join(dir, "iptables.restore"), "utf8")).toBe(readFileSync(join(root, scenario, "iptables.restore"), "utf8"));
  });

  it("--format json prints the DataplaneState", async () => {
    const r = await cli("compile", "-f", `${scenario}/input`, "--node", "node-1", "--format", "json");
    const state = JSON.parse(r.stdout) as { kind: string; chains: { name: string }[]; hooks: { chain: string }[] };
    expect(state.kind).toBe("DataplaneState");
    expect(state.hooks.map((h) => h.chain)).toEqual(["INPUT", "FORWARD", "OUTPUT"]);
    expect(state.chains.map((c) => c.name)).toContain("cali-pi-_DRtygg12-LYPnN6ZAxG");
  });

  it("--endpoint-to-host-action DROP changes cali-wl-to-host", async () => {
    const r = await cli("compile", "-f", `${scenario}/input`, "--node", "node-1", "--endpoint-to-host-action", "DROP");
    expect(r.stdout).toMatch(/-A cali-wl-to-host -m comment --comment "cali:\S+" -m comment --comment "Configured DefaultEndpointToHostAction" --jump DROP\n/);
  });

  it("a host endpoint on the node without interfaceName is refused with a positioned diagnostic (exit 1)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pc-compile-"));
    const hep = join(dir, "hep.yaml");
    writeFileSync(
      hep,
      "apiVersion: projectcalico.org/v3\nkind: HostEndpoint\nmetadata:\n  name: node-1-eth0\nspec:\n  node: node-1\n  expectedIPs: [10.0.0.1]\n",
    );
    const r = await cli("compile", "-f", `${scenario}/input`, "-f", hep, "--node", "node-1");
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(
      ":1:1: error PC3040: HostEndpoint node-1-eth0 on node node-1 has no interfaceName: it governs the interface that holds one of its expectedIPs (10.0.0.1), which is only known on the node; give the node's interfaces with --host-interface NAME=IP[,IP...] (apply and diff --live read them from the kernel), or set interfaceName\n",
    );
  });

  it.each([
    [["compile", "-f", `${scenario}/input`], "required option '--node <name>' not specified"],
    [["compile", "--node", "node-1"], "required option '-f, --file <path...>' not specified"],
    [["compile", "-f", `${scenario}/input`, "--node", "node-1", "--format", "yaml"], "Allowed choices are restore, json"],
  ])("usage errors exit 2: %j", async (argv, message) => {
    const r = await cli(...argv);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
  });
});
