/**
 * The docs' examples run: every ```console block of a page under docs/ is a list of
 * `$ policy-compile ...` commands, each followed by exactly what it prints (stdout and stderr in
 * the order written). A command that fails says so at the end of its line: `# exit code N`.
 * Each page runs in its own examples folder, so the files it names are real. Every page of
 * README.md and docs/ that shows a `$ policy-compile` command must be in PAGES (the last block
 * of this file checks it), so no example can go stale unnoticed.
 */
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { run } from "../../src/cli/run.js";

/** Page → the folder its commands run in. */
const PAGES: Readonly<Record<string, string>> = {
  "docs/input-safety.md": "docs/examples/input-safety",
  "docs/compatibility.md": ".",
  "docs/staged-policies.md": "docs/examples/staged-policies",
  "docs/admin-policies.md": "docs/examples/admin-policies",
  "docs/cluster-network-policy.md": "docs/examples/cluster-network-policy",
  "docs/agent.md": "docs/examples/agent",
  "docs/nftables.md": "docs/examples/nftables",
  "docs/nftables-reconcile.md": "docs/examples/nftables-reconcile",
  "docs/explain-matrix.md": ".",
  "docs/review.md": "docs/examples/review",
  "docs/cli.md": "docs/examples/cli",
  "docs/ipv6.md": ".",
};

interface Example {
  readonly argv: string[];
  readonly exitCode: number;
  readonly output: string;
  readonly line: number;
}

/** Shell-like words: single and double quotes group, nothing else is special (no expansion). */
function words(command: string): string[] {
  const out: string[] = [];
  const re = /'([^']*)'|"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (const m of command.matchAll(re)) out.push(m[1] ?? (m[2] !== undefined ? m[2].replace(/\\(.)/g, "$1") : (m[3] as string)));
  return out;
}

function examples(page: string): Example[] {
  const lines = readFileSync(page, "utf8").split("\n");
  const out: Example[] = [];
  let inBlock = false;
  let current: { argv: string[]; exitCode: number; output: string[]; line: number } | null = null;
  const flush = () => {
    if (current) out.push({ argv: current.argv, exitCode: current.exitCode, output: current.output.map((l) => `${l}\n`).join(""), line: current.line });
    current = null;
  };
  lines.forEach((text, i) => {
    if (!inBlock) {
      inBlock = text.trim() === "```console";
      return;
    }
    if (text.trim() === "```") {
      flush();
      inBlock = false;
      return;
    }
    if (text.startsWith("$ policy-compile ")) {
      flush();
      const exit = /\s+# exit code (\d+)$/.exec(text);
      const command = exit ? text.slice(0, exit.index) : text;
      current = { argv: words(command.slice("$ policy-compile ".length)), exitCode: exit ? Number(exit[1]) : 0, output: [], line: i + 1 };
    } else current?.output.push(text);
  });
  return out;
}

describe.each(Object.entries(PAGES))("%s", (page, cwd) => {
  const cases = examples(page);
  it("has examples", () => {
    expect(cases.length).toBeGreaterThan(0);
  });
  it.each(cases.map((c) => [`line ${c.line}: policy-compile ${c.argv.join(" ")}`, c] as const))("%s", async (_name, c) => {
    let printed = "";
    const code = await run(c.argv, { stdout: (t) => (printed += t), stderr: (t) => (printed += t), cwd: `${process.cwd()}/${cwd}`, env: {} });
    expect(printed).toBe(c.output);
    expect(code).toBe(c.exitCode);
  });
});

/**
 * Pages whose examples are not run yet, each with why: their blocks mix commands that need a
 * kernel (`apply`, `diff --live`), an etcd cluster (`datastore`) or files that exist only in the
 * prose. Every other page that shows a `$ policy-compile` command with its output must be in
 * PAGES; the list may only shrink.
 */
const NOT_YET_RUN: Readonly<Record<string, string>> = {
  "docs/commands.md": "apply/diff --live need a kernel, datastore needs etcd, validate/lint/diff name files (policies/, main/, pr/) that are not bundled",
  "docs/host-endpoints.md": "apply needs a kernel; compile/diff/validate name files (host.yaml, a/, b/, bad.yaml) that are not bundled",
};

/** Single blocks of run pages that are transcripts of a real system, by page:line, with why. */
const TRANSCRIPTS: Readonly<Record<string, string>> = {
  "docs/agent.md:70": "`datastore apply` against a real etcd 3.4, as recorded (test/agent covers the command)",
};

/** Fenced blocks (any info string) that show a `$ policy-compile` command: [line, info string]. */
function commandBlocks(page: string): [number, string][] {
  const out: [number, string][] = [];
  let open: { line: number; info: string; has: boolean } | null = null;
  readFileSync(page, "utf8")
    .split("\n")
    .forEach((text, i) => {
      if (text.trimStart().startsWith("```")) {
        if (open) {
          if (open.has) out.push([open.line, open.info]);
          open = null;
        } else open = { line: i + 1, info: text.trim().slice(3), has: false };
      } else if (open && text.startsWith("$ policy-compile ")) open.has = true;
    });
  return out;
}

describe("every page that shows policy-compile commands and their output", () => {
  const pages = ["README.md", ...readdirSync("docs").filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`)].sort();
  const shown = pages.filter((p) => commandBlocks(p).length > 0);
  it("is run by this test (or listed, with a reason, as not run yet)", () => {
    expect(shown.filter((p) => !(p in PAGES))).toEqual(Object.keys(NOT_YET_RUN).sort());
  });
  it.each(shown.filter((p) => p in PAGES))("%s: its command blocks are console blocks (the ones run)", (page) => {
    expect(commandBlocks(page).filter(([line, info]) => info !== "console" && !(`${page}:${line}` in TRANSCRIPTS))).toEqual([]);
  });
});
