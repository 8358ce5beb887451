/**
 * `npm run screenshot`: regenerates docs/images/review.png, the picture of `review --format html`
 * that the docs show: the golden scenario k8s-web-from-client1 reviewed as the change that adds
 * its policy (base: the cluster alone, head: cluster and policy), the first closed cell clicked.
 * Taken by chromium through playwright-core (test/cli/browser.ts), as the browser tests run it.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cli } from "./helpers.js";
import { launchChromium, loadPage } from "./browser.js";

export const SCREENSHOT = "docs/images/review.png";
const scenario = "golden/k8s-web-from-client1/input";

const review = await cli(["review", "--base", `${scenario}/cluster.yaml`, "--head", scenario, "--format", "html"]);
if (review.code !== 0) throw new Error(`review failed: ${review.stderr}`);
const browser = await launchChromium();
const dir = mkdtempSync(join(tmpdir(), "pc-shot-"));
try {
  const p = await loadPage(browser, review.stdout, dir, { width: 1280, height: 860 });
  if (p.problems.length > 0 || p.requests.length > 0) throw new Error(`the page is not clean: ${[...p.problems, ...p.requests].join("; ")}`);
  await p.page.locator("#grid td[data-state=closed]").first().click();
  await p.page.screenshot({ path: SCREENSHOT });
  console.log(`wrote ${SCREENSHOT}`);
} finally {
  await browser.close();
  rmSync(dir, { recursive: true, force: true });
}
