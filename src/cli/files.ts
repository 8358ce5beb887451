/**
 * Reading inputs for `-f`: files and directories (recursively, `*.yaml`, `*.yml`, `*.json`),
 * returned sorted by path so the same inputs always load in the same order. A path that cannot
 * be read is an input error (exit 1) naming the path.
 */
import { readdir, readFile, stat } from "node:fs/promises";
import { join, relative, resolve, sep } from "node:path";
import type { SourceFile } from "../diagnostics/types.js";
import { InputError } from "./io.js";

const inputExtension = /\.(ya?ml|json)$/i;

function display(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  return rel === "" ? "." : rel.startsWith("..") ? path : rel.split(sep).join("/");
}

async function walk(dir: string, out: string[]): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  for (const e of entries) {
    const full = join(dir, e.name);
    if (e.isDirectory()) await walk(full, out);
    else if ((e.isFile() || e.isSymbolicLink()) && inputExtension.test(e.name)) out.push(full);
  }
}

function reason(e: unknown): string {
  const code = (e as { code?: string }).code;
  if (code === "ENOENT") return "no such file or directory";
  if (code === "EACCES") return "permission denied";
  return e instanceof Error ? e.message : String(e);
}

/**
 * Every input file under `paths` (resolved against `cwd`), read as UTF-8, sorted by the path
 * shown to the user (relative to `cwd` when inside it). A file named explicitly is read whatever
 * its extension; directories contribute only `*.yaml|*.yml|*.json` files.
 */
export async function readInputs(paths: readonly string[], cwd: string): Promise<SourceFile[]> {
  const files = new Set<string>();
  for (const p of paths) {
    const full = resolve(cwd, p);
    let info;
    try {
      info = await stat(full);
    } catch (e) {
      throw new InputError(`policy-compile: cannot read ${p}: ${reason(e)}`);
    }
    if (info.isDirectory()) {
      const found: string[] = [];
      try {
        await walk(full, found);
      } catch (e) {
        throw new InputError(`policy-compile: cannot read directory ${p}: ${reason(e)}`);
      }
      for (const f of found) files.add(f);
    } else files.add(full);
  }
  const sorted = [...files].map((f) => ({ full: f, shown: display(f, cwd) })).sort((a, b) => (a.shown < b.shown ? -1 : a.shown > b.shown ? 1 : 0));
  const out: SourceFile[] = [];
  for (const f of sorted) {
    try {
      const text = await readFile(f.full, "utf8");
      out.push({ file: f.shown, text: text.charCodeAt(0) === 0xfeff ? text.slice(1) : text });
    } catch (e) {
      throw new InputError(`policy-compile: cannot read ${f.shown}: ${reason(e)}`);
    }
  }
  return out;
}
