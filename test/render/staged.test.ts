/**
 * Staged policies render as Felix v3.32 renders them (calico-332.md §4.3): no policy chain and no
 * jump; a tier with any member gets its "Start of tier"; the end-of-tier drop needs an enforced
 * member; a staged Delete is not in any tier; the ipsets of a staged policy's selectors exist
 * (nothing references them). Workload and host endpoint chains alike.
 */
import { describe, expect, it } from "vitest";
import { loadSources } from "../../src/model/load.js";
import { compile } from "../../src/render/compile.js";
import type { Chain, DataplaneState } from "../../src/render/types.js";

const ns = "apiVersion: v1\nkind: Namespace\nmetadata: {name: default}\n";
const pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: default, labels: {app: web}}\nspec: {nodeName: node-1}\nstatus: {podIP: 10.0.0.1}\n";
const IFACE = "cali68caf03a5f4";
const policy = (kind: string, name: string, spec: string, namespaced = true) =>
  `apiVersion: projectcalico.org/v3\nkind: ${kind}\nmetadata: {name: ${name}${namespaced ? ", namespace: default" : ""}}\nspec:\n${spec}`;

function state(...docs: string[]): DataplaneState {
  const loaded = loadSources(docs.map((text, i) => ({ file: `d${i}.yaml`, text })));
  expect(loaded.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return compile(loaded.model, { node: "node-1" });
}

/** An endpoint chain's tier part: comments and actions from the first "Start of tier" on, before the profiles. */
function tierPart(s: DataplaneState, name: string): string[] {
  const c = s.chains.find((x) => x.name === name) as Chain;
  expect(c).toBeDefined();
  const lines = c.rules.map((r) => [...r.comments.map((x) => `"${x}"`), r.match, r.action].filter((x) => x !== "").join(" "));
  const start = lines.findIndex((l) => l.includes("Start of tier"));
  const end = lines.findIndex((l) => l.includes("cali-pri-") || l.includes("cali-pro-"));
  return start < 0 ? [] : lines.slice(start, end);
}

const policyChains = (s: DataplaneState): string[] => s.chains.map((c) => c.name).filter((n) => /^cali-p[io]-/.test(n));

describe("staged policies in endpoint chains", () => {
  it("a tier holding only a staged policy: start of tier, nothing else; no policy chain", () => {
    const s = state(ns, pod, policy("StagedNetworkPolicy", "s", "  selector: app == 'web'\n  ingress: [{action: Deny, source: {selector: app == 'x'}}]\n"));
    expect(tierPart(s, `cali-tw-${IFACE}`)).toEqual(['"Start of tier default" --jump MARK --set-mark 0/0x20000']);
    expect(policyChains(s)).toEqual([]);
    // The staged rule's selector set exists, unreferenced (Felix's rule scanner keeps it).
    expect(s.ipsets.map((i) => i.name)).toHaveLength(1);
  });

  it("a staged policy beside an enforced one: the enforced jump, its return and the drop; no jump for the staged one", () => {
    const s = state(
      ns,
      pod,
      policy("NetworkPolicy", "a", "  selector: app == 'web'\n  ingress: [{action: Allow}]\n"),
      policy("StagedNetworkPolicy", "a", "  selector: app == 'web'\n  ingress: [{action: Deny}]\n"),
    );
    const part = tierPart(s, `cali-tw-${IFACE}`);
    expect(part.map((l) => l.replace(/cali-pi-\S+/, "cali-pi-X"))).toEqual([
      '"Start of tier default" --jump MARK --set-mark 0/0x20000',
      "-m mark --mark 0/0x20000 --jump cali-pi-X",
      '"Return if policy accepted" -m mark --mark 0x10000/0x10000 --jump RETURN',
      '"End of tier default. Drop if no policies passed packet" -m mark --mark 0/0x20000 --jump DROP',
    ]);
    expect(policyChains(s)).toEqual(["cali-pi-np/default/a"]);
  });

  it("a staged policy of the other direction adds a tier to that direction's chain only", () => {
    const s = state(ns, pod, policy("StagedNetworkPolicy", "e", "  selector: app == 'web'\n  types: [Egress]\n"));
    expect(tierPart(s, `cali-tw-${IFACE}`)).toEqual([]);
    expect(tierPart(s, `cali-fw-${IFACE}`)).toEqual(['"Start of tier default" --jump MARK --set-mark 0/0x20000']);
  });

  it("a staged Delete never reaches the dataplane: the same state as without it", () => {
    const enforced = policy("NetworkPolicy", "a", "  selector: app == 'web'\n  ingress: [{action: Allow}]\n");
    expect(state(ns, pod, enforced, policy("StagedNetworkPolicy", "a", "  stagedAction: Delete\n"))).toEqual(state(ns, pod, enforced));
  });

  it("Learn and Ignore render exactly as Set", () => {
    const of = (action: string) => state(ns, pod, policy("StagedGlobalNetworkPolicy", "g", `  stagedAction: ${action}\n  selector: all()\n  ingress: [{action: Allow, source: {selector: app == 'x'}}]\n`, false));
    expect(of("Learn")).toEqual(of("Set"));
    expect(of("Ignore")).toEqual(of("Set"));
  });
});

describe("staged policies in host endpoint chains", () => {
  const hep = "apiVersion: projectcalico.org/v3\nkind: HostEndpoint\nmetadata: {name: h, labels: {role: edge}}\nspec: {node: node-1, interfaceName: eth0}\n";
  const sgnp = (spec: string) => policy("StagedGlobalNetworkPolicy", "g", `  selector: role == 'edge'\n${spec}`, false);
  const chainLines = (s: DataplaneState, name: string, table?: "mangle" | "raw"): string[] =>
    ((table ? s.tables?.find((t) => t.table === table)?.chains : s.chains)?.find((c) => c.name === name)?.rules ?? []).map((r) => [...r.comments.map((x) => `"${x}"`), r.match, r.action].filter((x) => x !== "").join(" "));

  it("normal policy: start of tier, no drop, then the (empty) profile list's drop", () => {
    const s = state(hep, sgnp("  ingress: [{action: Allow}]\n"));
    expect(chainLines(s, "cali-fh-eth0").filter((l) => /tier|cali-pi-/.test(l))).toEqual(['"Start of tier default" --jump MARK --set-mark 0/0x20000']);
    expect(policyChains(s)).toEqual([]);
  });

  it("preDNAT (mangle) and doNotTrack (raw): start of tier, no jump, no NOTRACK", () => {
    const pre = state(hep, sgnp("  preDNAT: true\n  applyOnForward: true\n  ingress: [{action: Deny}]\n"));
    expect(chainLines(pre, "cali-fh-eth0", "mangle").filter((l) => /tier|cali-pi-|NOTRACK/.test(l))).toEqual(['"Start of tier default" --jump MARK --set-mark 0/0x20000']);
    const raw = state(hep, sgnp("  doNotTrack: true\n  applyOnForward: true\n  ingress: [{action: Allow}]\n"));
    expect(chainLines(raw, "cali-fh-eth0", "raw").filter((l) => /tier|cali-pi-|NOTRACK/.test(l))).toEqual(['"Start of tier default" --jump MARK --set-mark 0/0x20000']);
  });

  it("applyOnForward: a staged-only forward tier replaces Felix's allow-by-default (len(tiers) > 0)", () => {
    const without = state(hep);
    expect(chainLines(without, "cali-fhfw-eth0")).toContain('"Allow forwarded traffic by default" --jump MARK --set-mark 0x10000/0x10000');
    const s = state(hep, sgnp("  applyOnForward: true\n  ingress: [{action: Allow}]\n"));
    const fw = chainLines(s, "cali-fhfw-eth0");
    expect(fw.filter((l) => /tier|forwarded|cali-pi-/.test(l))).toEqual(['"Start of tier default" --jump MARK --set-mark 0/0x20000']);
  });
});
