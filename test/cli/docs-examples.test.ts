/**
 * The docs' examples run: every ```console block of a page under docs/ is a list of
 * `$ policy-compile ...` commands, each followed by exactly what it prints (stdout and stderr in
 * the order written). A command that fails says so at the end of its line: `# exit code N`.
 * Each page runs in its own examples folder, so the files it names are real.
 */
import { readFileSync } from "node:fs";
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
