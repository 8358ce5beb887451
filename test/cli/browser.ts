/**
 * The html pages in a real browser: Debian's chromium (`apt-get install chromium`; another binary
 * with CHROMIUM_PATH) driven by playwright-core, which brings no browser of its own. Outside CI a
 * missing chromium skips the suite with a loud banner; with CI=true it fails.
 *
 * `openPage` loads a page from a file:// URL and records what would make it fail in a user's
 * browser: console errors and warnings, uncaught exceptions, dialogs (an injected alert), and
 * every request besides the page itself (the page must need no network and no other file).
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, it } from "vitest";

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const isCI = process.env.CI === "true" || process.env.CI === "1";

export interface LoadedPage {
  readonly page: Page;
  readonly url: string;
  /** Console errors and warnings, page errors, dialogs: all must stay empty. */
  readonly problems: string[];
  /** Every URL requested besides the page's own. */
  readonly requests: string[];
}

export interface BrowserSession {
  openPage(html: string, viewport?: { width: number; height: number }): Promise<LoadedPage>;
}

export async function launchChromium(): Promise<Browser> {
  // --no-sandbox: the tests run as root, where chromium's sandbox refuses to start.
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: ["--no-sandbox"] });
}

/** Loads `html` from a file in a fresh page of `browser`, recording problems and requests. */
export async function loadPage(browser: Browser, html: string, dir: string, viewport = { width: 1400, height: 900 }): Promise<LoadedPage> {
  const file = join(dir, `page-${Math.random().toString(36).slice(2)}.html`);
  writeFileSync(file, html);
  const url = pathToFileURL(file).href;
  const page = await browser.newPage({ viewport });
  const problems: string[] = [];
  const requests: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("dialog", (d) => {
    problems.push(`dialog ${d.type()}: ${d.message()}`);
    void d.dismiss();
  });
  page.on("request", (r) => {
    if (r.url() !== url) requests.push(r.url());
  });
  await page.goto(url);
  // The script marks the body when it has drawn the page; a page error before that is the failure to report.
  await page.waitForSelector("body[data-ready=true]", { state: "attached", timeout: 20_000 }).catch((e: unknown) => {
    throw new Error(`the page did not finish drawing: ${problems.join("; ") || String(e)}`);
  });
  return { page, url, problems, requests };
}

/** A suite that needs chromium: one browser for the suite, a scratch directory for its pages. */
export function describeBrowser(name: string, body: (session: BrowserSession) => void): void {
  if (!existsSync(CHROMIUM_PATH)) {
    if (isCI) {
      describe(`browser: ${name}`, () => {
        it("has chromium (CI=true: a skip is a failure)", () => {
          throw new Error(`${CHROMIUM_PATH} not found: apt-get install chromium (or set CHROMIUM_PATH)`);
        });
      });
    } else {
      const bar = "!".repeat(78);
      console.warn([bar, `!! SKIPPING browser suite "${name}": ${CHROMIUM_PATH} not found.`, "!! apt-get install chromium (or set CHROMIUM_PATH); CI=true makes this a failure.", bar].join("\n"));
      describe.skip(`browser: ${name}`, () => {
        it("skipped: chromium missing (see banner)", () => undefined);
      });
    }
    return;
  }
  describe(`browser: ${name}`, () => {
    let browser: Browser | undefined;
    let dir = "";
    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), "pc-browser-"));
      browser = await launchChromium();
    });
    afterAll(async () => {
      await browser?.close();
      rmSync(dir, { recursive: true, force: true });
    });
    body({
      openPage: (html, viewport) => {
        if (!browser) throw new Error("chromium did not start");
        return loadPage(browser, html, dir, viewport);
      },
    });
  });
}
