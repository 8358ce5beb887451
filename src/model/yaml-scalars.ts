/**
 * How `yaml` types an untagged plain scalar, taken from the `yaml` package itself (the schema of a
 * Document made with the loader's options), so the fast path (yaml-subset.ts) and the `yaml`
 * path cannot disagree on what `on`, `0x1F`, `0b11`, `.5` or `~` mean.
 */
import { Document, isScalar } from "yaml";

/** What the loader passes to `yaml`; the schema and options used to type scalars come from it. */
export const yamlOptions = { merge: true, uniqueKeys: true, prettyErrors: false } as const;

const schemaDoc = new Document(null, yamlOptions);
type Tag = { default?: boolean | "key"; test?: RegExp; resolve: (s: string, onError: (m: string) => void, o: unknown) => unknown };
const tags = (schemaDoc.schema.tags as unknown as Tag[]).filter((t) => t.test !== undefined);

/** Thrown inside the reader when the text leaves the subset. */
export const DECLINE: unique symbol = Symbol("decline");

/**
 * A plain scalar's type, as `yaml` decides it for an untagged plain scalar (compose-scalar's
 * findScalarTagByTest, then the tag's resolve). A scalar whose first character cannot start any
 * non-string tag's pattern is a string without testing them all (see yaml-subset.test.ts).
 */
export function resolvePlain(s: string, atKey: boolean): unknown {
  if (s.length > 0 && !maybeTyped(s.charCodeAt(0))) return s;
  for (const tag of tags) {
    if ((tag.default === true || (atKey && tag.default === "key")) && tag.test?.test(s)) {
      let failed = false;
      const r = tag.resolve(s, () => (failed = true), schemaDoc.options);
      if (failed) throw DECLINE;
      return isScalar(r) ? r.value : r;
    }
  }
  return s;
}

/** `~`, `.`, `+`, `-`, digits, `<` (merge) and the letters n N t T f F start every typed pattern. */
export function maybeTyped(c: number): boolean {
  return c === 0x7e || c === 0x2e || c === 0x2b || c === 0x2d || c === 0x3c || (c >= 0x30 && c <= 0x39) || c === 0x6e || c === 0x4e || c === 0x74 || c === 0x54 || c === 0x66 || c === 0x46;
}

