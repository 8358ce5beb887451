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
import { ruleSets, ruleTarget, ruleText } from "../../src/diff/rule-text.js";
import { diffNft, nftStateAfter } from "../../src/diff/nftables/plan.js";
import type { NftKernelState } from "../../src/diff/nftables/kernel-state.js";
import { Dataplane } from "../../src/dataplane/dataplane.js";
import { NftDataplane } from "../../src/dataplane/nftables.js";
import type { CommandRunner } from "../../src/dataplane/runner.js";
import { parseCidr, strictlyInside } from "../../src/model/cidr.js";
import { NODE, canUseKernel, changes, withNetns, writeTransaction } from "./diff.bench.js";
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

  for (const layout of ["Felix layout (interval sets)", "alternative: host-address-only sets as plain sets"] as const) {
    const plain = layout.startsWith("alternative");
    const base = plain ? nftStandIn(baseState, true) : nftBase;
    const changed = cases.map((c) => ({ name: c.name, state: nftStandIn(c.state, plain) }));
    console.log(`\nnftables, ${layout}`);
    await withNetns(async (runner: CommandRunner) => {
      const dp = new NftDataplane({ runner });
      const first = await timed(() => dp.apply(base));
      const r0 = performance.now();
      let known = await dp.read();
      const readMs = performance.now() - r0;
      console.log(`  first apply (read, one nft -f of the whole table, verifying read): ${first.toFixed(0)} ms; one read-back (nft --json list table + parse): ${readMs.toFixed(0)} ms`);
      const noop: number[] = [];
      for (let i = 0; i < RUNS; i++) noop.push(await timed(() => runner("nft", ["-f", "-"], "add table ip calico\n")));
      console.log(`  nft's fixed cost in this table (nft -f of "add table ip calico"): ${fmt(noop)}`);
      for (const c of changed) {
        const times: number[] = [];
        let lines = 0;
        for (let i = 0; i < RUNS; i++) {
          const r = await nftChange(dp, known, base, c.state);
          times.push(r.ms);
          lines = r.lines;
          known = r.known;
        }
        console.log(`  ${c.name}: ${lines} nft lines, ${fmt(times)}`);
      }
      if ((await dp.plan(base)).lines.length !== 0) throw new Error("the table drifted from the base state during the benchmark");
    });
  }

  for (const backend of ["legacy", "nft"] as const) {
    console.log(`\niptables-${backend} (+ ipset)`);
    await withNetns(async (runner: CommandRunner) => {
      const dp = new Dataplane({ backend, runner });
      const first = await timed(() => dp.apply(baseState));
      console.log(`  first apply (Dataplane.apply: reads, ipset + iptables-restore, verifying read): ${first.toFixed(0)} ms`);
      const known = kernelStateOf(baseState);
      for (const c of cases) {
        const times: number[] = [];
        const tx = diff(known, c.state, { backend });
        const back = diff(kernelStateOf(c.state), baseState, { backend });
        for (let i = 0; i < RUNS; i++) {
          times.push(await timed(() => writeTransaction(runner, backend, tx)));
          await writeTransaction(runner, backend, back);
        }
        console.log(`  ${c.name}: ${tx.ipsetsBefore.length + tx.ipsetsAfter.length} ipset + ${tx.iptables.length} iptables lines, ${fmt(times)}`);
      }
    });
  }
}
