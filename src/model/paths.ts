/**
 * Paths into a parsed document, and requests for the source span they point at. Validation works
 * on plain values and speaks in paths (`["spec", "ingress", 0, "action"]`); a Locator turns the
 * paths into file offsets only for what is reported, so the fast path never builds positions.
 */
import type { Span } from "../diagnostics/types.js";

export type PathSegment = string | number;
export type Path = readonly PathSegment[];

export interface SpanRequest {
  readonly path: Path;
  /** "key" points at a mapping key (unknown fields); "value" (default) at the value. */
  readonly part?: "key" | "value";
  /** A UTF-16 offset inside the string value at `path` (selector errors); exact where possible. */
  readonly inner?: number;
  /** With `inner`: how many UTF-16 units of the string the span covers (default 1). */
  readonly innerLength?: number;
}

/** Resolves span requests for one parsed document (or JSON file). */
export interface Locator {
  /**
   * One span per request, in order. A path that does not exist resolves to its deepest existing
   * ancestor (the key naming it, when there is one), so every request gets a useful place.
   */
  resolve(requests: readonly SpanRequest[]): Span[];
}

export function pathKey(path: Path): string {
  return path.join("\u0000");
}

/** `spec.ingress[0].action` — how a path reads in messages. */
export function formatPath(path: Path): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else out += out === "" ? seg : `.${seg}`;
  }
  return out;
}
