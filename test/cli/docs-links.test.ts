/**
 * The README and docs/ link to each other and into the repository: every relative link names a
 * file that exists and, for a Markdown page, a heading it has (GitHub's anchor for it).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import { describe, expect, it } from "vitest";

const pages = ["README.md", ...readdirSync("docs").filter((f) => f.endsWith(".md")).map((f) => join("docs", f))];

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
function anchor(heading: string): string {
  return heading.replace(/^#+\s*/, "").trim().toLowerCase().replace(/[^\p{L}\p{N}_\- ]/gu, "").replace(/ /g, "-");
}

function headings(page: string): Set<string> {
  const out = new Set<string>();
  let fenced = false;
  for (const line of readFileSync(page, "utf8").split("\n")) {
    if (line.startsWith("```")) fenced = !fenced;
    else if (!fenced && /^#{1,6} /.test(line)) out.add(anchor(line));
  }
  return out;
}

describe("documentation links", () => {
  it.each(pages)("%s: every relative link resolves", (page) => {
    const broken: string[] = [];
    for (const [, target] of readFileSync(page, "utf8").matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/.test(target as string)) continue;
      const [path, hash] = (target as string).split("#") as [string, string | undefined];
      const file = path === "" ? page : normalize(join(dirname(page), path));
      if (!existsSync(file)) broken.push(`${target}: no such file`);
      else if (hash !== undefined && file.endsWith(".md") && !headings(file).has(hash)) broken.push(`${target}: no such heading`);
    }
    expect(broken).toEqual([]);
  });

  it("the README links every page under docs/", () => {
    const readme = readFileSync("README.md", "utf8");
    expect(pages.filter((p) => p !== "README.md" && !readme.includes(`](${p}`))).toEqual([]);
  });
});
