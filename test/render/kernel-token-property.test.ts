/**
 * The law behind the hardening: put any string into any string field of the resources a node's
 * rules come from, and either the loader reports an error, or compile refuses the node with a
 * located diagnostic other than the renderer guard's (which would mean the loader let an unsafe
 * value through), or the restore text is exactly the lines the renderer's structure describes,
 * each of them made of words iptables-restore and `ipset restore` read as intended (no
 * whitespace, quote, backslash or control character in a word, quotes only around a comment or
 * log prefix). So no input can add, split or reshape a command.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { loadSources } from "../../src/model/load.js";
import { CompileError, compileBoth, compileNftBoth, isSafeNftLine, renderNftScript, renderRestore, ruleText, UnsafeTokenError } from "../../src/render/index.js";
import type { DataplaneState } from "../../src/render/types.js";

const ATTACK = "cali9\n-F INPUT\n-I INPUT 1 -s 198.51.100.0/24 -j ACCEPT\n#";

/** A small cluster on node-1 that uses every kernel-bound field: JSON, so any string fits. */
function cluster(): Record<string, unknown>[] {
  return [
    { apiVersion: "v1", kind: "Namespace", metadata: { name: "default", labels: { team: "a" } } },
    { apiVersion: "projectcalico.org/v3", kind: "Tier", metadata: { name: "security" }, spec: { order: 100 } },
    { apiVersion: "projectcalico.org/v3", kind: "Profile", metadata: { name: "web-profile" }, spec: { ingress: [{ action: "Allow" }], egress: [{ action: "Allow" }] } },
    {
      apiVersion: "projectcalico.org/v3",
      kind: "WorkloadEndpoint",
      metadata: { name: "w1", namespace: "default", labels: { app: "web" } },
      spec: {
        node: "node-1",
        pod: "w1",
        endpoint: "eth0",
        orchestrator: "k8s",
        workload: "w1",
        serviceAccountName: "sa",
        interfaceName: "caliw1",
        ipNetworks: ["10.65.0.10/32"],
        profiles: ["web-profile"],
        ports: [{ name: "http", protocol: "TCP", port: 80 }],
      },
    },
    {
      apiVersion: "projectcalico.org/v3",
      kind: "HostEndpoint",
      metadata: { name: "h1", labels: { role: "host" } },
      spec: { node: "node-1", interfaceName: "eth0", expectedIPs: ["192.0.2.10"], profiles: ["web-profile"], ports: [{ name: "ssh", protocol: "TCP", port: 22 }] },
    },
    {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "p1", namespace: "default", labels: { app: "db" } },
      spec: { nodeName: "node-1", serviceAccountName: "db", containers: [{ ports: [{ name: "pg", containerPort: 5432 }] }] },
      status: { podIP: "10.65.0.11" },
    },
    {
      apiVersion: "projectcalico.org/v3",
      kind: "GlobalNetworkPolicy",
      metadata: { name: "security.g1" },
      spec: {
        tier: "security",
        selector: "all()",
        ingress: [
          {
            action: "Allow",
            protocol: "TCP",
            metadata: { annotations: { owner: "team-a" } },
            source: { serviceAccounts: { names: ["sa"] }, selector: "app == 'web'" },
            destination: { ports: ["http", 5432] },
          },
        ],
        egress: [{ action: "Log" }, { action: "Pass" }],
      },
    },
    {
      apiVersion: "projectcalico.org/v3",
      kind: "NetworkPolicy",
      metadata: { name: "n1", namespace: "default" },
      spec: { selector: "app == 'db'", ingress: [{ action: "Allow", protocol: "TCP", destination: { ports: ["pg"] } }] },
    },
    { apiVersion: "projectcalico.org/v3", kind: "NetworkSet", metadata: { name: "ns1", namespace: "default", labels: { app: "ext" } }, spec: { nets: ["198.51.100.0/24"] } },
  ];
}

type Path = readonly (string | number)[];

/** Every string field the pipeline turns into (or compares with) a kernel token. */
const FIELDS: readonly Path[] = [
  [0, "metadata", "name"],
  [1, "metadata", "name"],
  [2, "metadata", "name"],
  [3, "metadata", "name"],
  [3, "metadata", "namespace"],
  [3, "spec", "node"],
  [3, "spec", "pod"],
  [3, "spec", "endpoint"],
  [3, "spec", "orchestrator"],
  [3, "spec", "workload"],
  [3, "spec", "serviceAccountName"],
  [3, "spec", "interfaceName"],
  [3, "spec", "profiles", 0],
  [3, "spec", "ports", 0, "name"],
  [4, "metadata", "name"],
  [4, "spec", "node"],
  [4, "spec", "interfaceName"],
  [4, "spec", "profiles", 0],
  [4, "spec", "ports", 0, "name"],
  [5, "metadata", "name"],
  [5, "metadata", "namespace"],
  [5, "spec", "nodeName"],
  [5, "spec", "serviceAccountName"],
  [5, "spec", "containers", 0, "ports", 0, "name"],
  [6, "metadata", "name"],
  [6, "spec", "tier"],
  [6, "spec", "ingress", 0, "metadata", "annotations", "owner"],
  [6, "spec", "ingress", 0, "source", "serviceAccounts", "names", 0],
  [6, "spec", "ingress", 0, "destination", "ports", 0],
  [7, "metadata", "name"],
  [7, "spec", "ingress", 0, "destination", "ports", 0],
  [8, "metadata", "name"],
  [8, "metadata", "namespace"],
];
/** Special: the annotation's key rather than its value. */
const ANNOTATION_KEY = FIELDS.length;

function set(docs: Record<string, unknown>[], field: number, value: string): void {
  if (field === ANNOTATION_KEY) {
    const rule = ((docs[6] as { spec: { ingress: { metadata: { annotations: Record<string, string> } }[] } }).spec.ingress[0]!);
    rule.metadata.annotations = { [value]: "x" };
    return;
  }
  const path = FIELDS[field]!;
  let o = docs as unknown as Record<string | number, unknown>;
  for (const k of path.slice(0, -1)) o = o[k] as Record<string | number, unknown>;
  o[path[path.length - 1]!] = value;
}

const nastyString = fc.oneof(
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.string({ unit: "grapheme-ascii", maxLength: 40 }),
  // Valid-looking names, weighted so that many runs get past the loader into the renderer.
  { arbitrary: fc.stringMatching(/^[a-z][a-z0-9.-]{0,13}[a-z0-9]$/), weight: 4 },
  fc.constantFrom(ATTACK, "cali+", "*", "eth+", 'a"b', "a b", "a\tb", "a\rb", "a\u0000b", "web\n", "x".repeat(100_000), "caf\u00e9", "\u202e", "a'b", "a\\b"),
  fc.tuple(fc.stringMatching(/^[a-z]{1,8}$/), fc.constantFrom("\n-F INPUT", " ", '"', "+", "\u0085", "\u2028")).map(([a, b]) => a + b),
);

// What iptables-restore and `ipset restore` read as one word; quoted words only after these.
const WORD = /^[!#-&(-[\]-~]+$/;
const QUOTED = /^"[^"\\\x00-\x1f\x7f-\uffff]*"$/;
const QUOTING = new Set(["--comment", "--log-prefix"]);

/** The line's words, checked as the restore tools would split them. */
function checkWords(line: string): void {
  // eslint-disable-next-line no-control-regex -- control characters are what is checked for
  expect(line, JSON.stringify(line)).not.toMatch(/[\x00-\x1f\x7f]/);
  const words = line.match(/"[^"]*"|[^ ]+/g) ?? [];
  expect(words.join(" "), JSON.stringify(line)).toBe(line);
  words.forEach((w, i) => {
    if (w.startsWith('"')) {
      expect(QUOTING.has(words[i - 1] ?? ""), JSON.stringify(line)).toBe(true);
      expect(w, JSON.stringify(line)).toMatch(QUOTED);
    } else expect(w, JSON.stringify(line)).toMatch(WORD);
  });
}

/** The iptables-restore lines a state stands for, rebuilt from its structure. */
function expectedIptables(state: DataplaneState): string[] {
  const section = (table: string, t: Pick<DataplaneState, "chains" | "hooks">): string[] => [
    `*${table}`,
    ...t.chains.map((c) => `:${c.name} - -`),
    ...t.chains.flatMap((c) => c.rules.map((r) => `-A ${c.name} ${ruleText(r)}`)),
    ...t.hooks.flatMap((h) => [...h.inserts.map((r, i) => `-I ${h.chain} ${i + 1} ${ruleText(r)}`), ...h.appends.map((r) => `-A ${h.chain} ${ruleText(r)}`)]),
    "COMMIT",
  ];
  return [...section("filter", state), ...(state.tables ?? []).flatMap((t) => section(t.table, t))];
}

const MEMBER = /^(\d{1,3}(\.\d{1,3}){3}|[0-9a-f:]+)(\/\d{1,3})?(,(tcp|udp|sctp):\d{1,5})?$/;

function checkState(state: DataplaneState): void {
  const text = renderRestore(state);
  const lines = text.iptables.slice(0, -1).split("\n");
  expect(lines).toEqual(expectedIptables(state));
  for (const line of lines) checkWords(line);
  for (const c of [...state.chains, ...(state.tables ?? []).flatMap((t) => t.chains)]) expect(c.name).toMatch(/^cali-[A-Za-z0-9_.:/+-]+$/);
  const setLines = state.ipsets.flatMap((s) => [`create ${s.name} ${s.type} family ${s.family} maxelem ${s.maxelem}`, ...s.members.map((m) => `add ${s.name} ${m}`)]);
  expect(text.ipsets).toBe(setLines.length ? `${setLines.join("\n")}\n` : "");
  for (const s of state.ipsets) {
    expect(s.name).toMatch(/^cali[46]0[a-z]:[A-Za-z0-9_-]+$/);
    for (const m of s.members) expect(m).toMatch(MEMBER);
  }
  for (const line of setLines) checkWords(line);
}

describe("any string in any kernel-bound field: an error diagnostic, or only lines the renderer generates", () => {
  it("the unmodified cluster compiles (so the property exercises the renderer, not only the loader)", () => {
    const loaded = loadSources([{ file: "c.json", text: JSON.stringify(cluster()) }]);
    expect(loaded.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const states = compileBoth(loaded.model, { node: "node-1" });
    expect(states.v4.chains.some((c) => c.name === "cali-tw-caliw1")).toBe(true);
    checkState(states.v4);
  });

  it("holds for arbitrary strings", () => {
    let compiled = 0;
    fc.assert(
      fc.property(fc.integer({ min: 0, max: ANNOTATION_KEY }), nastyString, (field, value) => {
        const docs = cluster();
        set(docs, field, value);
        const loaded = loadSources([{ file: "c.json", text: JSON.stringify(docs) }]);
        if (loaded.diagnostics.some((d) => d.severity === "error")) return;
        let states: ReturnType<typeof compileBoth>;
        try {
          states = compileBoth(loaded.model, { node: "node-1" });
        } catch (e) {
          // A located refusal of a valid model (e.g. PC3040: the host endpoint's interfaceName
          // set to "" leaves it to expectedIPs) is data too; the renderer's guard (PC3045) is
          // not: it would mean the loader let an unsafe value through.
          if (!(e instanceof CompileError) || e instanceof UnsafeTokenError) throw e;
          for (const d of e.diagnostics) expect(d.span?.file).toBe("c.json");
          return;
        }
        compiled++;
        checkState(states.v4);
        if (states.v6) checkState(states.v6);
        // The same model in nftables mode: no refusal either, and every line one the printer shapes.
        const nft = compileNftBoth(loaded.model, { node: "node-1" });
        const script = renderNftScript(nft.v6 ? [nft.v4, nft.v6] : [nft.v4]);
        for (const line of script.slice(0, -1).split("\n")) expect(isSafeNftLine(line), JSON.stringify(line)).toBe(true);
      }),
      { numRuns: 400 },
    );
    // Valid-looking values get through the loader often enough to test the renderer's side too.
    expect(compiled).toBeGreaterThan(40);
  });
});
