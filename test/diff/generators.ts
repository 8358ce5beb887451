/**
 * fast-check arbitraries for DataplaneStates and for foreign kernel content. Pools are small on
 * purpose, so two random states share chains, rule prefixes and sets often, which is where the
 * interesting diffs are.
 */
import fc from "fast-check";
import type { Chain, DataplaneState, IpSet, KernelChainHooks, KernelChainName } from "../../src/render/types.js";
import { chain, hooks, state, type Body } from "./harness.js";

const CHAIN_NAMES = ["cali-FORWARD", "cali-INPUT", "cali-fw-cali1", "cali-pi-a", "cali-pi-b", "cali-tw-cali1"] as const;
const SET_NAMES = ["cali40s:aaa", "cali40s:bbb", "cali40s:ccc"] as const;
const PORT_SET = "cali40n:ppp";
const NETS = ["10.0.0.1/32", "10.0.0.2/32", "10.0.1.0/24", "192.168.0.7/32"];
const IP_PORTS = ["10.0.0.1,tcp:80", "10.0.0.2,udp:53", "10.0.0.3,tcp:8080"];

const desiredSets: fc.Arbitrary<IpSet[]> = fc
  .record({
    nets: fc.subarray([...SET_NAMES]),
    ports: fc.boolean(),
    members: fc.array(fc.subarray(NETS), { minLength: 3, maxLength: 3 }),
    portMembers: fc.subarray(IP_PORTS),
    maxelem: fc.constantFrom(1048576, 65536),
  })
  .map(({ nets, ports, members, portMembers, maxelem }) => [
    ...nets.map((name, i) => ({ name, type: "hash:net" as const, family: "inet" as const, maxelem: i === 0 ? maxelem : 1048576, members: [...(members[i] ?? [])].sort() })),
    ...(ports ? [{ name: PORT_SET, type: "hash:ip,port" as const, family: "inet" as const, maxelem: 1048576, members: [...portMembers].sort() }] : []),
  ]);

/** A rule body that only references chains after `index` (no loops) and sets that exist. */
function ruleBody(chainNames: readonly string[], index: number, sets: readonly IpSet[]): fc.Arbitrary<Body> {
  const later = chainNames.slice(index + 1);
  const matches = ["", "-p tcp -m multiport --destination-ports 80", "-m mark --mark 0/0x20000", ...sets.map((s) => `-m set --match-set ${s.name} ${s.type === "hash:net" ? "src" : "dst,dst"}`)];
  const actions = ["--jump ACCEPT", "--jump DROP", "--jump MARK --set-mark 0x10000/0x10000", "", ...later.flatMap((c) => [`--jump ${c}`, `--goto ${c}`])];
  return fc.record({
    comments: fc.constantFrom<string[]>([], [], ["Start of tier default"], ["Unknown interface"]),
    match: fc.constantFrom(...matches),
    action: fc.constantFrom(...actions),
  });
}

export const dataplaneState: fc.Arbitrary<DataplaneState> = desiredSets.chain((ipsets) =>
  fc.subarray([...CHAIN_NAMES]).chain((names) => {
    const chains = names.map((name, i) =>
      fc.array(ruleBody(names, i, ipsets), { maxLength: 5 }).map((bodies): Chain => chain(name, bodies)),
    );
    const hookBody = fc.constantFrom<Body>(
      ...names.map((n) => ({ action: `--jump ${n}` })),
      { match: "-m mark --mark 0x10000/0x10000", comments: ["Policy explicitly accepted packet."], action: "--jump ACCEPT" },
      { action: "--jump MARK --set-mark 0x10000/0x10000" },
    );
    const hookFor = (name: KernelChainName): fc.Arbitrary<KernelChainHooks | null> =>
      fc
        .record({ ins: fc.array(hookBody, { maxLength: 2 }), app: fc.array(hookBody, { maxLength: 2 }) })
        .map(({ ins, app }) => (ins.length + app.length ? hooks(name, ins, app) : null));
    return fc
      .record({ chains: fc.tuple(...chains), i: hookFor("INPUT"), f: hookFor("FORWARD"), o: hookFor("OUTPUT") })
      .map(({ chains: cs, i, f, o }) =>
        state({ chains: cs, ipsets, hooks: [i, f, o].filter((h): h is KernelChainHooks => h !== null) }),
      );
  }),
);

/** Foreign content another program put in the kernel: restore text and ipset text. */
export interface Foreign {
  readonly ipsets: string;
  /** Rules for FORWARD/INPUT (appended, so they sit among ours) and a foreign chain. */
  readonly iptables: string;
}

export const foreign: fc.Arbitrary<Foreign> = fc
  .record({
    forward: fc.array(fc.constantFrom("-j KUBE-FORWARD", "-m set --match-set KUBE-SET src -j DROP", "-p udp --dport 53 -j ACCEPT", "-m comment --comment \"not cali:zzz\" -j ACCEPT"), { maxLength: 3 }),
    input: fc.array(fc.constantFrom("-j KUBE-FORWARD", "-p tcp --dport 22 -j ACCEPT"), { maxLength: 2 }),
    members: fc.subarray(["1.1.1.1", "2.2.2.0/24"]),
  })
  .map(({ forward: fw, input, members }) => ({
    ipsets: ["create KUBE-SET hash:net family inet maxelem 100 hashsize 64", ...members.map((m) => `add KUBE-SET ${m}`), ""].join("\n"),
    iptables: [
      "*filter",
      ":KUBE-FORWARD - -",
      "-A KUBE-FORWARD -m set --match-set KUBE-SET dst -j ACCEPT",
      "-A KUBE-FORWARD -j RETURN",
      ...fw.map((r) => `-A FORWARD ${r}`),
      ...input.map((r) => `-A INPUT ${r}`),
      "COMMIT",
      "",
    ].join("\n"),
  }));
