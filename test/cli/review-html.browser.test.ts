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

  it("a new pod: its pairs are marked added, counted as the JSON's connectivity.added, in the legend, and a click shows the walk on head only", async () => {
    const dir = "docs/examples/review";
    const args = ["review", "--base", `${dir}/base`, "--head", `${dir}/head-new-pod`];
    const [html, json] = await Promise.all([cli([...args, "--format", "html"]), cli([...args, "--format", "json"])]);
    const report = JSON.parse(json.stdout) as ReviewReport;
    expect(report.connectivity.podsAdded).toEqual(["default/client1-c"]);
    expect(report.connectivity.added.length).toBeGreaterThan(0);
    const p = await session.openPage(html.stdout);
    expect(p.problems).toEqual([]);
    expect(p.requests).toEqual([]);
    expect(await p.page.locator("#legend").textContent()).toContain(`added (a pod of head only, allowed there)`);
    expect(await p.page.locator("#legend").textContent()).toContain(`removed (a pod of base only, allowed there)`);
    const names = await p.page.$$eval("#grid tbody th", (ths) => ths.map((th) => (th.textContent ?? "").replace(/^\d+ /, "")));
    const probes = await p.page.$$eval("#probe option", (os) => os.map((o) => o.textContent ?? ""));
    const drawn: string[] = [];
    for (const [i, probe] of probes.entries()) {
      await p.page.locator("#probe").selectOption(String(i));
      const cells = await p.page.$$eval("#grid td", (tds) => tds.map((td) => ({ row: Number((td as HTMLElement).dataset.row), col: Number((td as HTMLElement).dataset.col), state: (td as HTMLElement).dataset.state, bg: getComputedStyle(td).backgroundColor, mark: td.textContent })));
      for (const c of cells) {
        if (c.state !== "none" && c.state !== "self") drawn.push(`${c.state} ${names[c.row]} -> ${names[c.col]} ${probe}`);
        if (c.state === "added") expect([c.bg, c.mark]).toEqual(["rgb(123, 63, 196)", "\u2295"]);
      }
      const of = (xs: readonly { port: number }[]): string => String(xs.filter((x) => `TCP/${x.port}` === probe).length);
      expect(await p.page.locator("#count-added").textContent()).toBe(of(report.connectivity.added));
      expect(await p.page.locator("#count-removed").textContent()).toBe("0");
      expect(await p.page.locator("#count-opened").textContent()).toBe(of(report.connectivity.opened));
    }
    expect(drawn.sort()).toEqual(report.connectivity.added.map((x) => `added ${x.from} -> ${x.to} TCP/${x.port}`).sort());
    const pair = report.connectivity.added.find((x) => x.to === "default/client1-c") as (typeof report.connectivity.added)[number];
    await p.page.locator("#probe").selectOption(String(probes.indexOf(`TCP/${pair.port}`)));
    await p.page.locator(`#grid td[data-row="${names.indexOf(pair.from)}"][data-col="${names.indexOf(pair.to)}"]`).click();
    expect(await p.page.locator("#walk-body h3").allTextContents()).toEqual(["added: 1 pair"]);
    const walk = (await p.page.locator("#walk-body pre").textContent()) ?? "";
    expect(walk).toMatch(new RegExp(`^${pair.from} -> default/client1-c TCP/${pair.port}: added \\(a pod of head only\\)\n\nhead \\(${dir}/head-new-pod\\):\n${pair.from} -> default/client1-c TCP/${pair.port}: ALLOW\n`));
    expect(walk).toMatch(/\nbase \(docs\/examples\/review\/base\): the pod does not exist$/);
    expect(walk).not.toContain("\nbase (docs/examples/review/base):\n");
    await p.page.close();
  });

  it("the same change read backwards: the pod's pairs are removed, in their own colour", async () => {
    const dir = "docs/examples/review";
    const html = await cli(["review", "--base", `${dir}/head-new-pod`, "--head", `${dir}/base`, "--format", "html"]);
    const json = JSON.parse((await cli(["review", "--base", `${dir}/head-new-pod`, "--head", `${dir}/base`, "--format", "json"])).stdout) as ReviewReport;
    const p = await session.openPage(html.stdout);
    expect(p.problems).toEqual([]);
    const cells = await p.page.$$eval("#grid td", (tds) => tds.filter((td) => (td as HTMLElement).dataset.state === "removed").map((td) => [getComputedStyle(td).backgroundColor, td.textContent]));
    expect(cells.length).toBe(json.connectivity.removed.length);
    expect(cells.length).toBeGreaterThan(0);
    for (const c of cells) expect(c).toEqual(["rgb(107, 114, 128)", "\u2296"]);
    expect(await p.page.locator("#count-removed").textContent()).toBe(String(json.connectivity.removed.length));
    expect(await p.page.locator("#count-added").textContent()).toBe("0");
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
