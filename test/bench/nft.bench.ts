/**
 * nftables reconcile benchmark (`npm run bench -- nft`), on the diff benchmark's synthetic
 * cluster (100,000 pods, 1,000 nodes, 5,000 policies; node-1 programmed), side by side in one
 * run with iptables-legacy and iptables-nft for the same changes, each in its own namespace:
 * - first apply of the whole state (nftables: NftDataplane.apply, one `nft -f` plus the reads;
 *   iptables: Dataplane.apply);
 * - single changes applied to the kernel, write only (the transaction planned from a state the
 *   caller knows, as an agent does; median of RUNS, each change applied then reverted):
 *   remote pod added, local pod added, label change, one policy rule changed;
 * - where the nftables time goes: nft's fixed cost per run in this table, a read-back, and the
 *   hot-path element add in an interval set vs the same table with plain sets.
 *
 * The nftables state is a stand-in until the nftables renderer lands: the compiled iptables
 * state's chains (prefixed `filter-`), rule counts, hashes, jump targets and set references,
 * its ipsets as nft sets of the matching type (hash:net → interval, members coalesced), and the
 * workload dispatch as verdict maps (felix-nftables.md §6.1). Same sizes and references as
 * Felix's table for this node; rule bodies are representative, not Felix's text.
 */
import { performance } from "node:perf_hooks";
import { compile } from "../../src/render/compile.js";
import type { DataplaneState, IptRule } from "../../src/render/types.js";
import type { NftChain, NftDataplaneState, NftSet } from "../../src/render/nftables/types.js";
import { renderNftScript } from "../../src/render/nftables/script.js";
import { diff } from "../../src/diff/diff.js";
import { kernelStateOf } from "../../src/diff/kernel-state.js";
import { isEmptyTransaction } from "../../src/diff/transaction.js";
import { ruleSets, ruleTarget, ruleText } from "../../src/diff/rule-text.js";
import { diffNft, nftStateAfter } from "../../src/diff/nftables/plan.js";
import type { NftKernelState } from "../../src/diff/nftables/kernel-state.js";
import { execa } from "execa";
import { Dataplane } from "../../src/dataplane/dataplane.js";
import { NftDataplane } from "../../src/dataplane/nftables.js";
import { execaRunner, type CommandRunner } from "../../src/dataplane/runner.js";
import { parseCidr, strictlyInside } from "../../src/model/cidr.js";
import { NODE, canUseKernel, changes, writeTransaction } from "./diff.bench.js";
import { syntheticCluster } from "./compile.bench.js";

const RUNS = Number(process.env.NFT_BENCH_RUNS ?? 7);
/** NFT_BENCH_PODS: a smaller cluster for a quick check (default 100,000). */
const PODS = Number(process.env.NFT_BENCH_PODS ?? 100_000);

const setName = (ipset: string) => ipset.replace(/:/g, "-");
const DISPATCH = /^cali-(from|to)-wl-dispatch/;

function nftBody(r: IptRule, sets: ReadonlyMap<string, NftSet>): string {
  const text = ruleText(r);
  const refs = ruleSets(text).map((s) => {
    const set = sets.get(setName(s));
    return set?.type.includes("inet_proto") ? `ip daddr . meta l4proto . th dport @${set.name}` : `ip saddr @${setName(s)}`;
  });
  const port = /--dport (\d+)|--destination-ports (\S+)/.exec(r.match);
  const jump = ruleTarget(text);
  const target = jump?.startsWith("cali-") ? jump : null;
  const action = target ? `counter ${r.action.startsWith("--goto") ? "goto" : "jump"} filter-${target}` : /DROP/.test(r.action) ? "counter drop" : /RETURN/.test(r.action) ? "counter return" : r.action ? "counter accept" : "continue";
  return [...refs, ...(port ? [`tcp dport { ${(port[1] ?? port[2] ?? "").replace(/:/g, "-").split(",").join(", ")} }`] : []), action].join(" ");
}

/** Interval members with none inside another (nft refuses overlaps). */
function coalesce(members: readonly string[]): string[] {
  const nets = members.filter((m) => !m.endsWith("/32")).map((m) => parseCidr(m, true)!);
  return members.filter((m) => {
    const c = parseCidr(m, true);
    return c !== undefined && !nets.some((n) => strictlyInside(c, n));
  });
}

/** The stand-in NftDataplaneState of a compiled iptables state (see the header). */
export function nftStandIn(state: DataplaneState, plainHostSets = false): NftDataplaneState {
  const sets: NftSet[] = state.ipsets.map((s) => {
    if (s.type === "hash:ip,port") {
      return { name: setName(s.name), type: "ipv4_addr . inet_proto . inet_service", interval: false, elements: s.members.map((m) => m.replace(/^([^,]+),(\w+):(\d+)$/, "$1 . $2 . $3")) };
    }
    const members = coalesce(s.members);
    // The alternative layout measured below: a set holding only host addresses as a plain set.
    if (plainHostSets && members.every((m) => m.endsWith("/32"))) return { name: setName(s.name), type: "ipv4_addr", interval: false, elements: members.map((m) => m.slice(0, -3)) };
    return { name: setName(s.name), type: "ipv4_addr", interval: true, elements: members };
  });
  const byName = new Map(sets.map((s) => [s.name, s]));
  const chains: NftChain[] = [];
  const maps = new Map<string, { key: string; verdict: string }[]>([["filter-cali-from-wl-dispatch", []], ["filter-cali-to-wl-dispatch", []]]);
  for (const c of state.chains) {
    if (DISPATCH.test(c.name)) continue;
    const name = `filter-${c.name}`;
    const tw = /^cali-(tw|fw)-(.+)$/.exec(c.name);
    if (tw) maps.get(tw[1] === "tw" ? "filter-cali-to-wl-dispatch" : "filter-cali-from-wl-dispatch")!.push({ key: tw[2] as string, verdict: `goto ${name}` });
    const body = (r: IptRule): string => {
      const d = DISPATCH.exec(ruleTarget(ruleText(r)) ?? "");
      return d ? `counter jump filter-cali-${d[1]}-wl-dispatch` : nftBody(r, byName);
    };
    chains.push({ name, rules: c.rules.map((r) => ({ hash: r.hash, body: body(r), comments: r.comments })) });
  }
  for (const [name, dir] of [["filter-cali-from-wl-dispatch", "iifname"], ["filter-cali-to-wl-dispatch", "oifname"]] as const) {
    chains.push({ name, rules: [{ hash: `${dir}VmapVmapVmap`.slice(0, 16), body: `${dir} vmap @${name}`, comments: [] }, { hash: `${dir}DropDropDrop`.slice(0, 16), body: "counter drop", comments: ["Unknown interface"] }] });
  }
  for (const h of state.hooks) {
    const hook = h.chain.toLowerCase() as "input" | "forward" | "output";
    chains.push({ name: `filter-${h.chain}`, base: { type: "filter", hook, priority: 0 }, rules: [...h.inserts, ...h.appends].map((r) => ({ hash: r.hash, body: nftBody(r, byName), comments: [] })) });
  }
  const sorted = <T extends { name: string }>(xs: T[]) => xs.sort((a, b) => (a.name < b.name ? -1 : 1));
  return {
    kind: "NftDataplaneState",
    ipVersion: 4,
    family: "ip",
    chains: sorted(chains),
    sets: sorted(sets.map((s) => ({ ...s, elements: [...s.elements].sort() }))),
    maps: sorted([...maps].map(([name, elements]) => ({ name, type: "ifname : verdict" as const, elements: elements.sort((a, b) => (a.key < b.key ? -1 : 1)) }))),
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
    .map(([name, m]) => ({ name, state: compile(m, { node: NODE }) }));
  const nftBase = nftStandIn(baseState);
  const elements = nftBase.sets.reduce((n, s) => n + s.elements.length, 0);
  const biggest = [...nftBase.sets].sort((a, b) => b.elements.length - a.elements.length)[0];
  console.log(
    `${NODE}: nftables stand-in ${nftBase.chains.length} chains, ${nftBase.chains.reduce((n, c) => n + c.rules.length, 0)} rules, ${nftBase.sets.length} sets (${elements} elements; largest ${biggest?.name} ${biggest?.elements.length}, interval ${biggest?.interval}), ` +
      `${nftBase.maps.reduce((n, m) => n + m.elements.length, 0)} map elements; calico.nft ${renderNftScript([nftBase]).split("\n").length - 1} lines`,
  );
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
    for (const plain of [false, true]) {
      const runner = await netns(names, runners);
      const base = plain ? nftStandIn(baseState, true) : nftBase;
      const changed = cases.map((c) => nftStandIn(c.state, plain));
      const dp = new NftDataplane({ runner });
      const first = await timed(() => dp.apply(base));
      const r0 = performance.now();
      let known = await dp.read();
      const label = plain ? "nftables, host-address sets plain" : "nftables, Felix layout (interval sets)";
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
    console.log(`\nwrite-only times, median of ${RUNS} (interleaved across the four kernels):`);
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
