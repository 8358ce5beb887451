/**
 * Bounded time and output for the reported case: a 2.3 MB one-line file of 750 bad policies
 * (3,000 errors) once made a report of 470 MB, every excerpt echoing the whole line.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { cli } from "../cli/helpers.js";
import { hugeBadList } from "./texts.js";

const dir = mkdtempSync(join(tmpdir(), "pc-bounds-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("a 2.3 MB one-line file of 750 invalid policies", () => {
  const text = hugeBadList(750);
  const list = join(dir, "bad.json");
  writeFileSync(list, text);
  // The same items as a YAML flow sequence (read by `yaml`, not the JSON fast path).
  const flow = join(dir, "bad.yaml");
  writeFileSync(flow, (JSON.parse(text) as { items: unknown[] }).items.map((i) => JSON.stringify(i)).join("\n---\n").replace(/\n---\n/g, ",").replace(/^/, "[").concat("]"));

  it.each([
    ["JSON List", "text", list],
    ["JSON List", "json", list],
    ["YAML flow sequence", "text", flow],
  ])("%s, --format %s: validate takes under 10 s and reports under 200 KB, 200 diagnostics and a count of the rest", async (_name, format, file) => {
    const started = Date.now();
    const r = await cli(["validate", "-f", file, "--format", format]);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(r.code).toBe(1);
    const out = r.stdout + r.stderr;
    expect(out.length).toBeLessThan(200_000);
    expect(out).toMatch(/2800 more diagnostics not shown \(2800 of them errors\); only the first 200 are reported/);
    expect(r.stderr).not.toMatch(/internal error/);
  }, 30_000);

  it("each excerpt is a window of the line around the caret, and long values are clipped in messages", async () => {
    const r = await cli(["validate", "-f", list]);
    const lines = r.stderr.split("\n");
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThan(400);
    expect(lines[0]).toMatch(/^.*bad\.json:1:\d+: error PC2010: invalid label value "y{80}…" \(1000 characters\): /);
    expect(lines[1]).toMatch(/^ {2}….*"labels":\{"x":"y+…$/);
  });
});
