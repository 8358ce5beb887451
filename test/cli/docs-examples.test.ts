/**
 * The docs' examples run: every ```console block of a page under docs/ is a list of
 * `$ policy-compile ...` commands, each followed by exactly what it prints (stdout and stderr in
 * the order written). A command that fails says so at the end of its line: `# exit code N`.
 * Each page runs in its own examples folder, so the files it names are real. A command may end
 * in a pipe through a few filters, applied to its stdout (stderr passes as it is, first):
 * `| grep [-E] [-v] PATTERN` or `| grep -e P1 -e P2` (patterns as JavaScript regexes),
 * `| sed -n '/RE/,$p'` (from the first line matching RE), `| sort -u` and `| head -n N`; the
 * exit code is policy-compile's. Every page of
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
  "docs/commands.md": "docs/examples/commands",
  "docs/host-endpoints.md": "docs/examples/host-endpoints",
};

interface Example {
  readonly argv: string[];
  /** Filters after `|`, each as its words. */
  readonly pipe: string[][];
  readonly exitCode: number;
  readonly output: string;
  readonly line: number;
}

/**
 * Shell-like words (single and double quotes group, nothing else is special: no expansion),
 * split at unquoted `|`: the command, then each filter.
 */
function stages(command: string): string[][] {
  const out: string[][] = [[]];
  const re = /'([^']*)'|"((?:[^"\\]|\\.)*)"|(\|)|([^\s|]+)/g;
  for (const m of command.matchAll(re)) {
    if (m[3] !== undefined) out.push([]);
    else (out[out.length - 1] as string[]).push(m[1] ?? (m[2] !== undefined ? m[2].replace(/\\(.)/g, "$1") : (m[4] as string)));
  }
  return out;
}

/** One filter of a pipe over lines of text (the few the pages use; anything else fails the test). */
function filter(stage: readonly string[], text: string): string {
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  const [cmd, ...args] = stage;
  let kept: string[];
  if (cmd === "grep") {
    const invert = args.includes("-v");
    const rest = args.filter((a) => a !== "-E" && a !== "-v");
    const patterns = rest.includes("-e") ? rest.filter((_, i) => rest[i - 1] === "-e") : rest.slice(0, 1);
    const res = patterns.map((p) => new RegExp(p));
    kept = lines.filter((l) => res.some((r) => r.test(l)) !== invert);
  } else if (cmd === "sed" && args[0] === "-n" && /^\/.*\/,\$p$/.test(args[1] ?? "")) {
    const re = new RegExp((args[1] as string).slice(1, -4));
    const at = lines.findIndex((l) => re.test(l));
    kept = at < 0 ? [] : lines.slice(at);
  } else if (cmd === "sort" && args.join(" ") === "-u") kept = [...new Set(lines)].sort();
  else if (cmd === "head" && args[0] === "-n") kept = lines.slice(0, Number(args[1]));
  else throw new Error(`docs example: unsupported filter ${stage.join(" ")}`);
  return kept.map((l) => `${l}\n`).join("");
}

function examples(page: string): Example[] {
  const lines = readFileSync(page, "utf8").split("\n");
  const out: Example[] = [];
  let inBlock = false;
  let current: { argv: string[]; pipe: string[][]; exitCode: number; output: string[]; line: number } | null = null;
  const flush = () => {
    if (current) out.push({ argv: current.argv, pipe: current.pipe, exitCode: current.exitCode, output: current.output.map((l) => `${l}\n`).join(""), line: current.line });
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
      const [head, ...pipe] = stages(command.slice("$ policy-compile ".length));
      current = { argv: head as string[], pipe, exitCode: exit ? Number(exit[1]) : 0, output: [], line: i + 1 };
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
    let stdout = "";
    const code = await run(c.argv, { stdout: (t) => (c.pipe.length > 0 ? (stdout += t) : (printed += t)), stderr: (t) => (printed += t), cwd: `${process.cwd()}/${cwd}`, env: {} });
    if (c.pipe.length > 0) printed += c.pipe.reduce((text, stage) => filter(stage, text), stdout);
    expect(printed).toBe(c.output);
    expect(code).toBe(c.exitCode);
  });
});

/** Single blocks of run pages that are transcripts of a real system, by page:line, with why. */
const TRANSCRIPTS: Readonly<Record<string, string>> = {
  "docs/agent.md:70": "`datastore apply` against a real etcd 3.4, as recorded (test/agent covers the command)",
  "docs/commands.md:379": "`apply` and `diff --live` program and read the kernel of the current network namespace (test/dataplane/kernel runs them in network namespaces)",
  "docs/commands.md:449": "`datastore apply` against a real etcd 3.4, as recorded (test/cli/datastore.test.ts runs it against etcd)",
  "docs/commands.md:474": "`datastore get` against the same etcd, as recorded (test/cli/datastore.test.ts)",
  "docs/commands.md:500": "`datastore delete` against the same etcd, as recorded (test/cli/datastore.test.ts)",
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
  it("is run by this test", () => {
    expect(shown.filter((p) => !(p in PAGES))).toEqual([]);
  });
  it.each(shown.filter((p) => p in PAGES))("%s: its command blocks are console blocks (the ones run)", (page) => {
    expect(commandBlocks(page).filter(([line, info]) => info !== "console" && !(`${page}:${line}` in TRANSCRIPTS))).toEqual([]);
  });
});
