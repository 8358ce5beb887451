/**
 * html view benchmark, on the synthetic clusters of compile.bench.ts: `matrix --format html` for
 * 200, 1,000 and 5,000 pods (declared ports: TCP/80, and TCP/8080 for the api pods). Reports the
 * level the view chose (pods, classes or namespaces), its rows, the walks it computed, the
 * page's size and the time from loaded model to page. Then `review --format html` of the review
 * benchmark's one-policy change on 100,000 pods: the report, then the page (walks on at most 16
 * nodes).
 */
import { matrixHtmlView } from "../../src/cli/matrix-html.js";
import { reviewHtmlPage } from "../../src/cli/review-html.js";
import { reviewChange, type ReviewVersion } from "../../src/review/index.js";
import { reachabilityMatrix, renderMatrixHtml } from "../../src/trace/index.js";
import { syntheticCluster } from "./compile.bench.js";
import { changed } from "./review.bench.js";

function page(pods: number): void {
  const model = syntheticCluster(pods);
  const t0 = performance.now();
  const matrix = reachabilityMatrix(model);
  const t1 = performance.now();
  const view = matrixHtmlView({ kind: "state", paths: [`synthetic-${pods}`], state: { matrix, model, sources: [], traceOptions: {} } }, {});
  const t2 = performance.now();
  const html = renderMatrixHtml(view);
  const t3 = performance.now();
  const cells = view.grids.reduce((n, g) => n + g.counts.length / 4, 0);
  console.log(
    `${pods} pods: matrix ${(t1 - t0).toFixed(0)} ms, view ${(t2 - t1).toFixed(0)} ms (${view.level} level, ${view.members.length} rows, ${view.grids.length} probes, ${cells} cells, ${view.walks.length} walks, ${view.lines.length} distinct lines), ` +
      `page ${(t3 - t2).toFixed(0)} ms, ${(Buffer.byteLength(html) / 1024).toFixed(0)} KiB; peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`,
  );
}

export function reviewPage(pods: number): void {
  const base = syntheticCluster(pods);
  const version = (label: string, model: typeof base): ReviewVersion => ({ side: { label, paths: [label] }, model, sources: [], diagnostics: [] });
  const [b, h] = [version("base", base), version("head", changed(base))];
  const t0 = performance.now();
  const report = reviewChange(b, h);
  const t1 = performance.now();
  const html = reviewHtmlPage(report, b, h);
  const t2 = performance.now();
  const c = report.connectivity;
  console.log(
    `${pods} pods, review: report ${(t1 - t0).toFixed(0)} ms (${c.opened.length} opened, ${c.closed.length} closed), page ${(t2 - t1).toFixed(0)} ms, ${(Buffer.byteLength(html) / 1024).toFixed(0)} KiB; peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`,
  );
}

export async function run(): Promise<void> {
  page(200);
  page(1000);
  page(5000);
  reviewPage(100_000);
}
