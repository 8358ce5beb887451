/**
 * What every lint rule sees: the model, the places of fields, parsed selectors, who each policy
 * applies to, and `report`. Lint rules are functions of this context (graphql-js validation
 * style): they read, and report; they never change the model.
 *
 * "The inputs" are the whole cluster the files describe: selectors are evaluated against every
 * endpoint on every node (a pod without a node still has labels), as ipset members are.
 */
import type { CodeInfo } from "../diagnostics/codes.js";
import type { Diagnostic, DiagnosticNote, SourceFile, Span } from "../diagnostics/types.js";
import type { Labels, Model, NamedPort, Policy } from "../model/types.js";
import { comparePolicies, compareTiers, tierLookup } from "../resolve/ordering.js";
import { policySelectorText, SelectorCache } from "../resolve/selectors.js";
import type { Selector } from "../selector/index.js";
import { Places } from "./places.js";
import { ruleMatch, type RuleMatch } from "./rule-contains.js";
import { ruleSites, type Container, type RuleSite } from "./sites.js";

/** Something selectors can select: a workload or host endpoint, or a network set. */
export interface Member {
  readonly kind: "endpoint" | "host" | "set";
  /** "default/web-1", "host node-1-eth0", "network set default/partners". */
  readonly name: string;
  readonly labels: Labels;
  readonly ports: readonly NamedPort[];
  readonly profiles: readonly string[];
}

export class LintContext {
  readonly cache = new SelectorCache();
  readonly places: Places;
  /** Workload and host endpoints (what policies apply to). */
  readonly endpoints: readonly Member[];
  /** Endpoints and network sets (what rule selectors match). */
  readonly members: readonly Member[];
  /** Policies in evaluation order (tier order, then policy order). */
  readonly orderedPolicies: readonly Policy[];
  private readonly diagnostics: Diagnostic[] = [];
  private readonly applies = new Map<Policy, readonly Member[]>();
  private readonly sites = new Map<Container, { ingress: RuleSite[]; egress: RuleSite[] }>();
  private readonly matches = new Map<RuleSite["rule"], RuleMatch>();
  private readonly containers = new Map<Policy, Container>();

  constructor(
    readonly model: Model,
    sources: readonly SourceFile[],
  ) {
    this.places = new Places(sources);
    const endpoints: Member[] = [
      ...model.endpoints.map((e): Member => ({ kind: "endpoint", name: e.key, labels: e.labels, ports: e.ports, profiles: e.profiles })),
      ...model.hostEndpoints.map((h): Member => ({ kind: "host", name: `host endpoint ${h.name}`, labels: h.labels, ports: h.ports, profiles: h.profiles })),
    ];
    this.endpoints = endpoints;
    this.members = [
      ...endpoints,
      ...model.networkSets.map((s): Member => ({ kind: "set", name: `network set ${s.namespace ? `${s.namespace}/` : ""}${s.name}`, labels: s.labels, ports: [], profiles: [] })),
    ];
    const tierOf = tierLookup(model);
    this.orderedPolicies = [...model.policies].sort((a, b) => compareTiers(tierOf(a.tier), tierOf(b.tier)) || comparePolicies(a, b));
  }

  report(code: CodeInfo, message: string, span: Span | undefined, notes?: readonly DiagnosticNote[]): void {
    this.diagnostics.push({ code: code.code, severity: code.severity, message, ...(span ? { span } : {}), ...(notes && notes.length > 0 ? { notes } : {}) });
  }

  reported(): readonly Diagnostic[] {
    return this.diagnostics;
  }

  parse(text: string): Selector {
    return this.cache.parse(text);
  }

  select(text: string, pool: readonly Member[]): Member[] {
    const sel = this.parse(text);
    return pool.filter((m) => sel.matches(m.labels));
  }

  /** The combined selector that decides which endpoints a policy applies to (as resolve uses it). */
  policySelector(p: Policy): Selector {
    return this.parse(policySelectorText(this.cache, p));
  }

  appliesTo(p: Policy): readonly Member[] {
    let list = this.applies.get(p);
    if (list === undefined) {
      const sel = this.policySelector(p);
      list = this.endpoints.filter((m) => sel.matches(m.labels));
      this.applies.set(p, list);
    }
    return list;
  }

  /** The endpoints a policy or profile applies to. */
  governed(c: Container): readonly Member[] {
    if (c.kind === "policy") return this.appliesTo(c.policy);
    return this.endpoints.filter((m) => m.profiles.includes(c.profile.name));
  }

  policyContainer(p: Policy): Container {
    let c = this.containers.get(p);
    if (c === undefined) this.containers.set(p, (c = { kind: "policy", policy: p }));
    return c;
  }

  /** Every policy and user profile (not the kns./ksa. profiles the loader derives). */
  allContainers(): Container[] {
    return [
      ...this.model.policies.map((p) => this.policyContainer(p)),
      ...this.model.profiles.filter((p) => p.origin !== undefined && !/^(kns|ksa)\./.test(p.name)).map((profile): Container => ({ kind: "profile", profile })),
    ];
  }

  ruleSites(c: Container, direction: "Ingress" | "Egress"): readonly RuleSite[] {
    let entry = this.sites.get(c);
    if (entry === undefined) {
      entry = { ingress: ruleSites(c, "Ingress", this.places), egress: ruleSites(c, "Egress", this.places) };
      this.sites.set(c, entry);
    }
    return direction === "Ingress" ? entry.ingress : entry.egress;
  }

  ruleMatch(site: RuleSite): RuleMatch {
    let m = this.matches.get(site.rule);
    if (m === undefined) this.matches.set(site.rule, (m = ruleMatch(this.cache, site.rule, site.namespace)));
    return m;
  }
}

/** A lint rule: reads the context and reports through it. */
export type LintRule = (ctx: LintContext) => void;
