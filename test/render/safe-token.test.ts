/**
 * The renderer's own guard (src/render/safe-token.ts), tested with inputs that bypass the loader:
 * hand-built NodeViews and DataplaneStates. Whatever the path, a chain name, interface, set name,
 * set member or comment with whitespace, quotes or control characters is refused with an
 * UnsafeTokenError (a CompileError, code PC3045) that points at the resource when the renderer
 * knows it, and nothing is returned to print.
 */
import { describe, expect, it } from "vitest";
import { formatDiagnostics } from "../../src/diagnostics/render.js";
import type { Span } from "../../src/diagnostics/types.js";
import { diff } from "../../src/diff/diff.js";
import { emptyKernelState } from "../../src/diff/kernel-state.js";
import { transactionInputs, type Transaction } from "../../src/diff/transaction.js";
import { CompileError } from "../../src/render/errors.js";
import { renderNodeView } from "../../src/render/node-view.js";
import { renderIpsetRestore, renderIptablesRestore } from "../../src/render/restore.js";
import { assertRestoreText, restoreWords, UnsafeTokenError } from "../../src/render/safe-token.js";
import type { DataplaneState } from "../../src/render/types.js";
import type { LocalHostEndpoint, NodeView } from "../../src/resolve/types.js";
import { allowHttpView } from "./fixtures.js";
import { loadSources } from "../../src/model/load.js";
import { compile } from "../../src/render/compile.js";

const ATTACK = "cali9\n-F INPUT\n-I INPUT 1 -s 198.51.100.0/24 -j ACCEPT\n#";
const span: Span = { file: "pods.yaml", start: 10, end: 20 };

/** What renderNodeView throws for `view`, or "rendered" when it renders. */
function refusal(view: NodeView): { what: string; token: string; span?: Span; code: string } | "rendered" {
  try {
    renderNodeView(view);
    return "rendered";
  } catch (e) {
    if (!(e instanceof UnsafeTokenError)) throw e;
    expect(e).toBeInstanceOf(CompileError);
    return { what: e.what, token: e.token, ...(e.span && { span: e.span }), code: e.diagnostics[0]?.code ?? "" };
  }
}

const base = allowHttpView();
const endpoint = base.endpoints[0]!;
const withEndpoint = (patch: Partial<typeof endpoint>): NodeView => ({ ...base, endpoints: [{ ...endpoint, span, ...patch }] });

const hep = (interfaceName: string): LocalHostEndpoint => {
  const none = { ingress: [], egress: [] };
  return { kind: "LocalHostEndpoint", name: "h", interfaceName, wildcard: false, normal: none, forward: none, preDNAT: [], untracked: none, profiles: [], span };
};

describe("renderNodeView refuses unsafe tokens, pointing at the resource", () => {
  it.each([
    ["a newline attack", ATTACK],
    ["an iptables wildcard", "cali+"],
    ["a space", "cali 1"],
    ["a quote", 'cali"1'],
    ["a tab", "cali\t1"],
    ["an empty name", ""],
  ])("workload interface with %s", (_name, iface) => {
    expect(refusal(withEndpoint({ interfaceName: iface }))).toEqual({ what: "interface name", token: iface, span, code: "PC3045" });
  });

  it.each([["eth+"], ["eth0\n-F INPUT"], ["eth 0"]])("host endpoint interface %j", (iface) => {
    expect(refusal({ ...base, hostEndpoints: [hep(iface)] })).toEqual({ what: "interface name", token: iface, span, code: "PC3045" });
  });

  it("a profile name with a quote, at the endpoint that lists it", () => {
    const bad = 'a b" x';
    const view: NodeView = { ...withEndpoint({ profiles: [bad] }), profiles: [] };
    expect(refusal(view)).toEqual({ what: "profile name", token: bad, span, code: "PC3045" });
  });

  it("a profile's own name, at the profile", () => {
    const view: NodeView = { ...base, profiles: [{ kind: "ResolvedProfile", name: "kns.a\nb", ingress: [], egress: [], span }] };
    expect(refusal(view)).toEqual({ what: "profile name", token: "kns.a\nb", span, code: "PC3045" });
  });

  it("a policy id with a newline, at the policy", () => {
    const policy = { ...base.policies[0]!, id: "np/default/x\n-F INPUT", span };
    expect(refusal({ ...base, policies: [policy] })).toEqual({ what: "policy id", token: "np/default/x\n-F INPUT", span, code: "PC3045" });
  });

  it("an ipset name with a space in a rule, at the policy", () => {
    const p = base.policies[0]!;
    const rule = { ...p.ingress![0]!, srcIpSets: ["cali40s:x y"] };
    expect(refusal({ ...base, policies: [{ ...p, ingress: [rule], span }] })).toEqual({ what: "ipset name", token: "cali40s:x y", span, code: "PC3045" });
  });

  it("an ipset member with a newline", () => {
    const set = { ...base.ipsets[0]!, members: ["10.0.0.1/32\n-F INPUT"] };
    expect(refusal({ ...base, ipsets: [set] })).toMatchObject({ token: "10.0.0.1/32\n-F INPUT", code: "PC3045" });
  });

  it("renders the safe view (the guard is not just refusing everything)", () => {
    expect(refusal(base)).toBe("rendered");
  });

  it("prints as a located diagnostic (the CLI's CompileError path)", () => {
    const text = `${"x".repeat(10)}cali+ here\n`;
    try {
      renderNodeView(withEndpoint({ interfaceName: "cali+" }));
      expect.unreachable();
    } catch (e) {
      expect(formatDiagnostics((e as CompileError).diagnostics, [{ file: "pods.yaml", text }])).toMatch(/^pods\.yaml:1:11: error PC3045: refusing to write interface name "cali\+"/);
    }
  });
});

/** A state with one chain of one rule, for printer tests. */
function stateWith(chain: string, rule: { comments?: string[]; match?: string; action?: string }, ipsets: DataplaneState["ipsets"] = []): DataplaneState {
  return {
    kind: "DataplaneState",
    ipVersion: 4,
    chains: [{ name: chain, rules: [{ hash: "AAAAAAAAAAAAAAAA", comments: rule.comments ?? [], match: rule.match ?? "", action: rule.action ?? "--jump ACCEPT" }] }],
    hooks: [],
    ipsets,
  };
}

describe("the restore printers check every line of the text they return", () => {
  it.each([
    ["a chain name with a newline", stateWith("cali-x\n-F INPUT", {})],
    ["a chain name with a space", stateWith("cali-x y", {})],
    ["a match with a newline", stateWith("cali-x", { match: "-i eth0\n-F INPUT" })],
    ["a match with a carriage return", stateWith("cali-x", { match: "-i eth0\r" })],
    ["a comment with a quote", stateWith("cali-x", { comments: ['a" -j ACCEPT "'] })],
    ["an action with a NUL", stateWith("cali-x", { action: "--jump ACCEPT\u0000" })],
    ["a stray quoted word", stateWith("cali-x", { match: '-i "eth0"' })],
  ])("iptables: %s", (_name, state) => {
    expect(() => renderIptablesRestore(state)).toThrow(UnsafeTokenError);
  });

  it.each([
    ["a set name with a space", { name: "cali40s:a b", members: ["10.0.0.1/32"] }],
    ["a member with a newline", { name: "cali40s:a", members: ["10.0.0.1/32\nflush"] }],
    ["a member with a quote", { name: "cali40s:a", members: ['10.0.0.1"'] }],
  ])("ipset: %s", (_name, set) => {
    const state = stateWith("cali-x", {}, [{ type: "hash:net", family: "inet", maxelem: 1048576, ...set }]);
    expect(() => renderIpsetRestore(state)).toThrow(UnsafeTokenError);
  });

  it("prints a state made of safe tokens", () => {
    expect(renderIptablesRestore(stateWith("cali-x", { comments: ["a b=c"], match: "--in-interface eth0" }))).toBe(
      '*filter\n:cali-x - -\n-A cali-x -m comment --comment "cali:AAAAAAAAAAAAAAAA" -m comment --comment "a b=c" --in-interface eth0 --jump ACCEPT\nCOMMIT\n',
    );
  });

  it("refuses text whose last line is not ended", () => {
    expect(() => assertRestoreText("iptables", "*filter\nCOMMIT")).toThrow(UnsafeTokenError);
  });
});

describe("restoreWords splits a line as iptables-restore does, or refuses it", () => {
  it.each([
    ["-A cali-x --jump ACCEPT", ["-A", "cali-x", "--jump", "ACCEPT"]],
    ['-A cali-x -m comment --comment "cali:abc" --jump DROP', ["-A", "cali-x", "-m", "comment", "--comment", '"cali:abc"', "--jump", "DROP"]],
    ['-A c -m comment --comment "End of tier default. Drop" --jump DROP', ["-A", "c", "-m", "comment", "--comment", '"End of tier default. Drop"', "--jump", "DROP"]],
    ['-A c --jump LOG --log-prefix "calico-packet: " --log-level 5', ["-A", "c", "--jump", "LOG", "--log-prefix", '"calico-packet: "', "--log-level", "5"]],
    ['-A c --comment "unterminated', undefined],
    ['-A c --comment "a"b', undefined],
    ['-A c --in-interface "eth0"', undefined],
    ["-A c  --jump ACCEPT", undefined],
    [" -A c", undefined],
    ["-A c\t--jump ACCEPT", undefined],
    ["-A c --jump ACCEPT\r", undefined],
    ["-A c -s 1.2.3.4 'x'", undefined],
    ["-A c -s 1.2.3.4 \\x", undefined],
    ['-A c --comment "a\u00e9"', undefined],
  ])("%j", (line, words) => {
    expect(restoreWords(line)).toEqual(words);
  });
});

describe("transaction inputs (what the dataplane runs) are checked too", () => {
  const tx = (patch: Partial<Transaction>): Transaction => ({ kind: "Transaction", ipVersion: 4, backend: "legacy", ipsetsBefore: [], iptables: [], ipsetsAfter: [], notes: [], ...patch });

  it("passes the transaction the diff plans for a real state", () => {
    const text = `apiVersion: projectcalico.org/v3
kind: WorkloadEndpoint
metadata: {name: w, namespace: default, labels: {app: web}}
spec: {node: node-1, interfaceName: cali1, ipNetworks: [10.0.0.1/32]}
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: g}
spec:
  selector: all()
  ingress: [{action: Allow, metadata: {annotations: {why: "a \\"b\\" c"}}, source: {selector: app == 'web'}}]
`;
    const state = compile(loadSources([{ file: "t.yaml", text }]).model, { node: "node-1" });
    const planned = diff(emptyKernelState(4), state);
    const inputs = transactionInputs(planned);
    expect(inputs.iptables).toContain("*filter\n");
    expect(inputs.ipsetsBefore).toContain("create cali40s:");
  });

  it.each([
    ["an iptables line with a newline inside", tx({ iptables: ["*filter", "-A cali-x --jump ACCEPT\n-F INPUT", "COMMIT"] })],
    ["an iptables command the planners never write", tx({ iptables: ["*filter", "-P INPUT ACCEPT", "COMMIT"] })],
    ["a flush of every chain", tx({ iptables: ["*filter", "-F", "COMMIT"] })],
    ["an ipset member with a space", tx({ ipsetsBefore: ["add cali40s:a 10.0.0.1/32 x"] })],
    ["an ipset line with a newline", tx({ ipsetsAfter: ["destroy cali40s:a\ndestroy foreign"] })],
  ])("refuses %s", (_name, t) => {
    expect(() => transactionInputs(t)).toThrow(UnsafeTokenError);
  });
});
