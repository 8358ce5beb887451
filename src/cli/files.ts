/**
 * Reading inputs for `-f`: files and directories, returned sorted by path so the same inputs
 * always load in the same order.
 *
 * A directory is listed exactly as the agent lists a watched one (agent/sources/input-tree.ts):
 * `*.yaml|*.yml|*.json` at any depth, names starting with `.` skipped, symbolic links followed
 * while they stay inside the directory; a link out of it is refused (PC1011): naming a directory
 * does not name what its links point at. A file named explicitly is read whatever its extension
 * and wherever a link leads: the user named it. Either way only regular files are read, at most
 * 64 MiB each (agent/sources/input-file.ts).
 *
 * Every file that cannot be read is reported, each as a diagnostic naming its path
 * (`pol/p.yaml: error PC1010: …`), and the command stops with exit code 1 before anything is
 * loaded: a run on part of the inputs would be a run on the wrong policy.
 */
import { relative, resolve, sep } from "node:path";
import { readInputFile } from "../agent/sources/input-file.js";
import { keptChanging, problemDiagnostic, unreadable, type InputProblem } from "../agent/sources/input-problems.js";
import { listInputTree, nodeInputFs, type InputFs } from "../agent/sources/input-tree.js";
import { diagnosticsToJson, formatDiagnostics } from "../diagnostics/index.js";
import type { Diagnostic, SourceFile } from "../diagnostics/types.js";
import type { CliContext } from "./context.js";
import { ExitCode, InputError } from "./io.js";

/** Input files that cannot be read (PC1010–PC1015); `diagnostics` for `--format json`. */
export class UnreadableInputs extends InputError {
  constructor(readonly diagnostics: readonly Diagnostic[]) {
    super(formatDiagnostics(diagnostics, []));
  }
}

/** A file that changes while it is read is read again this often before it is refused. */
const READ_ATTEMPTS = 3;

function display(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  return rel === "" ? "." : rel.startsWith("..") ? path : rel.split(sep).join("/");
}

const byShown = <T extends { readonly shown: string }>(a: T, b: T): number => (a.shown < b.shown ? -1 : a.shown > b.shown ? 1 : 0);

/**
 * Every input file under `paths` (resolved against `cwd`), read as UTF-8, sorted by the path
 * shown to the user (relative to `cwd` when inside it). Throws UnreadableInputs naming every
 * path that cannot be read.
 */
export async function readInputs(paths: readonly string[], cwd: string, fs: InputFs = nodeInputFs): Promise<SourceFile[]> {
  /** Absolute path → the real input directory it must stay inside (undefined: named explicitly). */
  const files = new Map<string, string | undefined>();
  const problems: InputProblem[] = [];
  for (const p of paths) {
    const full = resolve(cwd, p);
    let isDirectory: boolean;
    try {
      isDirectory = (await fs.stat(full)).isDirectory();
    } catch (e) {
      problems.push(unreadable(full, e));
      continue;
    }
    if (!isDirectory) {
      files.set(full, undefined);
      continue;
    }
    const tree = await listInputTree(full, p, fs);
    problems.push(...tree.problems);
    for (const f of tree.files) if (!files.has(f.path)) files.set(f.path, tree.rootReal);
  }
  const out: { shown: string; text: string }[] = [];
  const sorted = [...files].map(([full, within]) => ({ full, within, shown: display(full, cwd) })).sort(byShown);
  for (const f of sorted) {
    let read = await readInputFile(f.full, { fs, ...(f.within !== undefined && { within: f.within }) });
    for (let attempt = 1; read.kind === "changed" && attempt < READ_ATTEMPTS; attempt++) {
      await new Promise((r) => setTimeout(r, 20 * attempt));
      read = await readInputFile(f.full, { fs, ...(f.within !== undefined && { within: f.within }) });
    }
    if (read.kind === "text") out.push({ shown: f.shown, text: read.text });
    else problems.push(read.kind === "problem" ? read.problem : keptChanging(f.full));
  }
  if (problems.length > 0) {
    const shown = problems.map((problem) => ({ problem, shown: display(problem.path, cwd) })).sort(byShown);
    throw new UnreadableInputs(shown.map(({ problem, shown: name }) => problemDiagnostic(problem, name)));
  }
  return out.map((f) => ({ file: f.shown, text: f.text }));
}

/**
 * readInputs for the commands whose `--format json` reports everything as diagnostics (validate,
 * lint): with json, unreadable inputs are printed as that array on stdout, the exit code is set
 * to 1 and the result is null; with text they are thrown (printed on stderr, exit 1).
 */
export async function readInputsReporting(paths: readonly string[], ctx: CliContext, format: "text" | "json"): Promise<SourceFile[] | null> {
  try {
    return await readInputs(paths, ctx.io.cwd);
  } catch (e) {
    if (!(e instanceof UnreadableInputs) || format !== "json") throw e;
    ctx.io.stdout(`${JSON.stringify(diagnosticsToJson(e.diagnostics, []), null, 2)}\n`);
    ctx.exitCode = ExitCode.invalidInput;
    return null;
  }
}
