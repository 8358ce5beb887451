/**
 * `matrix --format html`: the page's embedded view against the JSON output and `explain` for the
 * same input, the class and namespace aggregation against every pair, determinism, escaping of
 * hostile input, and the flag errors. The browser tests (matrix-html.browser.test.ts) load the
 * page in chromium.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { matrixHtmlView } from "../../src/cli/matrix-html.js";
import { PAIR_STATES, buildMatrixView, reachabilityMatrix, renderMatrixHtml, type MatrixView } from "../../src/trace/index.js";
import { syntheticCluster } from "../bench/compile.bench.js";
import { cli } from "./helpers.js";
import { embeddedView } from "./html-view.js";

const golden = "golden/k8s-web-from-client1/input";

const walkText = (v: MatrixView, w: number): string => (v.walks[w] as number[]).map((l) => v.lines[l]).join("\n");
const cellCounts = (v: MatrixView, g: number, r: number, c: number): number[] => v.grids[g]?.counts.slice((r * v.members.length + c) * 4, (r * v.members.length + c) * 4 + 4) as number[];

describe("matrix --format html", () => {
  it("has one cell per pod pair whose state is the pair's verdict in the JSON output, and the walk explain prints", async () => {
    const [html, json] = await Promise.all([cli(["matrix", "-f", golden, "--format", "html"]), cli(["matrix", "-f", golden, "--format", "json"])]);
    expect(html.code).toBe(0);
    const v = embeddedView(html.stdout);
    const pairs = (JSON.parse(json.stdout) as { pairs: { from: string; to: string; port: number; verdict: string }[] }).pairs;
    expect(v.level).toBe("pod");
    expect(v.members.map((m) => m.pods)).toEqual([["default/client1"], ["default/client1-b"], ["default/client2"], ["default/web-1"], ["default/web-2"], ["other/client1"]]);
    expect(v.grids.map((g) => g.probe)).toEqual(["TCP/80"]);
    const row = new Map(v.members.map((m, i) => [m.pods[0], i]));
    for (const p of pairs) {
      const counts = cellCounts(v, 0, row.get(p.from) as number, row.get(p.to) as number);
      expect(counts, `${p.from} -> ${p.to}`).toEqual(p.verdict === "allow" ? [1, 0, 0, 0] : [0, 1, 0, 0]);
    }
    // The diagonal counts nothing (the page draws it as "same pod").
    for (let i = 0; i < v.members.length; i++) expect(cellCounts(v, 0, i, i)).toEqual([0, 0, 0, 0]);
    const at = ((row.get("default/client2") as number) * v.members.length + (row.get("default/web-2") as number)) * 4 + PAIR_STATES.indexOf("deny");
    const explain = await cli(["explain", "-f", golden, "--from", "default/client2", "--to", "default/web-2", "--port", "80"]);
    expect(`${walkText(v, v.grids[0]?.walks[at] as number)}\n`).toBe(explain.stdout);
  });

  it("--from/--to marks the opened and closed pairs that the text output lists, each with both walks", async () => {
    const before = "golden/k8s-namespace-isolation/input/cluster.yaml";
    const after = "golden/k8s-namespace-isolation/input";
    const [html, text] = await Promise.all([cli(["matrix", "--from", before, "--to", after, "--format", "html"]), cli(["matrix", "--from", before, "--to", after])]);
    const v = embeddedView(html.stdout);
    expect(v.states).toEqual({ base: "--from", head: "--to" });
    expect(text.stdout).toBe("closed backend/worker -> backend/api TCP/80\nclosed frontend/static -> backend/api TCP/80\n");
    const row = new Map(v.members.map((m, i) => [m.pods[0], i]));
    const closed: string[] = [];
    v.members.forEach((a, r) =>
      v.members.forEach((b, c) => {
        const counts = cellCounts(v, 0, r, c);
        if (counts[3] === 1) closed.push(`${a.pods[0]} -> ${b.pods[0]}`);
        expect(counts[2]).toBe(0);
      }),
    );
    expect(closed).toEqual(["backend/worker -> backend/api", "frontend/static -> backend/api"]);
    const w = v.grids[0]?.walks[((row.get("frontend/static") as number) * v.members.length + (row.get("backend/api") as number)) * 4 + 3] as number;
    expect(walkText(v, w)).toMatch(/^after \(--to\):\nfrontend\/static -> backend\/api TCP\/80: DENY\n[^]*\nbefore \(--from\):\nfrontend\/static -> backend\/api TCP\/80: ALLOW\n/);
  });

  it("--staged marks the pairs that matrix --staged --changes lists", async () => {
    const input = "golden/staged-delete/input";
    const [html, json] = await Promise.all([cli(["matrix", "--staged", "-f", input, "--format", "html"]), cli(["matrix", "--staged", "--changes", "-f", input, "--format", "json"])]);
    const v = embeddedView(html.stdout);
    expect(v.states).toEqual({ base: "enforced", head: "pending" });
    const changes = (JSON.parse(json.stdout) as { changes: { from: string; to: string; change: string }[] }).changes;
    const marked: string[] = [];
    v.members.forEach((a, r) =>
      v.members.forEach((b, c) => {
        const counts = cellCounts(v, 0, r, c);
        if (counts[2]) marked.push(`opened ${a.pods[0]} -> ${b.pods[0]}`);
        if (counts[3]) marked.push(`closed ${a.pods[0]} -> ${b.pods[0]}`);
      }),
    );
    expect(marked.sort()).toEqual(changes.map((c) => `${c.change} ${c.from} -> ${c.to}`).sort());
    expect(changes.length).toBeGreaterThan(0);
  });

  it("--out writes the page and says what it holds; the same input gives the same bytes", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pc-html-"));
    try {
      const r = await cli(["matrix", "-f", golden, "--format", "html", "--out", join(dir, "m.html")]);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(`wrote ${join(dir, "m.html")}: 6 pods in 6 rows, 1 probe, 36 cells, 30 walks\n`);
      const again = await cli(["matrix", "-f", golden, "--format", "html"]);
      expect(readFileSync(join(dir, "m.html"), "utf8")).toBe(again.stdout);
      // The inputs' documents in another order (files split apart, reversed): same page but for the title.
      const split = join(dir, "split");
      mkdirSync(split);
      for (const f of ["cluster.yaml", "policy.yaml"]) {
        const docs = readFileSync(join(golden, f), "utf8").split(/^---$/m).reverse();
        docs.forEach((d, i) => writeFileSync(join(split, `${f}-${String(docs.length - i).padStart(2, "0")}.yaml`), d));
      }
      const shuffled = await cli(["matrix", "-f", split, "--format", "html"]);
      const strip = (html: string): unknown => {
        const v = embeddedView(html);
        return { ...v, title: "", lines: v.lines.map((l) => l.replace(/^( {2}at: +).*$/, "$1")) };
      };
      expect(strip(shuffled.stdout)).toEqual(strip(again.stdout));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each([
    [["matrix", "-f", golden, "--out", "x.html"], /--out goes with --format html/],
    [["matrix", "--staged", "--changes", "-f", golden, "--format", "html"], /drop --changes/],
    [["matrix", "-f", golden, "--format", "html", "--out", "/nonexistent-dir/m.html"], /cannot write \/nonexistent-dir\/m\.html/],
  ])("%j exits 2", async (argv, message) => {
    const r = await cli(argv);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });
});

describe("the view's aggregation", () => {
  // 300 pods: more than the 200 drawn pod by pod.
  const model = syntheticCluster(300);
  const matrix = reachabilityMatrix(model);
  const view = (maxClasses?: number): MatrixView =>
    buildMatrixView({ title: "t", head: matrix, walk: (r) => `${r.from} -> ${r.to} ${r.probe.protocol}/${String(r.probe.port)} ${r.state}`, ...(maxClasses !== undefined && { maxClasses }) });

  it("podClasses: pods of one class have the same verdict to and from every other pod", () => {
    const small = reachabilityMatrix(syntheticCluster(120));
    const classes = small.podClasses();
    const pods = small.pods;
    const probes = [...new Map(pods.flatMap((p) => small.probes(p)).map((x) => [`${x.protocol}/${String(x.port)}`, x])).values()];
    let checked = 0;
    const differ: string[] = [];
    for (let a = 0; a < pods.length; a++)
      for (let b = a + 1; b < pods.length; b++) {
        if (classes[a] !== classes[b]) continue;
        for (let q = 0; q < pods.length; q++) {
          if (q === a || q === b) continue;
          for (const pr of probes) {
            const [pa, pb, pq] = [pods[a], pods[b], pods[q]] as [string, string, string];
            if (small.verdict(pa, pq, pr.protocol, pr.port) !== small.verdict(pb, pq, pr.protocol, pr.port)) differ.push(`${pa}|${pb} -> ${pq}`);
            if (small.verdict(pq, pa, pr.protocol, pr.port) !== small.verdict(pq, pb, pr.protocol, pr.port)) differ.push(`${pq} -> ${pa}|${pb}`);
            checked++;
          }
        }
      }
    expect(differ).toEqual([]);
    expect(checked).toBeGreaterThan(1000);
    expect(new Set(classes).size).toBeLessThan(pods.length);
  });

  it("by class: every pair under a cell has the cell's one verdict, and every pair is counted once", () => {
    const v = view();
    expect(v.level).toBe("class");
    expect(v.members.length).toBeLessThan(300);
    v.grids.forEach((g, gi) => {
      const [protocol, port] = g.probe.split("/") as ["TCP", string];
      let total = 0;
      v.members.forEach((a, r) =>
        v.members.forEach((b, c) => {
          const counts = cellCounts(v, gi, r, c);
          const states = counts.filter((x) => x > 0).length;
          expect(states).toBeLessThanOrEqual(1);
          let allow = 0;
          let deny = 0;
          for (const from of a.pods)
            for (const to of b.pods) {
              const verdict = from === to ? undefined : matrix.verdict(from, to, protocol, Number(port));
              if (verdict === "allow") allow++;
              if (verdict === "deny") deny++;
            }
          expect(counts).toEqual([allow, deny, 0, 0]);
          total += allow + deny;
        }),
      );
      let pairs = 0;
      for (const p of matrix.pairs()) if (`${p.protocol}/${String(p.port)}` === g.probe) pairs++;
      expect(total).toBe(pairs);
    });
    // A class cell's walk is one of its pairs'.
    const w = v.grids[0]?.walks.find((x) => x >= 0) as number;
    expect(walkText(v, w)).toMatch(/^ns-\d+\/pod-\d+ -> ns-\d+\/pod-\d+ TCP\/\d+ (allow|deny)$/);
  });

  it("by namespace when the classes are too many: counts per state, one walk per state present", () => {
    const v = view(10);
    expect(v.level).toBe("namespace");
    expect(v.members.map((m) => m.namespace)).toEqual(["ns-0", "ns-1", "ns-2", "ns-3", "ns-4", "ns-5"]);
    let mixed = 0;
    v.grids.forEach((g, gi) => {
      const [protocol, port] = g.probe.split("/") as ["TCP", string];
      v.members.forEach((a, r) =>
        v.members.forEach((b, c) => {
          const counts = cellCounts(v, gi, r, c);
          let allow = 0;
          let deny = 0;
          for (const from of a.pods)
            for (const to of b.pods) {
              const verdict = from === to ? undefined : matrix.verdict(from, to, protocol, Number(port));
              if (verdict === "allow") allow++;
              if (verdict === "deny") deny++;
            }
          expect(counts).toEqual([allow, deny, 0, 0]);
          if (allow > 0 && deny > 0) mixed++;
          counts.forEach((n, s) => expect((g.walks[(r * v.members.length + c) * 4 + s] as number) >= 0).toBe(n > 0));
        }),
      );
    });
    expect(mixed).toBeGreaterThan(0);
  });

  it("reports the walks' progress, ending at the total", () => {
    const calls: [number, number][] = [];
    let walks = 0;
    buildMatrixView({ title: "t", head: matrix, walk: () => `w${walks++}`, progress: (done, total) => calls.push([done, total]) });
    expect(calls.at(-1)).toEqual([walks, walks]);
    expect(calls[0]).toEqual([0, walks]);
    expect(calls.map(([d]) => d)).toEqual([...calls.map(([d]) => d)].sort((a, b) => a - b));
    expect(calls.length).toBeGreaterThan(2);
  });

  it("renders the same bytes for the same view, and for the cluster's endpoints in another order", () => {
    const a = renderMatrixHtml(matrixHtmlView({ kind: "state", paths: ["x"], state: { matrix, model, sources: [], traceOptions: {} } }, {}));
    const reversed = { ...model, endpoints: [...model.endpoints].reverse() };
    const b = renderMatrixHtml(matrixHtmlView({ kind: "state", paths: ["x"], state: { matrix: reachabilityMatrix(reversed), model: reversed, sources: [], traceOptions: {} } }, {}));
    expect(b === a).toBe(true);
    expect(embeddedView(a).level).toBe("class");
  });
});

describe("hostile input", () => {
  const evil = `</script><script>alert(1)</script><!--<img src=x onerror=alert(2)>&amp;\u2028"'`;

  it("a view whose every string is hostile stays inside its elements and reads back exactly", () => {
    const v: MatrixView = {
      kind: "MatrixView",
      title: evil,
      subtitle: [evil],
      states: { base: evil, head: evil },
      level: "pod",
      pods: 2,
      members: [
        { namespace: evil, pods: [`${evil}/a`] },
        { namespace: evil, pods: [`${evil}/b`] },
      ],
      grids: [{ probe: evil, counts: [0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0], walks: [-1, -1, -1, -1, 0, -1, -1, -1, -1, -1, 0, -1, -1, -1, -1, -1] }],
      walks: [[0, 1]],
      lines: [evil, `  at: ${evil}.yaml:1`],
      sections: [{ title: evil, lines: [evil] }],
    };
    const html = renderMatrixHtml(v);
    // Exactly the page's own elements: two scripts, one comment-free document.
    expect(html.match(/<script/g)).toHaveLength(2);
    expect(html.match(/<\/script>/g)).toHaveLength(2);
    expect(html).not.toContain("<img");
    expect(html).not.toContain("<!--");
    // The JSON holds no raw line separator (a JavaScript string may not, in older engines).
    expect(/id="matrix-data">[^<]*\u2028/.test(html)).toBe(false);
    expect(embeddedView(html)).toEqual(v);
    expect(html).toContain("<title>&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;!--&lt;img src=x onerror=alert(2)&gt;&amp;amp;\u2028&quot;&#39;</title>");
  });

  it("a file path with markup in it (it reaches the walks' at: lines) is escaped in the page", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pc-html-"));
    try {
      const odd = join(dir, "a<", "script>x");
      mkdirSync(odd, { recursive: true });
      copyFileSync(join(golden, "cluster.yaml"), join(odd, "c.yaml"));
      copyFileSync(join(golden, "policy.yaml"), join(odd, "p.yaml"));
      const r = await cli(["matrix", "-f", join(dir, "a<"), "--format", "html"]);
      expect(r.code).toBe(0);
      expect(r.stdout.match(/<\/script>/g)).toHaveLength(2);
      const v = embeddedView(r.stdout);
      expect(v.lines.some((l) => l.includes("a</script>x/p.yaml:"))).toBe(true);
      expect(v.title).toContain("a<");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
