/**
 * diff/apply benchmark on the compile benchmark's synthetic cluster (100,000 pods, 1,000 nodes,
 * 5,000 policies; node-1 is programmed). For each cluster change it reports the transaction
 * (ipset and iptables lines) next to a full restore of the same state, the time to compute the
 * diff, and — as root — the time to apply it on a real kernel in a network namespace:
 *   incremental = Dataplane.apply(changed) on a kernel holding the base state
 *                 (read + diff + write + verifying read of the filter table and written sets);
 *   cached      = the same with the opt-in ipset cache (`ipsetRefreshMs`), which starts from
 *                 `ipset list -t` instead of `ipset save`;
 *   write only  = running just the transaction's restore inputs;
 *   full        = `ipset restore` + `iptables-restore --noflush` of the whole state into a
 *                 fresh namespace (what a tool without a diff engine does at best).
 * Then the first apply of the full state with Dataplane on legacy and on nft.
 */
import { execa } from "execa";
import { performance } from "node:perf_hooks";
import type { Model, Policy, WorkloadEndpoint } from "../../src/model/types.js";
import { compile } from "../../src/render/compile.js";
import { renderRestore } from "../../src/render/restore.js";
import type { DataplaneState } from "../../src/render/types.js";
import { diff } from "../../src/diff/diff.js";
import { kernelStateOf } from "../../src/diff/kernel-state.js";
import { transactionInputs, transactionSize, type Backend, type Transaction } from "../../src/diff/transaction.js";
import { Dataplane } from "../../src/dataplane/dataplane.js";
import { execaRunner, type CommandRunner } from "../../src/dataplane/runner.js";
import { pod } from "../resolve/model-fixtures.js";
import { syntheticCluster } from "./compile.bench.js";

export const NODE = "node-1";

function withEndpoints(m: Model, endpoints: WorkloadEndpoint[]): Model {
  return { ...m, endpoints };
}

export function changes(base: Model): [string, Model][] {
  const firstLocal = base.endpoints.find((e) => e.node === NODE) as WorkloadEndpoint;
  const remote = pod({ ns: "ns-0", name: "bench-remote", node: "node-7", ip: "10.250.0.1", labels: { app: "bench-none", tier: "web", version: "v9" }, nsLabels: { team: "team-0", env: "prod" } });
  const local = pod({ ns: "ns-1", name: "bench-local", node: NODE, ip: "10.250.0.2", labels: { app: "app-1", tier: "web", version: "v1" }, nsLabels: { team: "team-1", env: "dev" } });
  const relabelled = { ...firstLocal, labels: { ...firstLocal.labels, tier: firstLocal.labels.tier === "db" ? "web" : "db" } };
  const changedRule = (p: Policy): Policy =>
    p.namespace === "ns-0" && p.name === "web-from-api"
      ? { ...p, ingress: p.ingress.map((r) => ({ ...r, destination: { ...r.destination, ports: [{ kind: "range" as const, first: 8443, last: 8443 }] } })) }
      : p;
  return [
    ["remote pod added (one selector matches)", withEndpoints(base, [...base.endpoints, remote])],
    ["local pod added", withEndpoints(base, [...base.endpoints, local])],
    [`label change (local pod ${firstLocal.key} tier)`, withEndpoints(base, base.endpoints.map((e) => (e === firstLocal ? relabelled : e)))],
    ["one rule changed in one policy (ns-0/web-from-api ports)", { ...base, policies: base.policies.map(changedRule) }],
    ["policy deleted (knp ns-0/web-from-api)", { ...base, policies: base.policies.filter((p) => !(p.namespace === "ns-0" && p.name === "web-from-api")) }],
  ];
}

const lines = (text: string) => text.split("\n").filter((l) => l !== "").length;
const ms = (t0: number) => `${(performance.now() - t0).toFixed(1)} ms`;

export async function canUseKernel(): Promise<boolean> {
  if (typeof process.getuid !== "function" || process.getuid() !== 0) return false;
  const r = await execa("sh", ["-c", "command -v ip && command -v ipset && command -v iptables-legacy-restore && command -v iptables-nft-restore"], { reject: false });
  return r.exitCode === 0;
}

let nsCounter = 0;
export async function withNetns<T>(f: (runner: CommandRunner) => Promise<T>): Promise<T> {
  const name = `pcd-${process.pid}-bench-${nsCounter++}`;
  await execa("ip", ["netns", "add", name]);
  try {
    return await f((file, args, input) => execaRunner("ip", ["netns", "exec", name, file, ...args], input));
  } finally {
    await execa("ip", ["netns", "del", name], { reject: false });
  }
}

async function must(runner: CommandRunner, file: string, args: string[], input: string): Promise<void> {
  if (input === "") return;
  const r = await runner(file, args, input);
  if (r.exitCode !== 0) throw new Error(`${file} failed: ${r.stderr}`);
}

export async function writeTransaction(runner: CommandRunner, backend: Backend, tx: Transaction): Promise<void> {
  const input = transactionInputs(tx);
  await must(runner, "ipset", ["restore"], input.ipsetsBefore);
  await must(runner, `iptables-${backend}-restore`, ["--noflush", "--wait", "10"], input.iptables);
  await must(runner, "ipset", ["restore"], input.ipsetsAfter);
}

async function fullRestore(backend: Backend, state: DataplaneState): Promise<number> {
  const text = renderRestore(state);
  return withNetns(async (runner) => {
    const t0 = performance.now();
    await must(runner, "ipset", ["restore"], text.ipsets);
    await must(runner, `iptables-${backend}-restore`, ["--noflush", "--wait", "10"], text.iptables);
    return performance.now() - t0;
  });
}

export async function run(): Promise<void> {
  const t0 = performance.now();
  const base = syntheticCluster(100_000);
  const baseState = compile(base, { node: NODE });
  const full = renderRestore(baseState);
  console.log(`base: ${base.endpoints.length} pods, ${base.policies.length} policies; ${NODE}: ${baseState.chains.length} chains, ${baseState.ipsets.length} ipsets (model + compile ${ms(t0)})`);
  console.log(`full restore of the base state: ${lines(full.ipsets)} ipset lines, ${lines(full.iptables)} iptables lines`);

  const kernel = await canUseKernel();
  if (!kernel) console.log("(not root or tools missing: real-kernel timings skipped)");
  const cases = changes(base).map(([name, m]) => ({ name, state: compile(m, { node: NODE }) }));
  const baseKernel = kernelStateOf(baseState);

  console.log("\nchange → transaction (pure diff)");
  for (const c of cases) {
    const d0 = performance.now();
    const tx = diff(baseKernel, c.state, { backend: "legacy" });
    const diffTime = ms(d0);
    const nft = diff(baseKernel, c.state, { backend: "nft" });
    const size = transactionSize(tx);
    const fullText = renderRestore(c.state);
    console.log(
      `  ${c.name}: legacy ${size.ipset} ipset + ${size.iptables} iptables lines, nft ${transactionSize(nft).ipset} + ${transactionSize(nft).iptables}` +
        ` (full restore: ${lines(fullText.ipsets)} + ${lines(fullText.iptables)}); diff computed in ${diffTime}`,
    );
  }
  if (!kernel) return;

  for (const backend of ["legacy", "nft"] as const) {
    console.log(`\nreal kernel, ${backend}`);
    await withNetns(async (runner) => {
      const dp = new Dataplane({ backend, runner });
      const cached = new Dataplane({ backend, runner, ipsetRefreshMs: 3_600_000 });
      const a0 = performance.now();
      const first = await dp.apply(baseState);
      console.log(`  first apply of the full state (Dataplane.apply, incl. reads and verify): ${ms(a0)} (${first.lines.ipset} ipset + ${first.lines.iptables} iptables lines)`);
      const r0 = performance.now();
      await dp.read();
      console.log(`  one read of the programmed kernel (iptables-save + ipset save + parse): ${ms(r0)}`);
      const n0 = performance.now();
      await cached.apply(baseState);
      console.log(`  no-op apply (kernel already in the state): ${ms(n0)}; again with the ipset cache warm:`);
      const n1 = performance.now();
      await cached.apply(baseState);
      console.log(`    ${ms(n1)}`);
      for (const c of cases) {
        const i0 = performance.now();
        const applied = await dp.apply(c.state);
        const incremental = performance.now() - i0;
        await dp.apply(baseState);
        const tx = diff(await dp.read(), c.state, { backend });
        const w0 = performance.now();
        await writeTransaction(runner, backend, tx);
        const writeOnly = performance.now() - w0;
        await dp.apply(baseState);
        const c0 = performance.now();
        await cached.apply(c.state);
        const withCache = performance.now() - c0;
        await cached.apply(baseState);
        const fullTime = await fullRestore(backend, c.state);
        console.log(
          `  ${c.name}: incremental ${incremental.toFixed(1)} ms (${applied.lines.ipset} + ${applied.lines.iptables} lines), cached ${withCache.toFixed(1)} ms, write only ${writeOnly.toFixed(1)} ms; full restore ${fullTime.toFixed(1)} ms`,
        );
      }
    });
  }
}
