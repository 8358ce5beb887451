/**
 * NftDataplane and detectDataplane against the model table (test/diff/nftables/model.ts) behind
 * a fake `nft`: reads answer `nft --json list table` from the model, writes run `nft -f -` on it
 * and fail as nft does (`/dev/stdin:LINE:…: Error: …`). Convergence, verification, retries with
 * backoff, the failing line, a missing table, the planned path, and the auto decision.
 */
import { describe, expect, it } from "vitest";
import { NftDataplane } from "../../src/dataplane/nftables.js";
import { detectDataplane } from "../../src/dataplane/dataplane-mode.js";
import { DataplaneError } from "../../src/dataplane/errors.js";
import type { CommandRunner } from "../../src/dataplane/runner.js";
import { diffNft } from "../../src/diff/nftables/plan.js";
import type { NftKernelState } from "../../src/diff/nftables/kernel-state.js";
import { NftModel, NftModelError } from "../diff/nftables/model.js";
import { calicoTable } from "./kernel/nft-tables.js";

/** The model's table as `nft --json list table ip calico` prints it (§5.3, §6.1 shapes). */
function json(s: NftKernelState): string {
  const base = { family: s.family, table: "calico" };
  const elem = (e: string) => (e.includes(" . ") ? { concat: e.split(" . ") } : e.endsWith("/32") ? e.slice(0, -3) : e.includes("/") ? { prefix: { addr: e.split("/")[0], len: Number(e.split("/")[1]) } } : e);
  return JSON.stringify({
    nftables: [
      { metainfo: { version: "1.0.6", json_schema_version: 1 } },
      { table: { family: s.family, name: "calico", handle: 1 } },
      ...s.sets.map((x) => ({ set: { ...base, name: x.name, type: x.type.includes(" . ") ? x.type.split(" . ") : x.type, ...(x.interval ? { flags: ["interval"] } : {}), ...(x.elements.length ? { elem: x.elements.map(elem) } : {}) } })),
      ...s.maps.map((m) => ({ map: { ...base, name: m.name, type: "ifname", map: "verdict", ...(m.elements.length ? { elem: m.elements.map((e) => [e.key, { goto: { target: e.verdict.slice(5) } }]) } : {}) } })),
      ...s.chains.map((c) => ({ chain: { ...base, name: c.name, ...(c.base ? { type: c.base.type, hook: c.base.hook, prio: c.base.priority, policy: "accept" } : {}) } })),
      ...s.chains.flatMap((c) => c.rules.map((r) => ({ rule: { ...base, chain: c.name, handle: r.handle, ...(r.hash ? { comment: `cali:${r.hash};` } : {}), expr: [] } }))),
    ],
  });
}

interface Fake {
  readonly model: NftModel;
  readonly runner: CommandRunner;
  readonly calls: string[];
}

/** `failWrites`: how many `nft -f` calls fail (with "Error: Could not process rule") before they run. */
function fakeNft(failWrites = 0, failReads = 0): Fake {
  const model = new NftModel("ip");
  const calls: string[] = [];
  let writes = 0;
  let reads = 0;
  const runner: CommandRunner = async (file, args, input) => {
    calls.push(`${file} ${args.join(" ")}`);
    if (args[0] === "--json") {
      if (reads++ < failReads) return { exitCode: 1, stdout: "", stderr: "netlink: Error: cache initialization failed: Operation not permitted\n" };
      const s = model.state();
      return s.exists ? { exitCode: 0, stdout: json(s), stderr: "" } : { exitCode: 1, stdout: "", stderr: "Error: No such file or directory\nlist table ip calico\n              ^^^^^^\n" };
    }
    if (writes++ < failWrites) return { exitCode: 1, stdout: "", stderr: "/dev/stdin:1:1-3: Error: Could not process rule: Device or resource busy\n" };
    try {
      model.run(input ?? "");
      return { exitCode: 0, stdout: "", stderr: "" };
    } catch (e) {
      if (!(e instanceof NftModelError)) throw e;
      return { exitCode: 1, stdout: "", stderr: `/dev/stdin:${e.line}:1-3: Error: ${e.reason}\n${e.text}\n^^^\n` };
    }
  };
  return { model, runner, calls };
}

const V1 = calicoTable({ pods: [{ iface: "cali1234", ports: [80] }], sources: ["10.65.1.20/32"] });
const V2 = calicoTable({ pods: [{ iface: "cali1234", ports: [80, 81] }], sources: ["10.65.1.0/24"] });
const sleeps: number[] = [];
const opts = (runner: CommandRunner, extra = {}) => ({ runner, sleep: async (ms: number) => void sleeps.push(ms), ...extra });

describe("NftDataplane", () => {
  it("converges from a missing table: read (empty), one nft -f, a verifying read", async () => {
    const f = fakeNft();
    const r = await new NftDataplane(opts(f.runner)).apply(V1);
    expect([r.changed, r.attempts, r.transactions.length, r.recovered]).toEqual([true, 1, 1, []]);
    expect(r.transactions[0]?.lines[0]).toBe("add table ip calico");
    expect(f.calls).toEqual(["nft --json list table ip calico", "nft -f -", "nft --json list table ip calico"]);
    const again = await new NftDataplane(opts(f.runner)).apply(V1);
    expect([again.changed, again.attempts]).toEqual([false, 0]);
  });

  it("a change is planned from the read-back table: /32 swapped for a covering /24, chain tail by handle", async () => {
    const f = fakeNft();
    const dp = new NftDataplane(opts(f.runner));
    await dp.apply(V1);
    const tx = await dp.plan(V2);
    expect(tx.lines.slice(0, 2)).toEqual(["delete element ip calico cali40s-allowed-sources { 10.65.1.20/32 }", "add element ip calico cali40s-allowed-sources { 10.65.1.0/24 }"]);
    expect((await dp.apply(V2)).attempts).toBe(1);
    expect((await dp.plan(V2)).lines).toEqual([]);
  });

  it("a failed write is retried from a fresh read, with backoff 1, 2, … ms", async () => {
    sleeps.length = 0;
    const f = fakeNft(2);
    const r = await new NftDataplane(opts(f.runner)).apply(V1);
    expect([r.attempts, r.recovered.map((x) => x.step), sleeps]).toEqual([3, ["nft", "nft"], [1, 2]]);
    expect(r.recovered[0]?.failingLine).toEqual({ number: 1, text: "add table ip calico" });
  });

  it("another writer racing every write: the verifying read fails each attempt, then DataplaneError", async () => {
    const f = fakeNft();
    let n = 0;
    const racing: CommandRunner = async (file, args, input) => {
      const r = await f.runner(file, args, input);
      if (args[0] === "-f") f.model.run(`add chain ip calico stray-${n++}\n`);
      return r;
    };
    const err = await new NftDataplane(opts(racing, { retries: 2 })).apply(V1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataplaneError);
    const e = err as DataplaneError;
    expect([e.attempts, e.failure.step]).toEqual([3, "verify"]);
    expect(e.message).toBe("the kernel did not reach the desired state after 3 attempt(s): after a successful write, the ip calico table still differs (1 nft lines); another program may be changing it");
  });

  it("a line nft refuses: nothing changed, and the error names that transaction line", async () => {
    const f = fakeNft();
    await new NftDataplane(opts(f.runner)).apply(V1);
    const before = f.model.state();
    // nft refuses a jump to a base chain; the diff's own check only knows the chain exists.
    const bad = { ...V1, chains: V1.chains.map((c) => (c.name === "filter-cali-FORWARD" ? { ...c, rules: [...c.rules, { hash: "BADBADBADBADBAD0", body: "counter jump filter-FORWARD", comments: [] }] } : c)) };
    const err = (await new NftDataplane(opts(f.runner, { retries: 0 })).apply(bad).catch((e: unknown) => e)) as DataplaneError;
    expect(err).toBeInstanceOf(DataplaneError);
    const line = 'add rule ip calico filter-cali-FORWARD counter jump filter-FORWARD comment "cali:BADBADBADBADBAD0;"';
    expect(err.failure.failingLine).toEqual({ number: 1, text: line });
    expect(err.message).toBe(`nft -f failed (nft, exit 1) after 1 attempt(s):\n/dev/stdin:1:1-3: Error: Operation not supported (jump to a base chain)\n${line}\n^^^\nfailing line 1: ${line}`);
    expect(f.model.state()).toEqual(before);
  });

  it("reads are retried 3 times (100, 200, 400 ms), then fail", async () => {
    sleeps.length = 0;
    const ok = await new NftDataplane(opts(fakeNft(0, 2).runner)).read();
    expect([ok.exists, sleeps]).toEqual([false, [100, 200]]);
    const err = (await new NftDataplane(opts(fakeNft(0, 9).runner)).read().catch((e: unknown) => e)) as DataplaneError;
    expect([err.attempts, err.failure.step, err.failure.stderr]).toEqual([4, "read", "netlink: Error: cache initialization failed: Operation not permitted"]);
  });

  it("applyPlanned runs the transaction without reading and predicts the table after", async () => {
    const f = fakeNft();
    const dp = new NftDataplane(opts(f.runner));
    await dp.apply(V1);
    const known = await dp.read();
    f.calls.length = 0;
    const r = await dp.applyPlanned(known, diffNft(known, V2), V2);
    expect([r.outcome, f.calls]).toEqual(["planned", ["nft -f -"]]);
    expect(diffNft(r.state, V2).lines).toEqual([]);
    expect(diffNft(f.model.state(), V2).lines).toEqual([]);
  });
});

describe("detectDataplane (--dataplane auto)", () => {
  const answer =
    (byFamily: Record<string, { exitCode: number; stdout?: string; stderr?: string }>): CommandRunner =>
    async (_file, args) => ({ stdout: "", stderr: "", ...byFamily[args[4] as string]! });
  const missing = { exitCode: 1, stderr: "Error: No such file or directory\n" };
  const chains = (n: number) => ({ exitCode: 0, stdout: JSON.stringify({ nftables: [{ metainfo: { json_schema_version: 1 } }, { table: {} }, ...Array.from({ length: n }, () => ({ chain: {} }))] }) });

  it.each([
    [{ ip: chains(3), ip6: missing }, "nftables", "ip kube-proxy holds 3 chain(s)"],
    [{ ip: missing, ip6: chains(1) }, "nftables", "ip6 kube-proxy holds 1 chain(s)"],
    [{ ip: chains(0), ip6: missing }, "iptables", "no kube-proxy nftables table with chains"],
    [{ ip: missing, ip6: missing }, "iptables", "no kube-proxy nftables table with chains"],
    [{ ip: { exitCode: 127, stderr: "nft: command not found" }, ip6: missing }, "iptables", "nft is not installed"],
  ])("%j → %s", async (byFamily, dataplane, reason) => {
    expect(await detectDataplane(answer(byFamily))).toEqual({ dataplane, reason });
  });

  it("any other listing failure is a dataplane failure", async () => {
    await expect(detectDataplane(answer({ ip: { exitCode: 1, stderr: "Error: Operation not permitted\n" } }))).rejects.toBeInstanceOf(DataplaneError);
    await expect(detectDataplane(answer({ ip: { exitCode: 0, stdout: "not json" } }))).rejects.toThrow("the listing is not nft JSON");
  });
});
