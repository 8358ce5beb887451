/**
 * `review --format html`: the page's grid holds exactly the report's flipped pairs (pods and
 * outside CIDRs), each cell's walk is explain's on both versions (the report's decisions for a
 * CIDR peer), the sections are the text view's with every pair listed, and large reports are
 * drawn by namespace. The page in chromium: review-html.browser.test.ts.
 */
import { describe, expect, it } from "vitest";
import { readInputs } from "../../src/cli/files.js";
import { reviewHtmlPage } from "../../src/cli/review-html.js";
import { loadSources } from "../../src/model/load.js";
import { HOSTS, HTML_PAIR_LIST_LIMIT, OTHER_NAMESPACES, OUTSIDE, reviewChange, reviewMatrixView, type FlippedPair, type ReviewReport, type ReviewVersion } from "../../src/review/index.js";
import { PAIR_STATES, type MatrixView } from "../../src/trace/index.js";
import { cli } from "./helpers.js";
import { embeddedView } from "./html-view.js";

const walkText = (v: MatrixView, w: number): string => (v.walks[w] as number[]).map((l) => v.lines[l]).join("\n");

/** Every marked cell of every grid as "change from -> to probe (count)". */
function marked(v: MatrixView): string[] {
  const out: string[] = [];
  const label = (i: number): string => {
    const m = v.members[i] as MatrixView["members"][number];
    return v.level === "namespace" ? m.namespace : (m.pods[0] as string);
  };
  v.grids.forEach((g) =>
    v.members.forEach((_, r) =>
      v.members.forEach((__, c) => {
        PAIR_STATES.forEach((s, k) => {
          const n = g.counts[(r * v.members.length + c) * 4 + k] as number;
          if (n > 0) out.push(`${s} ${label(r)} -> ${label(c)} ${g.probe} (${n})`);
        });
      }),
    ),
  );
  return out;
}

const base = "golden/k8s-ipblock-except/input/cluster.yaml";
const head = "golden/k8s-ipblock-except/input";

describe("review --format html", () => {
  it("marks every flipped pair of the JSON report, pods and CIDRs, and nothing else", async () => {
    const [html, json] = await Promise.all([cli(["review", "--base", base, "--head", head, "--format", "html"]), cli(["review", "--base", base, "--head", head, "--format", "json"])]);
    expect(html.code).toBe(0);
    const report = JSON.parse(json.stdout) as ReviewReport;
    const v = embeddedView(html.stdout);
    expect(v.changesOnly).toBe(true);
    expect(v.states).toEqual({ base: "base", head: "head" });
    const key = (peer: string): string => (peer.includes(".") ? `${OUTSIDE}/${peer}` : peer);
    const expected = [...report.connectivity.opened, ...report.connectivity.closed].map((p) => `${p.head.verdict === "allow" ? "opened" : "closed"} ${key(p.from)} -> ${key(p.to)} TCP/${p.port} (1)`);
    expect(marked(v).sort()).toEqual(expected.sort());
    expect(report.connectivity.closed.some((p) => p.to.includes("/16"))).toBe(true);
    expect(v.members.map((m) => m.namespace)).toContain(OUTSIDE);
  });

  it("a pod pair's walk is explain's on head and base; a CIDR pair's is the report's decisions", async () => {
    const html = await cli(["review", "--base", base, "--head", head, "--format", "html"]);
    const v = embeddedView(html.stdout);
    const row = (pod: string): number => v.members.findIndex((m) => m.pods[0] === pod);
    const at = (from: string, to: string): string => walkText(v, v.grids[0]?.walks[(row(from) * v.members.length + row(to)) * 4 + 3] as number);
    const [headExplain, baseExplain] = await Promise.all([
      cli(["explain", "-f", head, "--from", "default/app", "--to", "default/other", "--port", "80"]),
      cli(["explain", "-f", base, "--from", "default/app", "--to", "default/other", "--port", "80"]),
    ]);
    expect(`${at("default/app", "default/other")}\n`).toBe(`default/app -> default/other TCP/80: closed\n\nhead (${head}):\n${headExplain.stdout}\nbase (${base}):\n${baseExplain.stdout}`);
    const lines = at("default/app", `${OUTSIDE}/10.65.0.0/16`).split("\n");
    expect(lines.slice(0, 6)).toEqual(["default/app -> 10.65.0.0/16 TCP/80: closed", "", `base (${base}): ALLOW`, "  decided by: profile kns.default egress rule 0 (Allow)", "  on:         node-1, egress", `  at:         ${base}:2`]);
    expect(lines[6]).toMatch(/^ {2}rule: {7}cali-pro-kns\.default #0 cali:\S{16}$/);
    expect(lines.slice(7, 11)).toEqual(["", `head (${head}): DENY`, "  decided by: end of tier default: no egress policy in it allowed or passed the packet (default deny)", "  on:         node-1, egress"]);
    expect(lines[11]).toMatch(/^ {2}rule: {7}cali-fw-\S+ #\d+ cali:\S{16}$/);
    expect(lines).toHaveLength(12);
  });

  it("the sections are the text view's connectivity, rules and problems, with every flipped pair listed", async () => {
    const [html, text] = await Promise.all([cli(["review", "--base", base, "--head", head, "--format", "html"]), cli(["review", "--base", base, "--head", head])]);
    const v = embeddedView(html.stdout);
    expect(v.sections.map((s) => s.title)).toEqual(["Connectivity", "Rules", "Problems"]);
    const textLines = text.stdout.trimEnd().split("\n");
    const rules = textLines.findIndex((l) => l.startsWith("rules: "));
    const problems = textLines.findIndex((l) => l.startsWith("problems: "));
    expect(v.sections[1]?.lines).toEqual(textLines.slice(rules, problems));
    expect(v.sections[2]?.lines).toEqual(textLines.slice(problems));
    const connectivity = v.sections[0]?.lines ?? [];
    expect(connectivity[0]).toBe(textLines[1]);
    expect(connectivity.slice(connectivity.indexOf("pairs:") + 1)).toEqual([
      "  closed default/app -> 10.0.0.0/8 TCP/80",
      "  closed default/app -> 10.65.0.0/16 TCP/80",
      "  closed default/app -> 10.65.0.0/16 TCP/443",
      "  closed default/app -> 10.96.0.0/12 TCP/80",
      "  closed default/app -> 10.96.0.0/12 TCP/443",
      "  closed default/app -> default/other TCP/80",
      "  closed default/app -> default/other TCP/443",
    ]);
  });
});

describe("review html's walks on a budget of nodes", () => {
  const load = async (paths: string[], label: string): Promise<ReviewVersion> => {
    const sources = await readInputs(paths, process.cwd());
    const { model, diagnostics } = loadSources(sources);
    return { side: { label, paths }, model, sources, diagnostics };
  };

  it("traces full walks on the first nodes only; a pair beyond shows its decisions and the explain command", async () => {
    const scenario = "golden/k8s-web-from-client1/input";
    const [b, h] = await Promise.all([load([`${scenario}/cluster.yaml`], "base"), load([scenario], "head")]);
    const report = reviewChange(b, h);
    const texts = (budget: number): string[] => {
      const v = embeddedView(reviewHtmlPage(report, b, h, budget));
      return v.walks.map((_, i) => walkText(v, i));
    };
    const full = texts(16);
    expect(full.length).toBeGreaterThan(1);
    expect(full.every((t) => /\n\nhead \(head\):\n/.test(t))).toBe(true);
    const nodes = new Set(h.model.endpoints.map((e) => e.node));
    expect(nodes.size).toBe(2);
    const one = texts(1);
    const cut = one.filter((t) => t.includes("(this page traces full walks on its first 1 nodes only; this pair's: policy-compile explain -f golden/k8s-web-from-client1/input --from "));
    expect(cut.length).toBeGreaterThan(0);
    expect(cut.length).toBeLessThan(one.length);
    for (const t of cut) expect(t).toMatch(/^\S+ -> \S+ TCP\/80: closed\n\nbase \(base\): ALLOW\n/);
  });
});

describe("reviewMatrixView", () => {
  const side = { verdict: "deny" as const };
  const pair = (from: string, to: string, port: number, opened: boolean, endPort?: number): FlippedPair => ({
    from,
    to,
    port,
    ...(endPort !== undefined && { endPort }),
    protocol: "TCP",
    base: opened ? side : { verdict: "allow" },
    head: opened ? { verdict: "allow" } : side,
  });
  const report = (opened: FlippedPair[], closed: FlippedPair[]): ReviewReport => ({
    kind: "ReviewReport",
    version: 1,
    base: { label: "main", paths: ["p"] },
    head: { label: "p", paths: ["p"] },
    connectivity: { opened, closed, added: [], removed: [], podsAdded: [], podsRemoved: [], summary: [], probes: [{ protocol: "TCP", port: 80 }, { protocol: "TCP", port: 1000, endPort: 2000 }], podsTouched: 3, pods: 10 },
    rules: { nodesCompared: 1, nodesChanged: 0, changes: [] },
    problems: { lint: [], lintFixed: [], diagnostics: [], staged: [] },
  });
  const r = report([pair("a/x", "b/y", 80, true), pair("a/z", "b/y", 80, true), pair("a/x", "b/y", 1000, true, 2000), pair("a/x", "fd00::/64", 80, true)], [pair("b/y", "a/x", 80, false)]);

  it("one row per peer, a grid per probe (ranges as ranges), probes in the report's order", () => {
    const v = reviewMatrixView(r);
    expect(v.level).toBe("pod");
    expect(v.members.map((m) => m.pods[0])).toEqual([`${OUTSIDE}/fd00::/64`, "a/x", "a/z", "b/y"]);
    expect(v.grids.map((g) => g.probe)).toEqual(["TCP/80", "TCP/1000-2000"]);
    expect(marked(v)).toEqual([
      `opened a/x -> ${OUTSIDE}/fd00::/64 TCP/80 (1)`,
      "opened a/x -> b/y TCP/80 (1)",
      "opened a/z -> b/y TCP/80 (1)",
      "closed b/y -> a/x TCP/80 (1)",
      "opened a/x -> b/y TCP/1000-2000 (1)",
    ]);
    expect(walkText(v, v.grids[1]?.walks[(1 * 4 + 3) * 4 + 2] as number)).toBe("a/x -> b/y TCP/1000-2000: opened\n\nbase (main): DENY\n  decided by: no rule (the hook's default)\n\nhead (p): ALLOW\n  decided by: no rule (the hook's default)");
  });

  it("by namespace beyond maxPeers: counts per namespace pair, the walk of the first pair", () => {
    const v = reviewMatrixView(r, { maxPeers: 2 });
    expect(v.level).toBe("namespace");
    expect(v.members.map((m) => [m.namespace, m.pods.length])).toEqual([
      [OUTSIDE, 1],
      ["a", 2],
      ["b", 1],
    ]);
    expect(marked(v)).toEqual([`opened a -> ${OUTSIDE} TCP/80 (1)`, "opened a -> b TCP/80 (2)", "closed b -> a TCP/80 (1)", "opened a -> b TCP/1000-2000 (1)"]);
    expect(walkText(v, v.grids[0]?.walks[(1 * 3 + 2) * 4 + 2] as number)).toMatch(/^a\/x -> b\/y TCP\/80: opened\n/);
  });

  it("folds the namespaces with the fewest flips into one row beyond maxNamespaces", () => {
    const many = report(
      [pair("a/x", "b/y", 80, true), pair("a/z", "b/y", 80, true), pair("c/1", "b/y", 80, true), pair("d/1", "e/1", 80, true)],
      [],
    );
    const v = reviewMatrixView(many, { maxPeers: 2, maxNamespaces: 3 });
    // Flips per namespace: b 3, a 2, c 1, d 1, e 1: a and b stay, c, d and e fold.
    expect(v.members.map((m) => [m.namespace, m.pods])).toEqual([
      [OTHER_NAMESPACES, [`${OTHER_NAMESPACES}/c/1`, `${OTHER_NAMESPACES}/d/1`, `${OTHER_NAMESPACES}/e/1`]],
      ["a", ["a/x", "a/z"]],
      ["b", ["b/y"]],
    ]);
    expect(marked(v)).toEqual([`opened ${OTHER_NAMESPACES} -> ${OTHER_NAMESPACES} TCP/80 (1)`, `opened ${OTHER_NAMESPACES} -> b TCP/80 (1)`, "opened a -> b TCP/80 (2)"]);
  });

  it("lists the first HTML_PAIR_LIST_LIMIT pairs and counts the rest", () => {
    const opened = Array.from({ length: HTML_PAIR_LIST_LIMIT + 5 }, (_, i) => pair(`a/p${String(i).padStart(4, "0")}`, "b/y", 80, true));
    const v = reviewMatrixView(report(opened, []));
    const lines = v.sections[0]?.lines ?? [];
    const listed = lines.slice(lines.indexOf("pairs:") + 1);
    expect(listed).toHaveLength(HTML_PAIR_LIST_LIMIT + 1);
    expect(listed[0]).toBe("  opened a/p0000 -> b/y TCP/80");
    expect(listed.at(-1)).toBe("  and 5 more (review --format json lists them all)");
    // The grid still counts every pair: by namespace, a -> b holds them all.
    expect(marked(v)).toEqual([`opened a -> b TCP/80 (${HTML_PAIR_LIST_LIMIT + 5})`]);
  });

  it("a report with no flips draws no grid and says so", () => {
    const v = reviewMatrixView(report([], []));
    expect([v.members, v.grids, v.pods]).toEqual([[], [], 0]);
    expect(v.subtitle[0]).toBe("0 opened, 0 closed pod pairs (3 of 10 pods touched; ports TCP/80, TCP/1000-2000)");
  });

  it("host endpoint peers are the (hosts) rows, named in the legend; added/removed slots hold a new pod's pairs", async () => {
    const dir = "docs/examples/review";
    const hep = await cli(["review", "--base", `${dir}/hep-base`, "--head", `${dir}/hep-head`, "--format", "html"]);
    const v = embeddedView(hep.stdout);
    expect(v.members.filter((m) => m.namespace === HOSTS).map((m) => m.pods[0])).toEqual([`${HOSTS}/host:node-1`, `${HOSTS}/host:node-2`]);
    expect(hep.stdout).toContain("<b>(hosts)</b> host:&lt;node&gt;: a node&#39;s host endpoints");
    expect(hep.stdout).not.toContain("<b>(outside the cluster)</b>");
    const added = await cli(["review", "--base", `${dir}/base`, "--head", `${dir}/head-new-pod`, "--format", "html"]);
    const w = embeddedView(added.stdout);
    expect(w.slots).toEqual(["added", "removed", "opened", "closed"]);
    expect(w.subtitle[1]).toBe("1 pod(s) added (12 allowed pairs), 0 removed (0 allowed pairs)");
    const total = (k: number): number => w.grids.reduce((t, g) => t + g.counts.filter((_, i) => i % 4 === k).reduce((a, b) => a + b, 0), 0);
    expect([0, 1, 2, 3].map(total)).toEqual([12, 0, 0, 0]);
  });
});
