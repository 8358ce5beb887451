/**
 * `policy-compile convert -f PATH... [--out DIR]`: AdminNetworkPolicy and
 * BaselineAdminNetworkPolicy → ClusterNetworkPolicy (src/convert/), every other document as it
 * was. Calico v3.32 no longer enforces the admin kinds; this is the migration.
 *
 * The inputs are validated first, as `validate` does: any error (in any document) is printed and
 * nothing is converted (exit 1). Then what does not carry over exactly is printed on stderr as
 * diagnostics at its place, with a one-line summary; a conversion error (PC3035, PC3036) also
 * stops everything before a byte is written.
 *
 * Without --out the converted files go to stdout, one after the other as one YAML stream. With
 * --out DIR each input file is written to DIR under its name relative to the -f argument that
 * named it (a file named directly: its base name; a file found in a directory: its path inside
 * it). Every file is written to a temporary name first and renamed only when all are written, so
 * a failure leaves no partial output; an output path that is one of the inputs is refused.
 */
import { mkdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { basename, dirname, join, relative, resolve, sep } from "node:path";
import { convertSources } from "../convert/index.js";
import { formatDiagnostics, hasErrors } from "../diagnostics/index.js";
import type { SourceFile } from "../diagnostics/types.js";
import { loadSources } from "../model/load.js";
import type { RegisterCommand } from "./context.js";
import { readInputs } from "./files.js";
import { ExitCode, UsageError } from "./io.js";
import { fileOption } from "./options.js";

/** Each source's output name: relative to the -f argument (directory) that found it, or its base name. */
async function outputNames(args: readonly string[], sources: readonly SourceFile[], cwd: string): Promise<Map<string, string>> {
  const roots = await Promise.all(
    args.map(async (a) => {
      const full = resolve(cwd, a);
      return { full, directory: (await stat(full)).isDirectory() };
    }),
  );
  const names = new Map<string, string>();
  const taken = new Map<string, string>();
  for (const s of sources) {
    const full = resolve(cwd, s.file);
    const root = roots.find((r) => (r.directory ? full.startsWith(r.full + sep) : full === r.full));
    const name = root?.directory ? relative(root.full, full) : basename(full);
    const clash = taken.get(name);
    if (clash !== undefined) throw new UsageError(`policy-compile convert: ${clash} and ${s.file} would both be written to ${name} under --out; convert them in separate runs`);
    taken.set(name, s.file);
    names.set(s.file, name);
  }
  return names;
}

/** All files land, or none is changed: temporaries first, renames only after every write. */
async function writeAll(plan: readonly { final: string; content: string }[]): Promise<void> {
  const steps = plan.map((f) => ({ ...f, tmp: join(dirname(f.final), `.${basename(f.final)}.${process.pid}.tmp`) }));
  try {
    for (const f of steps) {
      await mkdir(dirname(f.final), { recursive: true });
      await writeFile(f.tmp, f.content);
    }
    for (const f of steps) await rename(f.tmp, f.final);
  } catch (e) {
    // Best effort: a temporary that cannot be removed (its directory is a file, say) was never written.
    await Promise.all(steps.map((f) => rm(f.tmp, { force: true }).catch(() => undefined)));
    throw new UsageError(`policy-compile convert: cannot write the output: ${(e as Error).message}`);
  }
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

export const registerConvert: RegisterCommand = (program, ctx) => {
  program
    .command("convert")
    .description("rewrite AdminNetworkPolicy and BaselineAdminNetworkPolicy as ClusterNetworkPolicy (Calico v3.32 enforces only the latter)")
    .addOption(fileOption().makeOptionMandatory())
    .option("--out <dir>", "write one converted file per input file under DIR (same relative name) instead of printing them")
    .addHelpText(
      "after",
      "\nExamples:\n  $ policy-compile convert -f admin-policies/ > cluster-network-policies.yaml\n  $ policy-compile convert -f anp.yaml banp.yaml --out converted/\n",
    )
    .action(async (opts: { file: string[]; out?: string }) => {
      if (opts.file.length === 0) throw new UsageError("policy-compile convert: pass files or directories with -f");
      const sources = await readInputs(opts.file, ctx.io.cwd);
      const invalid = loadSources(sources).diagnostics.filter((d) => d.severity === "error");
      if (invalid.length > 0) {
        ctx.io.stderr(formatDiagnostics(invalid, sources));
        ctx.io.stderr(`not converted: ${plural(invalid.length, "error")} in the input\n`);
        ctx.exitCode = ExitCode.invalidInput;
        return;
      }
      const result = convertSources(sources);
      ctx.io.stderr(formatDiagnostics(result.diagnostics, sources));
      if (hasErrors(result.diagnostics)) {
        ctx.io.stderr("not converted: nothing was written\n");
        ctx.exitCode = ExitCode.invalidInput;
        return;
      }
      const converted = result.files.reduce((n, f) => n + f.converted, 0);
      const changed = result.files.filter((f) => f.converted > 0).length;
      if (opts.out === undefined) {
        const texts = result.files.map((f, i) => {
          const text = f.text.endsWith("\n") || f.text === "" ? f.text : `${f.text}\n`;
          return i === 0 || /^---(\s|$)/.test(text) ? text : `---\n${text}`;
        });
        ctx.io.stdout(texts.join(""));
      } else {
        const out = resolve(ctx.io.cwd, opts.out);
        const existing = await stat(out).catch(() => undefined);
        if (existing !== undefined && !existing.isDirectory()) throw new UsageError(`policy-compile convert: --out ${opts.out} is not a directory`);
        const names = await outputNames(opts.file, sources, ctx.io.cwd);
        const inputs = new Set(sources.map((s) => resolve(ctx.io.cwd, s.file)));
        const plan = result.files.map((f) => ({ final: join(out, names.get(f.file) as string), content: f.text }));
        const overwrite = plan.find((p) => inputs.has(p.final));
        if (overwrite) throw new UsageError(`policy-compile convert: --out ${opts.out} would overwrite the input ${relative(ctx.io.cwd, overwrite.final) || overwrite.final}; choose another directory`);
        await writeAll(plan);
      }
      ctx.io.stderr(`converted ${converted === 1 ? "1 admin policy" : `${converted} admin policies`} in ${plural(changed, "file")} to ClusterNetworkPolicy${opts.out === undefined ? "" : ` (written under ${opts.out})`}\n`);
      ctx.exitCode = ExitCode.ok;
    });
};
