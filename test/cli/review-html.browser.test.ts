/// <reference lib="dom" />
/**
 * `review --format html` in chromium: loads without errors or requests, marks exactly the
 * report's flipped pairs in the closed colour, counts them as the JSON does, a click shows the
 * pair's walks, and a report with no flips is a page too.
 */
import { expect, it } from "vitest";
import { reviewHtml, type ReviewReport } from "../../src/review/index.js";
import { describeBrowser } from "./browser.js";
import { cli } from "./helpers.js";

const base = "golden/k8s-ipblock-except/input/cluster.yaml";
const head = "golden/k8s-ipblock-except/input";

describeBrowser("review --format html", (session) => {
  it("marks the JSON report's flips, counts them, and a click shows the pair's walks on both versions", async () => {
    const [html, json] = await Promise.all([cli(["review", "--base", base, "--head", head, "--format", "html"]), cli(["review", "--base", base, "--head", head, "--format", "json"])]);
    const report = JSON.parse(json.stdout) as ReviewReport;
    const p = await session.openPage(html.stdout);
    expect(p.problems).toEqual([]);
    expect(p.requests).toEqual([]);
    const names = await p.page.$$eval("#grid tbody th", (ths) => ths.map((th) => (th.textContent ?? "").replace(/^\d+ /, "")));
    const probes = await p.page.$$eval("#probe option", (os) => os.map((o) => o.textContent ?? ""));
    const drawn: string[] = [];
    for (const [i, probe] of probes.entries()) {
      await p.page.locator("#probe").selectOption(String(i));
      const cells = await p.page.$$eval("#grid td", (tds) => tds.map((td) => ({ row: Number((td as HTMLElement).dataset.row), col: Number((td as HTMLElement).dataset.col), state: (td as HTMLElement).dataset.state, bg: getComputedStyle(td).backgroundColor, title: td.getAttribute("title") })));
      for (const c of cells) {
        if (c.state === "closed" || c.state === "opened") drawn.push(`${c.state} ${names[c.row]} -> ${names[c.col]} ${probe}`);
        if (c.state === "closed") expect(c.bg).toBe("rgb(227, 98, 9)");
        if (c.state === "none") expect(c.title).toMatch(/: no change$/);
      }
      expect(await p.page.locator("#count-closed").textContent()).toBe(String(report.connectivity.closed.filter((x) => `TCP/${x.port}` === probe).length));
    }
    const peer = (x: string): string => (x.includes(".") ? `(outside the cluster)/${x}` : x);
    expect(drawn.sort()).toEqual(report.connectivity.closed.map((x) => `closed ${peer(x.from)} -> ${peer(x.to)} TCP/${x.port}`).sort());
    expect(await p.page.locator("#legend").textContent()).not.toContain("allowed in both");
    await p.page.locator("#probe").selectOption("0");
    await p.page.locator(`#grid td[data-row="${names.indexOf("default/app")}"][data-col="${names.indexOf("default/other")}"]`).click();
    const walk = (await p.page.locator("#walk-body pre").textContent()) ?? "";
    expect(walk).toMatch(/^default\/app -> default\/other TCP\/80: closed\n\nhead \(golden\/k8s-ipblock-except\/input\):\ndefault\/app -> default\/other TCP\/80: DENY\n/);
    expect(walk).toContain("\nbase (golden/k8s-ipblock-except/input/cluster.yaml):\ndefault/app -> default/other TCP/80: ALLOW\n");
    expect(await p.page.locator(".report-section h2").allTextContents()).toEqual(["Connectivity", "Rules", "Problems"]);
    await p.page.close();
  });

  it("a report that flips nothing is a page without a grid", async () => {
    const empty: ReviewReport = {
      kind: "ReviewReport",
      version: 1,
      base: { label: "a", paths: [] },
      head: { label: "b", paths: [] },
      connectivity: { opened: [], closed: [], added: [], removed: [], podsAdded: [], podsRemoved: [], summary: [], probes: [], podsTouched: 0, pods: 0 },
      rules: { nodesCompared: 0, nodesChanged: 0, changes: [] },
      problems: { lint: [], lintFixed: [], diagnostics: [], staged: [] },
    };
    const p = await session.openPage(reviewHtml(empty));
    expect(p.problems).toEqual([]);
    expect(await p.page.locator("#grid td").count()).toBe(0);
    expect(await p.page.locator(".subtitle").first().textContent()).toBe("0 opened, 0 closed pod pairs (0 of 0 pods touched; ports none)");
    await p.page.close();
  });
});
