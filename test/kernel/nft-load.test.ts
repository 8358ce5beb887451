/**
 * nftables mode in a real kernel (felix-nftables.md):
 *
 * 1. Every golden scenario's committed `calico.nft` loads with `nft -f` into a fresh network
 *    namespace, and `nft --json list table` gives back every chain (base chains with their
 *    hook, type and priority), every set with its elements, every map with its elements, and
 *    every rule's `cali:<hash>` in order.
 * 2. Real traffic between two pod namespaces through a node namespace that holds only the
 *    compiled `ip calico` / `ip6 calico` tables: a policy allowing TCP 80 and not 81, a named
 *    port, ICMP type + code (the form nft accepts, §3.3), over IPv4 and IPv6.
 *
 * Namespaces are ours (`pck-<pid>-nft-…`), removed in `finally`/`afterAll`; the host's ruleset
 * is never listed or touched. Without root or nft the suite skips with a banner, or fails with
 * CI=true.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadSources } from "../../src/model/index.js";
import { compileNftBoth, renderNftScript } from "../../src/render/index.js";
import { inNetns, ipIn, run, sysctlIn } from "./harness/exec.js";
import { isCI, skipBanner } from "./harness/preflight.js";

const goldenDir = join(import.meta.dirname, "../../golden");
const scenarios = readdirSync(goldenDir, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();

async function nftProblems(): Promise<string[]> {
  const problems: string[] = [];
  if (process.getuid?.() !== 0) problems.push("not root (network namespaces need it)");
  const scratch = `pck-${process.pid}-nft-pre`;
  try {
    await run(["ip", "netns", "add", scratch]);
    await inNetns(scratch, ["nft", "-f", "-"], "add table ip pcktest\n");
  } catch (e) {
    problems.push(`nft does not work in a network namespace: ${(e as Error).message.split("\n")[0]}`);
  } finally {
    await run(["ip", "netns", "del", scratch]).catch(() => undefined);
  }
  return problems;
}

const problems = await nftProblems();

interface Listed {
  chains: Map<string, { hook?: string; type?: string; prio?: number; hashes: string[] }>;
  sets: Map<string, string[]>;
  maps: Map<string, string[]>;
}

/** Element of `nft --json` output as the text policy-compile writes it. */
function elementText(e: unknown): string {
  if (typeof e === "string" || typeof e === "number") return String(e);
  const o = e as Record<string, unknown>;
  if (o.prefix) {
    const p = o.prefix as { addr: string; len: number };
    return `${p.addr}/${p.len}`;
  }
  if (o.concat) return (o.concat as unknown[]).map(elementText).join(" . ");
  if (o.elem) return elementText((o.elem as { val: unknown }).val);
  if (o.goto) return `goto ${(o.goto as { target: string }).target}`;
  return JSON.stringify(e);
}

async function listTable(netns: string, family: "ip" | "ip6"): Promise<Listed> {
  const out = await inNetns(netns, ["nft", "--json", "list", "table", family, "calico"]);
  const items = (JSON.parse(out.stdout) as { nftables: Record<string, Record<string, unknown>>[] }).nftables;
  const listed: Listed = { chains: new Map(), sets: new Map(), maps: new Map() };
  for (const item of items) {
    if (item.chain) {
      const c = item.chain as { name: string; hook?: string; type?: string; prio?: number };
      listed.chains.set(c.name, { ...(c.hook && { hook: c.hook, type: c.type, prio: c.prio }), hashes: [] });
    } else if (item.rule) {
      const r = item.rule as { chain: string; comment?: string };
      listed.chains.get(r.chain)?.hashes.push(/^cali:([^;]*);/.exec(r.comment ?? "")?.[1] ?? "");
    } else if (item.set) {
      const s = item.set as { name: string; elem?: unknown[] };
      listed.sets.set(s.name, (s.elem ?? []).map(elementText));
    } else if (item.map) {
      const m = item.map as { name: string; elem?: [unknown, unknown][] };
      listed.maps.set(m.name, (m.elem ?? []).map(([k, v]) => `${elementText(k)} : ${elementText(v)}`));
    }
  }
  return listed;
}

/** What the script declares, per family. */
function declared(script: string, family: "ip" | "ip6") {
  const t = `${family} calico`;
  const chains = new Map<string, { hook?: string; type?: string; prio?: number; hashes: string[] }>();
  const sets = new Map<string, string[]>();
  const maps = new Map<string, string[]>();
  for (const line of script.split("\n")) {
    let m = new RegExp(`^add chain ${t} (\\S+)(?: \\{ type (\\w+) hook (\\w+) priority (-?\\d+) ; \\})?$`).exec(line);
    if (m) chains.set(m[1]!, { ...(m[2] && { hook: m[3], type: m[2], prio: Number(m[4]) }), hashes: [] });
    m = new RegExp(`^add rule ${t} (\\S+) .* comment "cali:([^;]*);`).exec(line);
    if (m) chains.get(m[1]!)?.hashes.push(m[2]!);
    m = new RegExp(`^add set ${t} (\\S+) `).exec(line);
    if (m) sets.set(m[1]!, []);
    m = new RegExp(`^add map ${t} (\\S+) `).exec(line);
    if (m) maps.set(m[1]!, []);
    m = new RegExp(`^add element ${t} (\\S+) \\{ (.*) \\}$`).exec(line);
    if (m) (sets.get(m[1]!) ?? maps.get(m[1]!))?.push(...m[2]!.split(", "));
  }
  return { chains, sets, maps };
}

/** `10.0.0.1/32` reads back as `10.0.0.1`. */
const hostForm = (e: string): string => e.replace(/\/(32|128)$/, "");

function kernelSuite(name: string, body: () => void): void {
  if (problems.length === 0) {
    describe(`kernel (nft): ${name}`, body);
  } else if (isCI) {
    describe(`kernel (nft): ${name}`, () => {
      it("has what the nftables kernel tests need (CI=true: a skip is a failure)", () => {
        throw new Error(problems.join("\n"));
      });
    });
  } else {
    console.warn(skipBanner(`nft: ${name}`, problems));
    describe.skip(`kernel (nft): ${name}`, () => {
      it("skipped: prerequisites missing (see banner)", () => undefined);
    });
  }
}

kernelSuite("every golden calico.nft loads and reads back", () => {
  const netns = `pck-${process.pid}-nft-golden`;
  beforeAll(async () => {
    await run(["ip", "netns", "add", netns]);
  });
  afterAll(async () => {
    await run(["ip", "netns", "del", netns]).catch(() => undefined);
  });

  it.each(scenarios)("%s", async (scenario) => {
    const script = readFileSync(join(goldenDir, scenario, "calico.nft"), "utf8");
    for (const family of ["ip", "ip6"] as const) await inNetns(netns, ["nft", "delete", "table", family, "calico"]).catch(() => undefined);
    await inNetns(netns, ["nft", "-f", "-"], script);
    for (const family of ["ip", "ip6"] as const) {
      const want = declared(script, family);
      if (want.chains.size === 0) continue;
      const got = await listTable(netns, family);
      expect([...got.chains.keys()].sort(), `${family} chains`).toEqual([...want.chains.keys()].sort());
      for (const [chain, w] of want.chains) expect(got.chains.get(chain), `${family} ${chain}`).toEqual(w);
      expect([...got.sets.keys()].sort(), `${family} sets`).toEqual([...want.sets.keys()].sort());
      for (const [set, elems] of want.sets) expect((got.sets.get(set) ?? []).map(hostForm).sort(), `${family} set ${set}`).toEqual(elems.map(hostForm).sort());
      expect([...got.maps.keys()].sort(), `${family} maps`).toEqual([...want.maps.keys()].sort());
      for (const [map, elems] of want.maps) expect((got.maps.get(map) ?? []).sort(), `${family} map ${map}`).toEqual([...elems].sort());
    }
  });
});

const CLUSTER = `
apiVersion: projectcalico.org/v3
kind: WorkloadEndpoint
metadata: { name: node--1-k8s-client-eth0, namespace: default, labels: { role: client } }
spec:
  node: node-1
  orchestrator: k8s
  workload: client
  endpoint: eth0
  interfaceName: calinftcli0
  ipNetworks: [10.66.0.1/32, "fd00:66::1/128"]
---
apiVersion: projectcalico.org/v3
kind: WorkloadEndpoint
metadata: { name: node--1-k8s-server-eth0, namespace: default, labels: { role: server } }
spec:
  node: node-1
  orchestrator: k8s
  workload: server
  endpoint: eth0
  interfaceName: calinftsrv0
  ipNetworks: [10.66.0.2/32, "fd00:66::2/128"]
  ports:
  - { name: http-alt, protocol: TCP, port: 8080 }
---
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: { name: client-egress, namespace: default }
spec:
  selector: role == 'client'
  types: [Egress]
  egress:
  - action: Allow
`;

const serverPolicy = (icmpCode: number): string => `
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: { name: web, namespace: default }
spec:
  selector: role == 'server'
  types: [Ingress]
  ingress:
  - action: Allow
    protocol: TCP
    destination: { ports: [80, http-alt] }
  - action: Allow
    protocol: ICMP
    icmp: { type: 8, code: ${icmpCode} }
  - action: Allow
    protocol: ICMPv6
    icmp: { type: 128, code: ${icmpCode} }
`;

function compileScript(policy: string): string {
  const { model, diagnostics } = loadSources([
    { file: "cluster.yaml", text: CLUSTER },
    { file: "policy.yaml", text: policy },
  ]);
  const errors = diagnostics.filter((d) => d.severity === "error");
  if (errors.length > 0) throw new Error(JSON.stringify(errors));
  const { v4, v6 } = compileNftBoth(model, { node: "node-1" });
  if (!v6) throw new Error("expected the IPv6 table");
  return renderNftScript([v4, v6]);
}

kernelSuite("traffic through the compiled nft tables", () => {
  const tag = `pck-${process.pid}-nft`;
  const node = `${tag}-node`;
  const client = `${tag}-cli`;
  const server = `${tag}-srv`;
  const pods = [
    { ns: client, iface: "calinftcli0", v4: "10.66.0.1", v6: "fd00:66::1" },
    { ns: server, iface: "calinftsrv0", v4: "10.66.0.2", v6: "fd00:66::2" },
  ];
  let listener: ChildProcess | undefined;

  beforeAll(async () => {
    for (const ns of [node, client, server]) await run(["ip", "netns", "add", ns]);
    await sysctlIn(node, { "net.ipv4.ip_forward": 1, "net.ipv6.conf.all.forwarding": 1 });
    // Proxy ARP answers for the pods' gateway 169.254.1.1 only when the node routes it out of
    // another interface, as a real node's default route does: a veth pair inside the node.
    await ipIn(node, ["link", "add", "pckl0", "type", "veth", "peer", "name", "pckl1"]);
    for (const l of ["pckl0", "pckl1"]) await ipIn(node, ["link", "set", l, "up"]);
    await ipIn(node, ["addr", "add", "192.0.2.1/30", "dev", "pckl0"]);
    await ipIn(node, ["route", "add", "default", "via", "192.0.2.2", "dev", "pckl0"]);
    for (const p of pods) {
      await ipIn(node, ["link", "add", p.iface, "type", "veth", "peer", "name", "eth0", "netns", p.ns]);
      await sysctlIn(node, { [`net.ipv4.conf.${p.iface}.proxy_arp`]: 1, [`net.ipv4.neigh.${p.iface}.proxy_delay`]: 0 });
      await ipIn(node, ["addr", "add", "fe80::1/64", "dev", p.iface, "nodad"]);
      await ipIn(node, ["link", "set", p.iface, "up"]);
      await ipIn(node, ["route", "add", `${p.v4}/32`, "dev", p.iface]);
      await ipIn(node, ["-6", "route", "add", `${p.v6}/128`, "dev", p.iface]);
      await ipIn(p.ns, ["link", "set", "lo", "up"]);
      await ipIn(p.ns, ["addr", "add", `${p.v4}/32`, "dev", "eth0"]);
      await ipIn(p.ns, ["addr", "add", `${p.v6}/128`, "dev", "eth0", "nodad"]);
      await ipIn(p.ns, ["link", "set", "eth0", "up"]);
      await ipIn(p.ns, ["route", "add", "169.254.1.1", "dev", "eth0", "scope", "link"]);
      await ipIn(p.ns, ["route", "add", "default", "via", "169.254.1.1", "dev", "eth0"]);
      await ipIn(p.ns, ["-6", "route", "add", "default", "via", "fe80::1", "dev", "eth0"]);
    }
    // One TCP listener per port on both families; it lives until afterAll kills the namespace's processes.
    const serve = "const net=require('net');for(const p of [80,81,8080]){net.createServer(s=>s.end('ok')).listen(p,'::')}";
    // `ip netns exec` execs node, so this pid is the listener's.
    listener = spawn("ip", ["netns", "exec", server, process.execPath, "-e", serve], { stdio: "ignore" });
    await new Promise((r) => setTimeout(r, 800));
  }, 60_000);

  afterAll(async () => {
    listener?.kill();
    for (const ns of [client, server, node]) await run(["ip", "netns", "del", ns]).catch(() => undefined);
  });

  async function load(policy: string): Promise<void> {
    for (const family of ["ip", "ip6"] as const) await inNetns(node, ["nft", "delete", "table", family, "calico"]).catch(() => undefined);
    await inNetns(node, ["nft", "-f", "-"], compileScript(policy));
  }

  const connect = (dst: string, port: number): Promise<boolean> =>
    inNetns(client, ["timeout", "2", "bash", "-c", `exec 3<>/dev/tcp/${dst}/${port}`]).then(
      () => true,
      () => false,
    );
  // As the kernel harness does (README: probes), a connection attempt that fails is retried once
  // on a fresh socket before it counts as blocked.
  const tcp = async (dst: string, port: number): Promise<boolean> => (await connect(dst, port)) || connect(dst, port);
  const ping = (dst: string): Promise<boolean> =>
    inNetns(client, ["ping", "-c", "1", "-W", "1", "-n", dst]).then(
      () => true,
      () => false,
    );

  it("allows TCP 80 and the named port 8080, not 81, on IPv4 and IPv6; ICMP echo (type 8/128 code 0) passes", async () => {
    await load(serverPolicy(0));
    for (const dst of ["10.66.0.2", "fd00:66::2"]) {
      expect(await tcp(dst, 80), `${dst} tcp 80`).toBe(true);
      expect(await tcp(dst, 8080), `${dst} tcp 8080 (named port http-alt)`).toBe(true);
      expect(await tcp(dst, 81), `${dst} tcp 81`).toBe(false);
      expect(await ping(dst), `${dst} echo`).toBe(true);
    }
  }, 60_000);

  it("the ICMP code is enforced: a rule for code 1 does not allow an echo request (code 0)", async () => {
    await load(serverPolicy(1));
    for (const dst of ["10.66.0.2", "fd00:66::2"]) {
      expect(await ping(dst), `${dst} echo`).toBe(false);
      expect(await tcp(dst, 80), `${dst} tcp 80`).toBe(true);
    }
  }, 60_000);

  it("the server's ingress chain is the one the map dispatches to, and unknown interfaces are dropped", async () => {
    await load(serverPolicy(0));
    const map = await inNetns(node, ["nft", "--json", "list", "map", "ip", "calico", "filter-cali-to-wl-dispatch"]);
    expect(map.stdout).toContain('"calinftsrv0"');
    expect(map.stdout).toContain("filter-cali-tw-calinftsrv0");
  }, 60_000);
});
