/**
 * Finds the scalars of a document `yaml` has composed that Kubernetes would read differently
 * (yaml-11.ts): untagged plain scalars and scalars with an explicit tag, as keys or values.
 * Quoted and block scalars without a tag are strings on both sides.
 */
import { Scalar, visit, type Document } from "yaml";
import { disagreement, disagreementMessage, goMayType } from "./yaml-11.js";

export interface ScalarProblem {
  readonly start: number;
  readonly end: number;
  readonly message: string;
}

export function versionDisagreements(doc: Document.Parsed): ScalarProblem[] {
  const out: ScalarProblem[] = [];
  visit(doc, {
    Scalar(key, node) {
      const problem = check(node, key === "key");
      if (problem !== undefined) out.push(problem);
    },
  });
  return out;
}

function check(node: Scalar, atKey: boolean): ScalarProblem | undefined {
  // `yaml` sets a scalar's tag only when one is written (`!!int "0120"`).
  const tagged = node.tag !== undefined;
  if (!tagged && node.type !== Scalar.PLAIN) return undefined;
  const source = typeof node.source === "string" ? node.source : String(node.value);
  // `<<` is a merge key on both sides; other text that cannot be typed is a string on both.
  if (source === "<<" || (!tagged && source.length > 0 && !goMayType(source.charCodeAt(0)))) return undefined;
  const d = disagreement(source, node.value, atKey, tagged ? node.tag : undefined);
  if (d === undefined || !node.range) return undefined;
  return { start: node.range[0], end: Math.max(node.range[0] + 1, node.range[1]), message: disagreementMessage(source, d) };
}
