/// <reference lib="dom" />
/**
 * The html view in chromium: it loads without console errors and without any request, every
 * drawn cell has the colour and counts of the JSON output for the same input, the totals are the
 * JSON's, a click shows the walk `explain` prints, the probe selector redraws, and hostile names
 * stay text.
 */
import { expect, it } from "vitest";
import { explanationText } from "../../src/cli/explain.js";
import { FlowTracer, buildMatrixView, reachabilityMatrix, renderMatrixHtml, type MatrixView } from "../../src/trace/index.js";
import { syntheticCluster } from "../bench/compile.bench.js";
import { describeBrowser, type LoadedPage } from "./browser.js";
import { cli } from "./helpers.js";

/** The colours of the legend (the page's CSS variables), as computed styles report them. */
const COLOUR: Readonly<Record<string, string>> = {
  allow: "rgb(47, 158, 90)",
  deny: "rgb(242, 212, 212)",
  opened: "rgb(31, 111, 235)",
  closed: "rgb(227, 98, 9)",
  self: "rgb(208, 208, 208)",
  none: "rgb(255, 255, 255)",
};

interface DrawnCell {
  readonly row: number;
  readonly col: number;
  readonly state: string;
  readonly counts: string;
  readonly background: string;
  readonly text: string;
}

async function cells(p: LoadedPage): Promise<DrawnCell[]> {
  return p.page.$$eval("#grid td", (tds) =>
    tds.map((td) => {
      const e = td as HTMLElement;
      return { row: Number(e.dataset.row), col: Number(e.dataset.col), state: e.dataset.state ?? "", counts: e.dataset.counts ?? "", background: getComputedStyle(e).backgroundColor, text: e.textContent ?? "" };
    }),
  );
}

async function totals(p: LoadedPage): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const s of ["allow", "deny", "opened", "closed"]) if ((await p.page.locator(`#count-${s}`).count()) > 0) out[s] = (await p.page.locator(`#count-${s}`).textContent()) ?? "";
  return out;
}

const clean = (p: LoadedPage): void => {
  expect(p.problems).toEqual([]);
  expect(p.requests).toEqual([]);
};

describeBrowser("matrix --format html", (session) => {
  const golden = "golden/k8s-web-from-client1/input";

  it("draws every pair in the JSON output's colour, totals it, and a click shows explain's walk", async () => {
    const [html, json] = await Promise.all([cli(["matrix", "-f", golden, "--format", "html"]), cli(["matrix", "-f", golden, "--format", "json"])]);
    const pairs = (JSON.parse(json.stdout) as { pairs: { from: string; to: string; verdict: string }[] }).pairs;
    const p = await session.openPage(html.stdout);
    clean(p);
    const names = await p.page.$$eval("#grid tbody th", (ths) => ths.map((th) => (th.textContent ?? "").replace(/^\d+ /, "")));
    expect(names).toEqual(["default/client1", "default/client1-b", "default/client2", "default/web-1", "default/web-2", "other/client1"]);
    const drawn = await cells(p);
    expect(drawn).toHaveLength(36);
    const at = (from: string, to: string): DrawnCell => drawn.find((c) => c.row === names.indexOf(from) && c.col === names.indexOf(to)) as DrawnCell;
    for (const pair of pairs) {
      const c = at(pair.from, pair.to);
      expect([c.state, c.background], `${pair.from} -> ${pair.to}`).toEqual([pair.verdict, COLOUR[pair.verdict]]);
    }
    for (const n of names) expect([at(n, n).state, at(n, n).background, at(n, n).text]).toEqual(["self", COLOUR.self, "-"]);
    expect(await totals(p)).toEqual({ allow: String(pairs.filter((x) => x.verdict === "allow").length), deny: String(pairs.filter((x) => x.verdict === "deny").length) });

    await p.page.locator(`#grid td[data-row="${names.indexOf("default/client2")}"][data-col="${names.indexOf("default/web-2")}"]`).click();
    const explain = await cli(["explain", "-f", golden, "--from", "default/client2", "--to", "default/web-2", "--port", "80"]);
    expect(await p.page.locator("#walk-title").textContent()).toBe("default/client2 -> default/web-2 TCP/80: 1 denied");
    expect(await p.page.locator("#walk-body pre").allTextContents()).toEqual([explain.stdout.replace(/\n$/, "")]);
    await p.page.close();
  });

  it("--from/--to: the closed pairs of the text output are marked, counted, and show both walks", async () => {
    const before = "golden/k8s-namespace-isolation/input/cluster.yaml";
    const after = "golden/k8s-namespace-isolation/input";
    const [html, json] = await Promise.all([cli(["matrix", "--from", before, "--to", after, "--format", "html"]), cli(["matrix", "--from", before, "--to", after, "--format", "json"])]);
    const changes = (JSON.parse(json.stdout) as { changes: { from: string; to: string; change: string }[] }).changes;
    const p = await session.openPage(html.stdout);
    clean(p);
    const names = await p.page.$$eval("#grid tbody th", (ths) => ths.map((th) => (th.textContent ?? "").replace(/^\d+ /, "")));
    const drawn = await cells(p);
    const marked = drawn.filter((c) => c.state === "opened" || c.state === "closed").map((c) => `${c.state} ${names[c.row]} -> ${names[c.col]}`);
    expect(marked).toEqual(changes.map((c) => `${c.change} ${c.from} -> ${c.to}`));
    for (const c of drawn.filter((x) => x.state === "closed")) expect([c.background, c.text]).toEqual([COLOUR.closed, "\u2212"]);
    const t = await totals(p);
    expect([t.opened, t.closed]).toEqual(["0", String(changes.length)]);
    await p.page.locator("#grid td[data-state=closed]").first().click();
    const walk = (await p.page.locator("#walk-body pre").textContent()) ?? "";
    expect(walk).toMatch(/^after \(--to\):\nbackend\/worker -> backend\/api TCP\/80: DENY\n/);
    expect(walk).toContain("\nbefore (--from):\nbackend/worker -> backend/api TCP/80: ALLOW\n");
    await p.page.close();
  });

  it("by namespace: mixed cells are shaded by the share allowed, a click shows a walk per state, the probe selector redraws", async () => {
    const model = syntheticCluster(300);
    const matrix = reachabilityMatrix(model);
    const tracer = new FlowTracer(model);
    const view = buildMatrixView({
      title: "synthetic",
      head: matrix,
      maxClasses: 10,
      walk: (r) => explanationText(tracer.explain({ from: { kind: "pod", namespace: r.from.split("/")[0] as string, name: r.from.split("/")[1] as string }, to: { kind: "pod", namespace: r.to.split("/")[0] as string, name: r.to.split("/")[1] as string }, protocol: r.probe.protocol, port: r.probe.port as number }), { from: r.from, to: r.to, protocol: r.probe.protocol, port: String(r.probe.port) }, false),
    });
    expect(view.level).toBe("namespace");
    const p = await session.openPage(renderMatrixHtml(view));
    clean(p);
    for (const [gi, grid] of view.grids.entries()) {
      if (gi > 0) await p.page.locator("#probe").selectOption(String(gi));
      const drawn = await cells(p);
      expect(drawn).toHaveLength(view.members.length ** 2);
      let allowed = 0;
      for (const c of drawn) {
        const counts = grid.counts.slice((c.row * view.members.length + c.col) * 4, (c.row * view.members.length + c.col) * 4 + 4);
        expect(c.counts).toBe(counts.join(","));
        allowed += counts[0] as number;
        const total = counts.reduce((a, b) => a + b, 0);
        if (c.state === "mixed") {
          const f = (counts[0] as number) / total;
          const mix = (d: number, a: number): number => Math.round(d + (a - d) * f);
          expect(c.background).toBe(`rgb(${mix(242, 47)}, ${mix(212, 158)}, ${mix(212, 90)})`);
        } else expect(c.background).toBe(COLOUR[c.state]);
      }
      let expected = 0;
      for (const pair of matrix.pairs()) if (`${pair.protocol}/${String(pair.port)}` === grid.probe && pair.verdict === "allow") expected++;
      expect(allowed).toBe(expected);
      expect((await totals(p)).allow).toBe(String(expected));
    }
    await p.page.locator("#probe").selectOption("0");
    await p.page.locator("#grid td[data-state=mixed]").first().click();
    const states = await p.page.locator("#walk-body h3").allTextContents();
    expect(states).toEqual([expect.stringMatching(/^allowed: \d+ pairs; the walk of one of them:$/), expect.stringMatching(/^denied: \d+ pairs; the walk of one of them:$/)]);
    const walks = await p.page.locator("#walk-body pre").allTextContents();
    expect(walks[0]).toMatch(/^ns-\d+\/pod-\d+ -> ns-\d+\/pod-\d+ TCP\/80: ALLOW\n/);
    expect(walks[1]).toMatch(/^ns-\d+\/pod-\d+ -> ns-\d+\/pod-\d+ TCP\/80: DENY\n/);
    await p.page.close();
  });

  it("hostile names stay text: no script runs, no element is injected, the page reads them back", async () => {
    const evil = `</script><script>alert(1)</script><img src=x onerror=alert(2)><!--`;
    const view: MatrixView = {
      kind: "MatrixView",
      title: evil,
      subtitle: [evil],
      states: { base: evil, head: "head" },
      level: "pod",
      pods: 2,
      members: [
        { namespace: evil, pods: [`${evil}/a`] },
        { namespace: "b", pods: ["b/b"] },
      ],
      grids: [{ probe: evil, counts: [0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0], walks: [-1, -1, -1, -1, -1, -1, 0, -1, -1, -1, -1, 0, -1, -1, -1, -1] }],
      walks: [[0, 1]],
      lines: [evil, `  at: ${evil}`],
      sections: [{ title: evil, lines: [evil] }],
    };
    const p = await session.openPage(renderMatrixHtml(view));
    clean(p);
    expect(await p.page.title()).toBe(evil);
    expect(await p.page.locator("h1").textContent()).toBe(evil);
    expect(await p.page.locator("img").count()).toBe(0);
    expect(await p.page.locator("script").count()).toBe(2);
    expect(await p.page.locator("#grid tbody th").first().textContent()).toBe(`1 ${evil}/a`);
    expect(await p.page.locator("#probe option").first().textContent()).toBe(evil);
    await p.page.locator("#grid td[data-state=opened]").click();
    expect(await p.page.locator("#walk-body pre").textContent()).toBe(`${evil}\n  at: ${evil}`);
    expect(await p.page.locator(".report-section pre").textContent()).toBe(evil);
    await p.page.close();
  });
});
