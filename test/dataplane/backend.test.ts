import { describe, expect, it } from "vitest";
import { detectBackend } from "../../src/dataplane/backend.js";
import { binariesFor } from "../../src/dataplane/binaries.js";
import { failingLine } from "../../src/dataplane/errors.js";
import type { CommandRunner } from "../../src/dataplane/runner.js";

const save = (chains: string[], rules: number) =>
  ["*mangle", ...chains.map((c) => `:${c} - [0:0]`), ...Array.from({ length: rules }, () => "-A OUTPUT -j ACCEPT"), "COMMIT", ""].join("\n");

function runner(out: { nft?: string; legacy?: string; version?: string }): CommandRunner {
  return async (file) => {
    if (file === "iptables-nft-save") return { exitCode: 0, stdout: out.nft ?? "", stderr: "" };
    if (file === "iptables-legacy-save") return { exitCode: 0, stdout: out.legacy ?? "", stderr: "" };
    if (file === "iptables") return { exitCode: 0, stdout: out.version ?? "", stderr: "" };
    return { exitCode: 127, stdout: "", stderr: "" };
  };
}

describe("detectBackend", () => {
  it.each([
    ["kube hint in nft wins", { nft: save(["KUBE-IPTABLES-HINT"], 0), legacy: save(["KUBE-KUBELET-CANARY"], 9) }, true, "nft", "KUBE-IPTABLES-HINT in the nft mangle table"],
    ["kube hint in legacy", { nft: save([], 3), legacy: save(["KUBE-KUBELET-CANARY"], 0) }, true, "legacy", "KUBE-KUBELET-CANARY in the legacy mangle table"],
    ["legacy hint ignored when legacy tables are absent", { nft: save([], 0), legacy: save(["KUBE-KUBELET-CANARY"], 5), version: "iptables v1.8.9 (nf_tables)" }, false, "nft", "0 rules in either backend; the system iptables is nft"],
    ["more rules in legacy", { nft: save([], 1), legacy: save([], 2) }, true, "legacy", "1 rules in nft, 2 in legacy"],
    ["more rules in nft", { nft: save([], 4), legacy: save([], 2) }, true, "nft", "4 rules in nft, 2 in legacy"],
    ["tie: the system iptables decides", { nft: save([], 0), legacy: save([], 0), version: "iptables v1.8.7 (legacy)" }, true, "legacy", "0 rules in either backend; the system iptables is legacy"],
    ["tie and unknown system: legacy, as Felix", { version: "" }, true, "legacy", "0 rules in either backend; defaulting to legacy"],
  ])("%s", async (_name, out, legacyTables, backend, reason) => {
    expect(await detectBackend({ runner: runner(out), legacyTablesPresent: () => legacyTables })).toEqual({ backend, reason });
  });
});

describe("detectBackend writes nothing", () => {
  it("reads the legacy mangle table only when /proc/net/ip_tables_names lists it (reading creates it)", async () => {
    const calls: string[] = [];
    const withTables = (tables: string): CommandRunner => async (file, args) => {
      calls.push([file, ...args].join(" "));
      if (file === "cat") return { exitCode: 0, stdout: tables, stderr: "" };
      return runner({ nft: save([], 0), legacy: save(["KUBE-KUBELET-CANARY"], 0), version: "iptables v1.8.9 (nf_tables)" })(file, args);
    };
    expect(await detectBackend({ runner: withTables("filter\n"), legacyTablesPresent: () => true })).toEqual({ backend: "nft", reason: "0 rules in either backend; the system iptables is nft" });
    expect(calls).not.toContain("iptables-legacy-save -t mangle");
    expect(calls).toContain("cat /proc/net/ip_tables_names");
    calls.length = 0;
    expect(await detectBackend({ runner: withTables("filter\nmangle\n"), legacyTablesPresent: () => true })).toEqual({ backend: "legacy", reason: "KUBE-KUBELET-CANARY in the legacy mangle table" });
    expect(calls).toContain("iptables-legacy-save -t mangle");
  });
});

describe("binariesFor", () => {
  it.each([
    ["legacy", 4, ["iptables-legacy-save", "iptables-legacy-restore"], {}, ["iptables-legacy-save", "iptables-legacy-restore", "ipset"]],
    ["nft", 4, [], {}, ["iptables-save", "iptables-restore", "ipset"]],
    ["nft", 6, ["ip6tables-nft-save", "ip6tables-nft-restore"], {}, ["ip6tables-nft-save", "ip6tables-nft-restore", "ipset"]],
    ["legacy", 4, [], { ipset: "/opt/ipset", iptablesRestore: "/opt/r" }, ["iptables-save", "/opt/r", "/opt/ipset"]],
  ] as const)("%s IPv%i with %j on PATH and overrides %j", (backend, v, present, overrides, expected) => {
    const b = binariesFor(backend, v, overrides, (n) => (present as readonly string[]).includes(n));
    expect([b.iptablesSave, b.iptablesRestore, b.ipset]).toEqual(expected);
  });
});

describe("failingLine", () => {
  it.each([
    ["iptables-restore v1.8.9 (legacy): x\n\nError occurred at line: 2\n", { number: 2, text: "-A b" }],
    ["ipset v7.17: Error in line 3: Element cannot be added to the set: it's already added", { number: 3, text: "COMMIT" }],
    ["iptables-restore: line 1 failed", { number: 1, text: "*filter" }],
    ["Another app is currently holding the xtables lock.", null],
    ["Error occurred at line: 9", null],
  ])("%j", (stderr, expected) => {
    expect(failingLine(stderr, "*filter\n-A b\nCOMMIT\n")).toEqual(expected);
  });
});
