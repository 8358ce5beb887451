/**
 * nftables reconcile benchmark (`npm run bench -- nft`), on the diff benchmark's synthetic
 * cluster (100,000 pods, 1,000 nodes, 5,000 policies; node-1 programmed), side by side in one
 * run with iptables-legacy and iptables-nft for the same changes, each in its own namespace:
 * - first apply of the whole state (nftables: NftDataplane.apply, one `nft -f` plus the reads;
 *   iptables: Dataplane.apply);
 * - single changes applied to the kernel, write only (the transaction planned from a state the
 *   caller knows, as an agent does; median of RUNS, each change applied then reverted):
 *   remote pod added, local pod added, label change, one policy rule changed;
 * - where the nftables time goes: nft's fixed cost per run in this table and a read-back.
 *
 * The nftables table is compileNft's (host-address selector sets as plain sets, render.ts
 * nftSet); the Felix-layout column turns them back into Felix's interval sets (felixSetLayout),
 * so the cost of the deliberate difference is measured in the same run.
 */
import { loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import { compile, compileNft } from "../../src/render/compile.js";
import type { NftDataplaneState } from "../../src/render/nftables/types.js";
import { renderNftScript } from "../../src/render/nftables/script.js";
import { diff } from "../../src/diff/diff.js";
import { kernelStateOf } from "../../src/diff/kernel-state.js";
import { isEmptyTransaction } from "../../src/diff/transaction.js";
import { diffNft, nftStateAfter } from "../../src/diff/nftables/plan.js";
import type { NftKernelState } from "../../src/diff/nftables/kernel-state.js";
import { execa } from "execa";
import { Dataplane } from "../../src/dataplane/dataplane.js";
import { NftDataplane } from "../../src/dataplane/nftables.js";
import { execaRunner, type CommandRunner } from "../../src/dataplane/runner.js";
import { NODE, canUseKernel, changes, writeTransaction } from "./diff.bench.js";
import { syntheticCluster } from "./compile.bench.js";

const RUNS = Number(process.env.NFT_BENCH_RUNS ?? 7);
/** NFT_BENCH_PODS: a smaller cluster for a quick check (default 100,000). */
const PODS = Number(process.env.NFT_BENCH_PODS ?? 100_000);

/**
 * Felix's set layout for the same table (the comparison column): every selector set is an
 * interval set under Felix's name (`cali40s-…`), a plain host set's addresses written as /32
 * (/128), an interval set's `cali41s-` name back to `cali40s-` in the set and in the rules that
 * use it. Rule hashes are kept: both sides of every measured change are mapped the same way, so
 * the diff still sees exactly the rules that changed.
 */
export function felixSetLayout(state: NftDataplaneState): NftDataplaneState {
  const host = state.ipVersion === 4 ? "/32" : "/128";
  const felixName = (name: string) => name.replace(/^cali([46])1s-/, "cali$10s-");
  return {
    ...state,
    sets: state.sets.map((s) => {
      if (s.type.includes(" . ")) return s;
      return { ...s, name: felixName(s.name), interval: true, elements: s.interval ? s.elements : s.elements.map((e) => `${e}${host}`) };
    }),
    chains: state.chains.map((c) => ({ ...c, rules: c.rules.map((r) => ({ ...r, body: r.body.replace(/@cali([46])1s-/g, "@cali$10s-") })) })),
  };
}

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const fmt = (xs: readonly number[]) => `median ${median(xs).toFixed(1)} ms (min ${Math.min(...xs).toFixed(1)}, max ${Math.max(...xs).toFixed(1)}, n=${xs.length})`;

async function timed(f: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await f();
  return performance.now() - t0;
}

/** One change on nftables: write only, the transaction planned from the known table; then reverted. */
async function nftChange(dp: NftDataplane, known: NftKernelState, base: NftDataplaneState, changed: NftDataplaneState): Promise<{ ms: number; lines: number; known: NftKernelState }> {
  const tx = diffNft(known, changed);
  const ms = await timed(() => dp.run(tx));
  const mid = nftStateAfter(known, changed, tx);
  const back = diffNft(mid, base);
  await dp.run(back);
  return { ms, lines: tx.lines.length, known: nftStateAfter(mid, base, back) };
}

export async function run(): Promise<void> {
  const model = syntheticCluster(PODS);
  const baseState = compile(model, { node: NODE });
  const cases = changes(model)
    .filter(([name]) => !name.startsWith("policy deleted"))
    .map(([name, m]) => ({ name, state: compile(m, { node: NODE }), nft: compileNft(m, { node: NODE }) }));
  const nftBase = compileNft(model, { node: NODE });
  const elements = nftBase.sets.reduce((n, s) => n + s.elements.length, 0);
  const biggest = [...nftBase.sets].sort((a, b) => b.elements.length - a.elements.length)[0];
  const intervals = nftBase.sets.filter((s) => s.interval);
  const biggestInterval = Math.max(0, ...intervals.map((s) => s.elements.length));
  console.log(
    `${NODE}: table ip calico (compileNft) ${nftBase.chains.length} chains, ${nftBase.chains.reduce((n, c) => n + c.rules.length, 0)} rules, ${nftBase.sets.length} sets (${elements} elements; largest ${biggest?.name} ${biggest?.elements.length}, interval ${biggest?.interval}; ${intervals.length} interval sets, the largest ${biggestInterval} elements), ` +
      `${nftBase.maps.reduce((n, m) => n + m.elements.length, 0)} map elements; calico.nft ${renderNftScript([nftBase]).split("\n").length - 1} lines`,
  );
  console.log(`load average at the start: ${loadavg().map((l) => l.toFixed(1)).join(" ")}`);
  if (!(await canUseKernel())) {
    console.log("(not root or tools missing: real-kernel timings skipped)");
    return;
  }

  // Four namespaces side by side; every measurement round visits them in turn, so all four see
  // the same machine load (the runs share the CPU with other work).
  interface Target {
    readonly label: string;
    /** Applies `cases[i]`, returns the write time and the transaction's size, then reverts. */
    change(i: number): Promise<{ ms: number; size: string }>;
    noop(): Promise<number>;
    check(): Promise<void>;
  }
  const names: string[] = [];
  const runners: CommandRunner[] = [];
  const targets: Target[] = [];
  try {
    for (const felix of [false, true]) {
      const runner = await netns(names, runners);
      const base = felix ? felixSetLayout(nftBase) : nftBase;
      const changed = cases.map((c) => (felix ? felixSetLayout(c.nft) : c.nft));
      const dp = new NftDataplane({ runner });
      const first = await timed(() => dp.apply(base));
      const r0 = performance.now();
      let known = await dp.read();
      const label = felix ? "nftables, Felix's set layout (interval sets)" : "nftables (compileNft: host-address sets plain)";
      console.log(`${label}: first apply (read, one nft -f of the whole table, verifying read) ${first.toFixed(0)} ms; one read-back (nft --json list table + parse) ${(performance.now() - r0).toFixed(0)} ms`);
      targets.push({
        label,
        async change(i) {
          const r = await nftChange(dp, known, base, changed[i] as NftDataplaneState);
          known = r.known;
          return { ms: r.ms, size: `${r.lines} nft lines` };
        },
        noop: () => timed(() => runner("nft", ["-f", "-"], "add table ip calico\n")),
        async check() {
          if ((await dp.plan(base)).lines.length !== 0) throw new Error(`${label}: the table drifted from the base state`);
        },
      });
    }
    for (const backend of ["legacy", "nft"] as const) {
      const runner = await netns(names, runners);
      const dp = new Dataplane({ backend, runner });
      const label = `iptables-${backend} (+ ipset)`;
      const first = await timed(() => dp.apply(baseState));
      console.log(`${label}: first apply (Dataplane.apply: reads, ipset + iptables-restore, verifying read) ${first.toFixed(0)} ms`);
      const known = kernelStateOf(baseState);
      const txs = cases.map((c) => ({ tx: diff(known, c.state, { backend }), back: diff(kernelStateOf(c.state), baseState, { backend }) }));
      targets.push({
        label,
        async change(i) {
          const { tx, back } = txs[i]!;
          const ms = await timed(() => writeTransaction(runner, backend, tx));
          await writeTransaction(runner, backend, back);
          return { ms, size: `${tx.ipsetsBefore.length + tx.ipsetsAfter.length} ipset + ${tx.iptables.length} iptables lines` };
        },
        noop: () => timed(() => runner(`iptables-${backend}-restore`, ["--noflush", "--wait", "10"], "*filter\nCOMMIT\n")),
        async check() {
          if (!isEmptyTransaction(await dp.plan(baseState))) throw new Error(`${label}: the kernel drifted from the base state`);
        },
      });
    }
    const rows: [string, string, number[]][] = [];
    const noops = targets.map(() => [] as number[]);
    for (let i = 0; i < RUNS; i++) for (const [t, target] of targets.entries()) noops[t]!.push(await target.noop());
    targets.forEach((t, k) => rows.push([t.label, "fixed cost of one empty write (nft -f \"add table\" / restore of an empty *filter)", noops[k]!]));
    for (const [i, c] of cases.entries()) {
      const times = targets.map(() => [] as number[]);
      const sizes = targets.map(() => "");
      for (let run = 0; run < RUNS; run++) {
        for (const [t, target] of targets.entries()) {
          const r = await target.change(i);
          times[t]!.push(r.ms);
          sizes[t] = r.size;
        }
      }
      targets.forEach((t, k) => rows.push([t.label, `${c.name}: ${sizes[k]}`, times[k]!]));
    }
    for (const t of targets) await t.check();
    const load = () => loadavg().map((l) => l.toFixed(1)).join(" ");
    console.log(`\nwrite-only times, median of ${RUNS} (interleaved across the four kernels); load average at the end ${load()}:`);
    for (const label of targets.map((t) => t.label)) {
      console.log(`\n${label}`);
      for (const [l, what, xs] of rows) if (l === label) console.log(`  ${what}: ${fmt(xs)}`);
    }
  } finally {
    for (const name of names) await execa("ip", ["netns", "del", name], { reject: false });
  }
}

let nsCount = 0;
async function netns(names: string[], runners: CommandRunner[]): Promise<CommandRunner> {
  const name = `pcd-${process.pid}-nftbench-${nsCount++}`;
  await execa("ip", ["netns", "add", name]);
  names.push(name);
  const runner: CommandRunner = (file, args, input) => execaRunner("ip", ["netns", "exec", name, file, ...args], input);
  runners.push(runner);
  return runner;
}
