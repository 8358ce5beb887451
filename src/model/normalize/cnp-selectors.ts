/**
 * A ClusterNetworkPolicy label selector → Calico selector text, exactly as libcalico-go's
 * `k8sSelectorToCalico` writes it (calico-332.md §2.2): the orchestrator term first for pod
 * selectors, matchLabels sorted by key as `k == 'v'`, matchExpressions in order (`In`, `NotIn`,
 * `Exists`, `DoesNotExist`), joined with ` && `; an empty namespace selector is `all()`.
 *
 * The CRD does not check the selector's content, and neither does Calico: keys and values are
 * pasted into the text as they stand, an unknown operator is skipped, `In` without values gives
 * `k in { '' }`. Each of those gets a warning here (PC4012) saying what Calico makes of it.
 */
import { Codes } from "../../diagnostics/codes.js";
import { parseSelector, SelectorSyntaxError } from "../../selector/index.js";
import type { Path } from "../paths.js";
import { labelKeyProblem, labelValueProblem } from "../schema/fields.js";
import type { CnpLabelSelectorInput } from "../schema/cluster-network-policy.js";
import { quoted } from "../schema/references.js";
import { labelSelectorText } from "./k8s-policy.js";
import type { CnpNote } from "./cnp-notes.js";

const byKey = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Calico's text for `sel`; pod selectors always start with the orchestrator term. */
export const cnpSelectorText = (sel: CnpLabelSelectorInput, kind: "pod" | "namespace"): string => labelSelectorText(sel, kind);

/** Whether Calico's selector grammar (ours is the same, byte for byte) reads `text`. */
export function selectorParses(text: string): boolean {
  try {
    parseSelector(text);
    return true;
  } catch (e) {
    if (e instanceof SelectorSyntaxError) return false;
    throw e;
  }
}

/**
 * The warnings for the content of `sel` (at `path`) that Kubernetes would refuse but the CRD
 * admits; `text` is what Calico builds from it.
 */
export function selectorContentNotes(sel: CnpLabelSelectorInput, path: Path, text: string): CnpNote[] {
  const notes: CnpNote[] = [];
  const result = text === "" ? "Calico's selector comes out empty and restricts nothing" : `Calico's selector is ${quoted(text)}`;
  const note = (at: Path, message: string, part?: "key"): void => {
    notes.push({ code: Codes.cnpSelectorContent, message, path: [...path, ...at], ...(part ? { part } : {}) });
  };
  for (const [k, v] of Object.entries(sel.matchLabels ?? {}).sort(([a], [b]) => byKey(a, b))) {
    const keyProblem = labelKeyProblem(k);
    if (keyProblem) note(["matchLabels", k], `${keyProblem}; Calico pastes it into the selector as it stands: ${result}`, "key");
    const valueProblem = labelValueProblem(v);
    if (valueProblem) note(["matchLabels", k], `${valueProblem}; Calico pastes it into the selector as it stands: ${result}`);
  }
  (sel.matchExpressions ?? []).forEach((e, i) => {
    const keyProblem = labelKeyProblem(e.key);
    if (keyProblem) note(["matchExpressions", i, "key"], `${keyProblem}; Calico pastes it into the selector as it stands: ${result}`);
    const n = e.values?.length ?? 0;
    switch (e.operator) {
      case "In":
      case "NotIn":
        if (n === 0) {
          note(["matchExpressions", i, "operator"], `operator ${e.operator} with no values, which Kubernetes refuses: Calico writes ${quoted(`${e.key} ${e.operator === "In" ? "in" : "not in"} { '' }`)}, which ${e.operator === "In" ? "matches only an empty value of the label" : "matches every endpoint without an empty value of the label, including those without the label"}; ${result}`);
        }
        break;
      case "Exists":
      case "DoesNotExist":
        if (n > 0) note(["matchExpressions", i, "values"], `operator ${e.operator} takes no values (Kubernetes refuses them): Calico ignores the ${n} value${n === 1 ? "" : "s"}; ${result}`, "key");
        break;
      default:
        note(["matchExpressions", i, "operator"], `operator ${quoted(e.operator)} is not In, NotIn, Exists or DoesNotExist: Calico skips the requirement, so the selector is broader than written; ${result}`);
    }
    (e.values ?? []).forEach((v, j) => {
      const problem = labelValueProblem(v);
      if (problem) note(["matchExpressions", i, "values", j], `${problem}; Calico pastes it into the selector as it stands: ${result}`);
    });
  });
  return notes;
}
