/**
 * The sources in force: per name, the last text that validated and its collected resources
 * (parsed once; an unchanged source is never parsed again).
 */
import { capDiagnostics, hasErrors } from "../../diagnostics/collect.js";
import type { Diagnostic } from "../../diagnostics/types.js";
import { Codes } from "../../diagnostics/codes.js";
import { buildModel } from "../../model/build.js";
import type { Model } from "../../model/types.js";
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
  const { diagnostics, collected } = parseSource(name, text);
  if (!hasErrors(diagnostics)) {
    const alone: Diagnostic[] = [];
    buildModel(collected, alone);
    for (const d of alone) if (!BETWEEN_SOURCES.has(d.code)) diagnostics.push(d);
  }
  const entry = hasErrors(diagnostics) ? undefined : { name, text, collected };
  return { entry, diagnostics: capped(name, diagnostics) };
}

/** Parse and schema-check one text (collectFile), without the normalization check of collectSource. */
function parseSource(name: string, text: string): { diagnostics: Diagnostic[]; collected: AnyCollected[] } {
  const diagnostics: Diagnostic[] = [];
  const collected: AnyCollected[] = [];
  // An etcd value is JSON under a key without extension: read what looks like JSON as JSON (the
  // loader falls back to YAML, which locates the syntax error, when it is not).
  const format = /^\s*[{[]/.test(text) ? "json" : undefined;
  collectFile({ file: name, text, ...(format ? { format } : {}) }, diagnostics, collected);
  // Kept for as long as the source is in force: an exact-size copy, not the grown push buffer.
  return { diagnostics, collected: collected.slice() };
}

const capped = (name: string, diagnostics: Diagnostic[]): Diagnostic[] => (diagnostics.length > DIAGNOSTICS_PER_SOURCE ? capDiagnostics(diagnostics, DIAGNOSTICS_PER_SOURCE, name) : diagnostics);

/**
 * The first batch of an empty engine (start and restart: every source at once), as one build:
 * every text parsed, then ONE buildModel over all of them (as `compile` loads files), whose
 * model the store takes as it is, instead of a buildModel per source to check each on its own
 * and three more over everything for the store (at 100k pods those were a third of the start).
 *
 * Exactly what applyBatch would do, or nothing (null: the caller takes applyBatch's path):
 * - a text that fails to parse is refused with collectSource's diagnostics (its check stops
 *   there too);
 * - the checks buildModel makes on one resource alone (collectSource) raise the same errors in a
 *   build of everything, except on a resource a duplicate leaves out; and every other error
 *   buildModel has is about one resource alone (the codes between sources are BETWEEN_SOURCES).
 *   So: when the build over everything has neither an error outside BETWEEN_SOURCES nor a
 *   duplicate, every source passes collectSource's check, and the model is the store's model;
 *   otherwise null, and applyBatch sorts the sources out one by one;
 * - a name put twice in the batch (a later refused version keeps the earlier one): null.
 * `sources` is changed only when the result is not null.
 */
export function applyFirstBatch(sources: Map<string, SourceEntry>, changes: readonly SourceChange[]): (BatchResult & { readonly model: Model; readonly modelDiagnostics: readonly Diagnostic[] }) | null {
  if (sources.size > 0) return null;
  const names = new Set<string>();
  for (const c of changes) {
    if (c.kind === "delete" || names.has(c.name)) return null;
    names.add(c.name);
  }
  const accepted: SourceEntry[] = [];
  const rejected: string[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const c of changes) {
    if (c.kind !== "put") continue;
    const parsed = parseSource(c.name, c.text);
    diagnostics.push(...capped(c.name, parsed.diagnostics));
    if (hasErrors(parsed.diagnostics)) rejected.push(c.name);
    else accepted.push({ name: c.name, text: c.text, collected: parsed.collected });
  }
  const byName = new Map(accepted.map((e) => [e.name, e]));
  const modelDiagnostics: Diagnostic[] = [];
  const model = buildModel(allCollected(byName), modelDiagnostics);
  if (modelDiagnostics.some((d) => d.code === Codes.duplicateResource.code || (d.severity === "error" && !BETWEEN_SOURCES.has(d.code)))) return null;
  for (const [name, entry] of byName) sources.set(name, entry);
  return { changed: new Map([...byName.keys()].map((n) => [n, undefined])), rejected: rejected.sort(), diagnostics, model, modelDiagnostics };
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
  // A name put back to what it had before the batch did not change, even through another text
  // (put A, put B, put A): the entry it had is kept.
  for (const [name, before] of [...changed]) {
    const now = sources.get(name);
    if (now === before) changed.delete(name);
    else if (now !== undefined && before !== undefined && now.text === before.text) {
      sources.set(name, before);
      changed.delete(name);
    }
  }
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
