/**
 * Selector combination exactly as Calico's update processors do it before Felix sees a policy
 * (felix-dataplane.md §4.1, selector.md §10, k8s-semantics.md §2.5): the pieces are concatenated
 * as *text* and the result parsed, so the canonical form — and with it the ipset name — is the
 * one Felix computes.
 */
import type { EntityRule, Policy } from "../model/types.js";
import { parseSelector, prefixSelector, type Selector } from "../selector/index.js";
import { isGlobalPolicyKind } from "../model/policy-kinds.js";

export const NAMESPACE_LABEL = "projectcalico.org/namespace";
const SERVICE_ACCOUNT_LABEL = "projectcalico.org/serviceaccount";

/** Parses once per distinct text; the same text always yields the same Selector object. */
export class SelectorCache {
  private readonly byText = new Map<string, Selector>();
  parse(text: string): Selector {
    const key = text.trim() === "" ? "all()" : text;
    let sel = this.byText.get(key);
    if (!sel) {
      sel = parseSelector(key);
      this.byText.set(key, sel);
    }
    return sel;
  }
  prefixed(text: string, prefix: string): string {
    return prefixSelector(this.parse(text), prefix).canonical;
  }
}

/** Calico's `parseServiceAccounts`: `pcsa.`-prefixed selector AND-ed with the name set. */
function serviceAccountSelector(cache: SelectorCache, sa: NonNullable<EntityRule["serviceAccounts"]>): string {
  const updated = sa.selector ? cache.prefixed(sa.selector, "pcsa.") : "";
  if (sa.names.length === 0) return updated;
  const names = cache.parse(`${SERVICE_ACCOUNT_LABEL} in { '${sa.names.join("', '")}' }`).canonical;
  return updated ? `(${updated}) && (${names})` : names;
}

/** Calico's `GetEntityRuleSelector`: "" when the entity rule selects by nets only. */
export function entityRuleSelector(cache: SelectorCache, er: EntityRule, namespace: string | undefined): string {
  let nsSelector = "";
  if (er.namespaceSelector) {
    nsSelector = cache
      .prefixed(er.namespaceSelector, "pcns.")
      .replaceAll("all()", `has(${NAMESPACE_LABEL})`)
      .replaceAll("global()", `!has(${NAMESPACE_LABEL})`);
  } else if (namespace !== undefined) {
    nsSelector = `${NAMESPACE_LABEL} == '${namespace}'`;
  }
  const parts: string[] = [];
  if (er.serviceAccounts) {
    const sa = serviceAccountSelector(cache, er.serviceAccounts);
    if (sa) parts.push(sa);
  }
  if (er.selector) parts.push(er.selector);
  let selector = parts.length === 1 ? (parts[0] as string) : parts.length > 1 ? `(${parts.join(") && (")})` : "";
  if (nsSelector && (selector || er.notSelector || er.namespaceSelector)) {
    selector = selector ? `(${nsSelector}) && (${selector})` : nsSelector;
  }
  return selector;
}

/**
 * The rule scanner's `combineMatchesIfPossible`: with a positive selector the negated one is
 * folded in (one ipset); without one it stays a separate negated set, because it must also match
 * traffic from outside every known endpoint.
 */
export function combineSelectors(positive: string, negated: string): { positive: string; negated: string } {
  if (positive && negated) return { positive: `(${positive}) && (!(${negated}))`, negated: "" };
  return { positive, negated };
}

/** The selector that decides which endpoints a policy applies to (the update processors). */
export function policySelectorText(cache: SelectorCache, p: Policy): string {
  let selector = p.selector.trim();
  const append = (current: string, extra: string, prefix: string): string => {
    const prefixed = cache.prefixed(extra, prefix);
    return current ? `(${current}) && ${prefixed}` : prefixed;
  };
  if (isGlobalPolicyKind(p.policyKind)) {
    if (p.namespaceSelector) {
      selector = append(selector, p.namespaceSelector, "pcns.").replaceAll("all()", `has(${NAMESPACE_LABEL})`);
    }
    if (p.serviceAccountSelector) {
      selector = append(selector, p.serviceAccountSelector, "pcsa.").replaceAll("all()", `has(${SERVICE_ACCOUNT_LABEL})`);
    }
    return selector;
  }
  if (p.namespace !== undefined) {
    const ns = `${NAMESPACE_LABEL} == '${p.namespace}'`;
    selector = selector ? `(${selector}) && ${ns}` : ns;
  }
  if (p.serviceAccountSelector) selector = append(selector, p.serviceAccountSelector, "pcsa.");
  return selector;
}
