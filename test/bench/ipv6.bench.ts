/**
 * IPv6 benchmark: the compile benchmark's synthetic 100,000-pod cluster made dual-stack (every
 * pod also gets fd00::<n>/128), compiled for one node per family: IPv4 as before, IPv6 (cali60
 * sets with 128-bit members, ip6tables text). Also the IPv4-only cluster's IPv4 compile, to show
 * that supporting IPv6 costs IPv4-only users nothing. Best of 3, after a warm-up.
 */
import type { Model } from "../../src/model/types.js";
import { compile } from "../../src/render/compile.js";
import { renderRestore } from "../../src/render/restore.js";
import { syntheticCluster } from "./compile.bench.js";

function dualStack(m: Model): Model {
  return {
    ...m,
    endpoints: m.endpoints.map((e, i) => ({ ...e, ipNetworks: [...e.ipNetworks, `fd00::${(i >>> 16).toString(16)}:${(i & 0xffff).toString(16)}/128`] })),
  };
}

function best(m: Model, ipVersion: 4 | 6): { seconds: number; rules: number; members: number; bytes: number } {
  compile(m, { node: "node-2", ipVersion });
  let out = { seconds: Infinity, rules: 0, members: 0, bytes: 0 };
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    const state = compile(m, { node: "node-1", ipVersion });
    const text = renderRestore(state);
    const seconds = (performance.now() - t) / 1000;
    if (seconds < out.seconds) {
      out = {
        seconds,
        rules: state.chains.reduce((n, c) => n + c.rules.length, 0),
        members: state.ipsets.reduce((n, s) => n + s.members.length, 0),
        bytes: text.ipsets.length + text.iptables.length,
      };
    }
  }
  return out;
}

export async function run(): Promise<void> {
  const v4only = syntheticCluster(100_000);
  const dual = dualStack(v4only);
  const line = (label: string, r: ReturnType<typeof best>) =>
    console.log(`${label}: ${r.seconds.toFixed(3)} s, ${r.rules} rules, ${r.members} ipset members, ${(r.bytes / 1024).toFixed(0)} KiB`);
  line("IPv4-only cluster, IPv4 state", best(v4only, 4));
  line("dual-stack cluster, IPv4 state", best(dual, 4));
  line("dual-stack cluster, IPv6 state", best(dual, 6));
}
