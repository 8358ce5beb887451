/**
 * The sources in force: per name, the last text that validated and its collected resources
 * (parsed once; an unchanged source is never parsed again).
 */
import { capDiagnostics, hasErrors } from "../../diagnostics/collect.js";
import type { Diagnostic } from "../../diagnostics/types.js";
import { Codes } from "../../diagnostics/codes.js";
import { buildModel } from "../../model/build.js";
import { collectFile, type AnyCollected } from "../../model/collect.js";
import type { SourceChange } from "./types.js";

export interface SourceEntry {
  readonly name: string;
  readonly text: string;
  readonly collected: readonly AnyCollected[];
}

export interface BatchResult {
  /** Names whose entry changed (put with new text, or deleted), with their entry before the batch. */
  readonly changed: ReadonlyMap<string, SourceEntry | undefined>;
  readonly rejected: readonly string[];
  readonly diagnostics: readonly Diagnostic[];
}

/**
 * Codes that depend on other sources (a duplicate, a tier defined elsewhere, a namespace defined
 * elsewhere): they do not make a text invalid on its own, and the model leaves such resources out.
 */
const BETWEEN_SOURCES: ReadonlySet<string> = new Set([Codes.duplicateResource.code, Codes.unknownTier.code, Codes.namespaceMissing.code]);

/**
 * At most this many diagnostics of one source are kept (errors first), plus one PC9001 notice
 * counting the rest: a single broken file of thousands of bad resources must not make the agent
 * hold, format and log thousands of diagnostics on every event that touches it. Twenty show the
 * pattern; the file needs `policy-compile validate` anyway.
 */
export const DIAGNOSTICS_PER_SOURCE = 20;

/**
 * Validate one text on its own (parse, schema, and the checks normalization makes on a resource
 * by itself): a source with an error is refused whole.
 */
export function collectSource(name: string, text: string): { entry: SourceEntry | undefined; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const collected: AnyCollected[] = [];
  // An etcd value is JSON under a key without extension: read what looks like JSON as JSON (the
  // loader falls back to YAML, which locates the syntax error, when it is not).
  const format = /^\s*[{[]/.test(text) ? "json" : undefined;
  collectFile({ file: name, text, ...(format ? { format } : {}) }, diagnostics, collected);
  if (!hasErrors(diagnostics)) {
    const alone: Diagnostic[] = [];
    buildModel(collected, alone);
    for (const d of alone) if (!BETWEEN_SOURCES.has(d.code)) diagnostics.push(d);
  }
  const entry = hasErrors(diagnostics) ? undefined : { name, text, collected };
  return { entry, diagnostics: diagnostics.length > DIAGNOSTICS_PER_SOURCE ? capDiagnostics(diagnostics, DIAGNOSTICS_PER_SOURCE, name) : diagnostics };
}

/**
 * Applies a batch in order to `sources` (mutated). A put whose text fails validation is refused
 * and the name keeps what it had; a later put of the same name in the batch can still replace it.
 */
export function applyBatch(sources: Map<string, SourceEntry>, changes: readonly SourceChange[]): BatchResult {
  const changed = new Map<string, SourceEntry | undefined>();
  const rejected = new Set<string>();
  const diagnostics: Diagnostic[] = [];
  const remember = (name: string): void => {
    if (!changed.has(name)) changed.set(name, sources.get(name));
  };
  for (const c of changes) {
    if (c.kind === "delete") {
      rejected.delete(c.name);
      if (!sources.has(c.name)) continue;
      remember(c.name);
      sources.delete(c.name);
      continue;
    }
    const old = sources.get(c.name);
    if (old !== undefined && old.text === c.text) {
      rejected.delete(c.name);
      continue;
    }
    const { entry, diagnostics: d } = collectSource(c.name, c.text);
    diagnostics.push(...d);
    if (entry === undefined) {
      rejected.add(c.name);
      continue;
    }
    rejected.delete(c.name);
    remember(c.name);
    sources.set(c.name, entry);
  }
  // A name put back to what it had before the batch did not change.
  for (const [name, before] of [...changed]) if (sources.get(name) === before) changed.delete(name);
  return { changed, rejected: [...rejected].sort(), diagnostics };
}

/** Undo a batch: put back what each changed name had before it. */
export function revertBatch(sources: Map<string, SourceEntry>, changed: ReadonlyMap<string, SourceEntry | undefined>): void {
  for (const [name, before] of changed) {
    if (before === undefined) sources.delete(name);
    else sources.set(name, before);
  }
}

/** Every collected resource, sources in name order (as loadSources orders files). */
export function allCollected(sources: ReadonlyMap<string, SourceEntry>): AnyCollected[] {
  const names = [...sources.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const out: AnyCollected[] = [];
  for (const n of names) for (const c of (sources.get(n) as SourceEntry).collected) out.push(c);
  return out;
}
