/**
 * `policy-compile review --base PATH... --head PATH...` (or `--git REF --head PATH...`): what a
 * change does, as one report (src/review): connectivity opened and closed, rules per node,
 * problems. Markdown for a pull-request comment, text for a terminal, JSON for tools. With
 * `--fail-on`, exit 1 when the change opens (closes, or either) some pair: a CI gate.
 */
import { writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { Option, type Command } from "commander";
import { formatDiagnostics, hasErrors } from "../diagnostics/index.js";
import { loadSources } from "../model/load.js";
import { reviewChange, reviewHtml, reviewJson, reviewMarkdown, reviewText, type ReviewReport, type ReviewVersion } from "../review/index.js";
import type { CliContext, RegisterCommand } from "./context.js";
import { parsePort, traceFailure } from "./explain.js";
import { readInputs } from "./files.js";
import { gitBase } from "./git-base.js";
import { hostInterfaceOption, parseHostInterfaces } from "./host-interface-flags.js";
import { ExitCode, InputError, UsageError } from "./io.js";
import { progressFor } from "./progress.js";
import { reviewHtmlPage } from "./review-html.js";

type ReviewFormat = "markdown" | "json" | "text" | "html";

interface ReviewCommandOptions {
  readonly base?: string[];
  readonly head?: string[];
  readonly git?: string;
  readonly node?: string[];
  readonly port?: string[];
  readonly format: ReviewFormat;
  readonly out?: string;
  readonly failOn?: "opened" | "closed" | "any";
  readonly hostInterface?: string[];
}

/** The report's views by --format. */
export const reviewRenderers: Record<ReviewFormat, (r: ReviewReport) => string> = { markdown: reviewMarkdown, json: reviewJson, text: reviewText, html: reviewHtml };

async function loadVersion(which: "base" | "head", label: string, paths: readonly string[], cwd: string, gitRef?: string): Promise<ReviewVersion> {
  const sources = paths.length === 0 ? [] : await readInputs(paths, cwd);
  const { model, diagnostics } = loadSources(sources);
  if (hasErrors(diagnostics)) {
    throw new InputError(`policy-compile review: the ${which} version (${label}) is invalid:\n${formatDiagnostics(diagnostics, sources)}`);
  }
  return { side: { label, paths: [...paths], ...(gitRef !== undefined && { gitRef }) }, model, sources, diagnostics };
}

function failOnMessage(r: ReviewReport, failOn: NonNullable<ReviewCommandOptions["failOn"]>): string | undefined {
  const opened = r.connectivity.opened.length;
  const closed = r.connectivity.closed.length;
  const hit = (failOn === "opened" && opened > 0) || (failOn === "closed" && closed > 0) || (failOn === "any" && opened + closed > 0);
  return hit ? `policy-compile review: the change opens ${opened} and closes ${closed} pod pair(s) (--fail-on ${failOn})\n` : undefined;
}

async function review(o: ReviewCommandOptions, ctx: CliContext): Promise<void> {
  if (!o.head || o.head.length === 0) throw new UsageError("policy-compile review: pass the changed version with --head PATH...");
  if (o.git !== undefined && o.base) throw new UsageError("policy-compile review: --git REF reads the base from git: do not also pass --base");
  if (o.git === undefined && (!o.base || o.base.length === 0)) throw new UsageError("policy-compile review: pass the version before the change with --base PATH... (or --git REF)");
  const ports = o.port?.map((p) => parsePort(p) as number);
  const hostInterfaces = o.hostInterface?.length ? parseHostInterfaces(o.hostInterface) : undefined;
  const cwd = ctx.io.cwd;
  const head = await loadVersion("head", o.head.join(", "), o.head, cwd);
  let base: ReviewVersion;
  if (o.git !== undefined) {
    const g = await gitBase(o.git, o.head, cwd);
    try {
      base = await loadVersion("base", o.git, g.paths, g.dir, o.git);
      base = { ...base, side: { label: o.git, paths: [...o.head], gitRef: o.git } };
    } finally {
      await g.dispose();
    }
  } else base = await loadVersion("base", (o.base as string[]).join(", "), o.base as string[], cwd);

  const progress = progressFor(ctx.io);
  let report: ReviewReport;
  try {
    report = reviewChange(base, head, {
      ...(ports && { ports }),
      ...(o.node && { nodes: o.node }),
      ...(hostInterfaces && { hostInterfaces }),
      progress: (_phase, done, total) => progress.update("tracing touched pods", done, total),
    });
  } catch (e) {
    progress.stop();
    return traceFailure(e, [...head.sources, ...base.sources]);
  }
  progress.stop();
  // The page also shows each flipped pair's walk on both versions, which needs the models.
  const text = o.format === "html" ? reviewHtmlPage(report, base, head) : reviewRenderers[o.format](report);
  if (o.out !== undefined) await writeFile(resolve(cwd, o.out), text);
  else ctx.io.stdout(text);
  const fail = o.failOn ? failOnMessage(report, o.failOn) : undefined;
  if (fail) {
    ctx.io.stderr(fail);
    ctx.exitCode = ExitCode.invalidInput;
  }
}

export const registerReview: RegisterCommand = (program: Command, ctx: CliContext) => {
  program
    .command("review")
    .description("What a policy change does: pod pairs opened and closed (with the rule that decides each, before and after), rules per node, new problems.")
    .option("--base <path...>", "the inputs before the change (files or directories)")
    .option("--head <path...>", "the inputs after the change")
    .option("--git <ref>", "read the base from this git revision of the --head paths (git archive; no network)")
    .option("--node <name...>", "compare the rules of these nodes only (default: every node holding a touched pod)")
    .option("--port <n...>", "check these TCP ports only (default: every port and range the rules mention, and each pod's declared ports)")
    .addOption(new Option("--format <format>", "output").choices(["markdown", "json", "text", "html"]).default("text"))
    .option("--out <file>", "write the report to this file instead of stdout")
    .addOption(hostInterfaceOption())
    .addOption(new Option("--fail-on <change>", "exit 1 when the change opens (closes, either) some pair").choices(["opened", "closed", "any"]))
    .addHelpText(
      "after",
      `
Examples:
  $ policy-compile review --base old/ --head new/
  $ policy-compile review --git origin/main --head policies/ cluster/ --format markdown --out review.md
  $ policy-compile review --git origin/main --head policies/ --format json --fail-on opened
`,
    )
    .action((o: ReviewCommandOptions) => review(o, ctx));
};
