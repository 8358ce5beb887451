/**
 * The model, kept incrementally: every collected resource by identity (kind, namespace, name),
 * and the normalized entities the node stage needs (endpoints, policies, network sets), each
 * normalized on its own with exactly the resources it depends on as context.
 *
 * Normalization is the loader's own buildModel, run on a small input: the resources to
 * normalize plus their context (the Namespace, ServiceAccount or Profile behind every profile
 * they name, the tiers for policies, and a stand-in pod where a profile only exists because some
 * pod implies it). An entity depends on nothing else, so the result is what a full buildModel
 * gives for it. Entities are matched back to their resource by the span object buildModel copies
 * into their origin.
 *
 * A Profile or ServiceAccount change renormalizes the entities that name the profile it defines
 * (as a Namespace change does); a Tier change renormalizes the policies in that tier (a policy
 * in an undefined tier is left out) and tells the node state to re-order its endpoint chains.
 * Duplicates (two copies of one identity; a Profile and a Namespace or ServiceAccount giving one
 * profile name; a Pod and a WorkloadEndpoint giving one endpoint key) are reported whenever a
 * copy is touched, with buildModel's own diagnostic.
 * HostEndpoints are entities like network sets (normalized with the profiles they name, whose
 * labelsToApply they inherit), keyed by resource identity.
 */
import { Codes } from "../../diagnostics/codes.js";
import type { Diagnostic, Span } from "../../diagnostics/types.js";
import { buildModel, namespaced } from "../../model/build.js";
import type { AnyCollected } from "../../model/collect.js";
import type { ResourceKind } from "../../model/resources.js";
import type { HostEndpoint, Model, NetworkSet, Policy, Tier, WorkloadEndpoint } from "../../model/types.js";

/** A buildModel over exactly what a batch adds to an empty store (sources.ts applyFirstBatch). */
export interface Prebuilt {
  readonly model: Model;
  readonly diagnostics: readonly Diagnostic[];
}

export interface Change<T> {
  readonly before: T | undefined;
  readonly after: T | undefined;
}

export interface Delta {
  /** Something changed that this store does not follow incrementally: rebuild from the sources. */
  readonly full: boolean;
  /** By endpoint key. */
  readonly endpoints: Map<string, Change<WorkloadEndpoint>>;
  /** By policy id. */
  readonly policies: Map<string, Change<Policy>>;
  /** By resource identity. */
  readonly networkSets: Map<string, Change<NetworkSet>>;
  /** By resource identity. */
  readonly hostEndpoints: Map<string, Change<HostEndpoint>>;
  /** Profiles whose definition may have changed. */
  readonly profiles: Set<string>;
  /** Some tier changed: endpoint chains order their policies by tier. */
  tiers: boolean;
}

/** Kinds this store does not follow incrementally (none today; the rebuild path stays for new kinds). */
const REBUILD_KINDS: ReadonlySet<ResourceKind> = new Set<ResourceKind>([]);
/** Kinds whose `spec.tier` a Tier change affects (the staged Calico kinds have one too). */
const CALICO_POLICY_KINDS: ReadonlySet<ResourceKind> = new Set<ResourceKind>(["calico/NetworkPolicy", "calico/GlobalNetworkPolicy", "calico/StagedNetworkPolicy", "calico/StagedGlobalNetworkPolicy"]);
const POLICY_KINDS: ReadonlySet<ResourceKind> = new Set<ResourceKind>([
  "calico/NetworkPolicy",
  "calico/GlobalNetworkPolicy",
  "k8s/NetworkPolicy",
  "calico/StagedNetworkPolicy",
  "calico/StagedGlobalNetworkPolicy",
  "calico/StagedKubernetesNetworkPolicy",
]);

const nsOf = (c: AnyCollected): string => (c.input.metadata as { namespace?: string }).namespace ?? "default";

export function identOf(c: AnyCollected): string {
  return `${c.kind}|${namespaced.has(c.kind) ? nsOf(c) : ""}|${c.input.metadata.name}`;
}

interface PodFacts {
  readonly ns: string;
  readonly sa: string;
  /** Counts for the implicit kns./ksa. profiles: not finished, not host-network. */
  readonly counting: boolean;
}

function podFacts(c: AnyCollected): PodFacts {
  const input = c.input as { spec?: { serviceAccountName?: string; serviceAccount?: string; hostNetwork?: boolean }; status?: { phase?: string } };
  const phase = input.status?.phase;
  return {
    ns: nsOf(c),
    sa: input.spec?.serviceAccountName ?? input.spec?.serviceAccount ?? "default",
    counting: phase !== "Succeeded" && phase !== "Failed" && input.spec?.hostNetwork !== true,
  };
}

/**
 * A pod's [kns.NS, ksa.NS.SA], one array per namespace and service account: every pod keeps its
 * dependencies, and 100,000 pods share a few thousand such pairs (readonly). Emptied when it
 * grows large (namespaces come and go over an agent's life).
 */
class PodDependencies {
  private readonly byKey = new Map<string, readonly string[]>();

  of(ns: string, sa: string): readonly string[] {
    // NUL is in neither a namespace nor a service account name (both are validated names).
    const key = `${ns}\u0000${sa}`;
    let deps = this.byKey.get(key);
    if (deps === undefined) {
      if (this.byKey.size >= 50_000) this.byKey.clear();
      this.byKey.set(key, (deps = [`kns.${ns}`, `ksa.${ns}.${sa}`]));
    }
    return deps;
  }
}

/** The profile names an entity's normalization reads. */
function dependencies(c: AnyCollected, pods: PodDependencies): readonly string[] {
  switch (c.kind) {
    case "k8s/Pod": {
      const f = podFacts(c);
      return pods.of(f.ns, f.sa);
    }
    case "calico/WorkloadEndpoint":
    case "calico/HostEndpoint":
      return [...((c.input as { spec?: { profiles?: string[] } }).spec?.profiles ?? [])];
    case "calico/NetworkSet":
      return [`kns.${nsOf(c)}`];
    default:
      return [];
  }
}

const SYNTHETIC_SPAN: Span = { file: "", start: 0, end: 0 };

export class ModelStore {
  private readonly copies = new Map<string, AnyCollected[]>();
  /** The resource in force per identity (exactly one copy). */
  private readonly effective = new Map<string, AnyCollected>();
  private readonly endpointByIdent = new Map<string, WorkloadEndpoint>();
  /** Per endpoint key, the identity giving it, or a Set of them (a duplicate key): a Set per pod would cost 100k Sets. */
  private readonly identsByKey = new Map<string, string | Set<string>>();
  private readonly policyByIdent = new Map<string, Policy>();
  readonly endpoints = new Map<string, WorkloadEndpoint>();
  readonly policies = new Map<string, Policy>();
  readonly networkSets = new Map<string, NetworkSet>();
  readonly hostEndpoints = new Map<string, HostEndpoint>();
  readonly tiers = new Map<string, Tier>();
  private readonly dependents = new Map<string, Set<string>>();
  private readonly dependsOn = new Map<string, readonly string[]>();
  private readonly podDependencies = new PodDependencies();
  /** Counting pods per namespace, per service account. */
  private readonly counting = new Map<string, Map<string, Set<string>>>();
  private readonly synthetic = new Map<string, AnyCollected>();
  /** Diagnostics of the last apply's normalizations. */
  diagnostics: Diagnostic[] = [];
  /**
   * profile(name) answers since the last apply (the store changes only in apply): the engine and
   * both node states ask for the same profiles after a batch. A prebuilt apply fills it with the
   * full build's profiles, which are what profile() would build one by one.
   */
  private profiles = new Map<string, ReturnType<ModelStore["buildProfile"]>>();
  private profilesComplete = false;

  /**
   * Remove and add collected resources (a batch of source changes); what the model lost and
   * gained. With `rebuilding` (a fresh store fed everything), the kinds it does not follow are
   * taken as context instead of asking for a rebuild.
   */
  /**
   * Remove and add collected resources (a batch of source changes); what the model lost and gained.
   * `prebuilt`: the batch fills an empty store and this is buildModel over all of `added` (no
   * duplicates): its entities are taken as they are instead of normalizing the batch again; a
   * full build is what every entity's own normalization gives (see the top of this file).
   */
  apply(removed: readonly AnyCollected[], added: readonly AnyCollected[], rebuilding = false, prebuilt?: Prebuilt): Delta {
    // A prebuilt model stands for normalizing everything only in an empty store; otherwise normalize as usual.
    if (this.effective.size > 0 || removed.length > 0) prebuilt = undefined;
    this.profiles = new Map();
    this.profilesComplete = false;
    const delta: Delta = { full: false, endpoints: new Map(), policies: new Map(), networkSets: new Map(), hostEndpoints: new Map(), profiles: new Set(), tiers: false };
    this.diagnostics = [];
    const touched = new Set<string>();
    for (const c of removed) {
      const id = identOf(c);
      const list = this.copies.get(id);
      const i = list?.indexOf(c) ?? -1;
      if (list === undefined || i < 0) continue;
      list.splice(i, 1);
      if (list.length === 0) this.copies.delete(id);
      touched.add(id);
    }
    for (const c of added) {
      const id = identOf(c);
      const list = this.copies.get(id);
      if (list === undefined) this.copies.set(id, [c]);
      else list.push(c);
      touched.add(id);
    }

    const renormalize = new Set<string>();
    const profileTouched = (name: string): void => {
      delta.profiles.add(name);
      for (const id of this.dependents.get(name) ?? []) renormalize.add(id);
    };
    const tiersTouched = new Set<string>();
    for (const id of touched) {
      const list = this.copies.get(id);
      if (list !== undefined && list.length > 1) this.reportDuplicates(list);
      const next = list !== undefined && list.length === 1 ? list[0] : undefined;
      const prev = this.effective.get(id);
      if (next === undefined) this.effective.delete(id);
      else this.effective.set(id, next);
      if (prev === next) continue;
      if (prev !== undefined && next !== undefined && JSON.stringify(prev.input) === JSON.stringify(next.input)) {
        // Same content from a re-sent source: only its entity's origin would differ.
        if (this.endpointByIdent.has(id) || this.policyByIdent.has(id) || this.networkSets.has(id) || this.hostEndpoints.has(id)) renormalize.add(id);
        continue;
      }
      const kind = (next ?? prev)?.kind as ResourceKind;
      if (REBUILD_KINDS.has(kind)) {
        if (rebuilding) continue;
        return { ...delta, full: true };
      }
      if (kind === "k8s/Pod") {
        for (const name of this.updateCounting(id, prev, next)) profileTouched(name);
        renormalize.add(id);
        continue;
      }
      const [, ns, name] = id.split("|") as [string, string, string];
      if (kind === "k8s/Namespace") {
        profileTouched(`kns.${name}`);
        this.reportProfileDuplicates(`kns.${name}`);
        continue;
      }
      if (kind === "calico/Profile") {
        profileTouched(name);
        this.reportProfileDuplicates(name);
        continue;
      }
      if (kind === "k8s/ServiceAccount") {
        profileTouched(`ksa.${ns}.${name}`);
        this.reportProfileDuplicates(`ksa.${ns}.${name}`);
        continue;
      }
      if (kind === "calico/Tier") {
        tiersTouched.add(name);
        continue;
      }
      renormalize.add(id);
    }
    if (tiersTouched.size > 0) {
      delta.tiers = true;
      // The policies in a changed tier: one left out for an undefined tier may now be in, or out.
      for (const [id, c] of this.effective) {
        if (CALICO_POLICY_KINDS.has(c.kind) && tiersTouched.has((c.input as { spec?: { tier?: string } }).spec?.tier ?? "default")) renormalize.add(id);
      }
    }
    this.normalize(renormalize, delta, prebuilt);
    return delta;
  }

  /** buildModel's diagnostics of one kind for a few resources. */
  private duplicatesAmong(resources: readonly AnyCollected[], message?: string): void {
    const diagnostics: Diagnostic[] = [];
    buildModel(resources, diagnostics);
    for (const d of diagnostics) {
      if (d.code === Codes.duplicateResource.code && d.span !== undefined && d.span.file !== "" && (message === undefined || d.message.startsWith(message))) this.diagnostics.push(d);
    }
  }

  /** Copies of one identity (the full loader leaves every copy out and says so). */
  private reportDuplicates(copies: readonly AnyCollected[]): void {
    this.duplicatesAmong(copies);
  }

  /** A Profile resource and a Namespace or ServiceAccount that give the same profile name. */
  private reportProfileDuplicates(name: string): void {
    const providers = this.providers(name).filter((c) => c.span.file !== "");
    if (providers.length > 1) this.duplicatesAmong(providers, "profile ");
  }

  /** The profile names whose implicit existence changed. */
  private updateCounting(id: string, prev: AnyCollected | undefined, next: AnyCollected | undefined): string[] {
    const changed: string[] = [];
    const edit = (c: AnyCollected | undefined, add: boolean): void => {
      if (c === undefined) return;
      const f = podFacts(c);
      if (!f.counting) return;
      // Empty sets and maps are deleted at once, so "counts" is "is present".
      let bySa = this.counting.get(f.ns);
      const nsBefore = bySa !== undefined;
      if (bySa === undefined) this.counting.set(f.ns, (bySa = new Map()));
      let set = bySa.get(f.sa);
      const saBefore = set !== undefined;
      if (set === undefined) bySa.set(f.sa, (set = new Set()));
      if (add) set.add(id);
      else set.delete(id);
      if (set.size === 0) bySa.delete(f.sa);
      if (bySa.size === 0) this.counting.delete(f.ns);
      if (saBefore !== set.size > 0) changed.push(`ksa.${f.ns}.${f.sa}`);
      if (nsBefore !== bySa.size > 0) changed.push(`kns.${f.ns}`);
    };
    edit(prev, false);
    edit(next, true);
    return changed;
  }

  private unique(id: string): AnyCollected | undefined {
    return this.effective.get(id);
  }

  private stand_in(ns: string, sa: string): AnyCollected {
    const key = `${ns}/${sa}`;
    let pod = this.synthetic.get(key);
    if (pod === undefined) {
      const input = { metadata: { name: `\u0000${sa}`, namespace: ns }, spec: { serviceAccountName: sa } };
      pod = { kind: "k8s/Pod", input, span: SYNTHETIC_SPAN, nameSpan: SYNTHETIC_SPAN, tierSpan: SYNTHETIC_SPAN, typesSpan: SYNTHETIC_SPAN, ingressSpans: [], egressSpans: [] } as unknown as AnyCollected;
      this.synthetic.set(key, pod);
    }
    return pod;
  }

  /** The resources that define profile `name` (what a full build would use for it). */
  providers(name: string): AnyCollected[] {
    const out: AnyCollected[] = [];
    const profile = this.unique(`calico/Profile||${name}`);
    if (profile !== undefined) out.push(profile);
    if (name.startsWith("kns.")) {
      const ns = name.slice(4);
      const namespace = this.unique(`k8s/Namespace||${ns}`);
      if (namespace !== undefined) out.push(namespace);
      const bySa = this.counting.get(ns);
      const sa = bySa === undefined ? undefined : bySa.keys().next().value;
      if (sa !== undefined) out.push(this.stand_in(ns, sa));
    } else if (name.startsWith("ksa.")) {
      const rest = name.slice(4);
      const dot = rest.indexOf(".");
      if (dot > 0) {
        const ns = rest.slice(0, dot);
        const sa = rest.slice(dot + 1);
        const account = this.unique(`k8s/ServiceAccount|${ns}|${sa}`);
        if (account !== undefined) out.push(account);
        if (this.counting.get(ns)?.has(sa)) out.push(this.stand_in(ns, sa));
      }
    }
    return out;
  }

  private build(members: readonly AnyCollected[], names: Iterable<string>, extra: readonly AnyCollected[] = []) {
    const context = new Set<AnyCollected>(extra);
    for (const n of names) for (const c of this.providers(n)) context.add(c);
    const diagnostics: Diagnostic[] = [];
    const model = buildModel([...context, ...members], diagnostics);
    for (const d of diagnostics) if (d.span !== undefined && d.span.file !== "") this.diagnostics.push(d);
    return model;
  }

  private normalize(ids: ReadonlySet<string>, delta: Delta, prebuilt?: Prebuilt): void {
    const pods: AnyCollected[] = [];
    const others: AnyCollected[] = [];
    const policies: AnyCollected[] = [];
    const names = { pods: new Set<string>(), others: new Set<string>() };
    const bySpan = new Map<Span, string>();
    const keys = new Set<string>();
    for (const id of ids) {
      const old = this.endpointByIdent.get(id);
      if (old !== undefined) keys.add(old.key);
      for (const n of this.dependsOn.get(id) ?? []) this.dependents.get(n)?.delete(id);
      this.dependsOn.delete(id);
      const c = this.effective.get(id);
      if (c === undefined) {
        this.forget(id, delta);
        continue;
      }
      bySpan.set(c.span, id);
      const deps = dependencies(c, this.podDependencies);
      this.dependsOn.set(id, deps);
      for (const n of deps) {
        let set = this.dependents.get(n);
        if (set === undefined) this.dependents.set(n, (set = new Set()));
        set.add(id);
      }
      if (c.kind === "k8s/Pod") {
        pods.push(c);
        for (const n of deps) names.pods.add(n);
      } else if (POLICY_KINDS.has(c.kind)) policies.push(c);
      else {
        others.push(c);
        for (const n of deps) names.others.add(n);
      }
    }
    const seen = new Set<string>();
    const take = (model: ReturnType<ModelStore["build"]>): void => {
      for (const e of model.endpoints) {
        const id = e.origin === undefined ? undefined : bySpan.get(e.origin.span);
        if (id === undefined) continue;
        seen.add(id);
        this.endpointByIdent.set(id, e);
        const ids = this.identsByKey.get(e.key);
        if (ids === undefined || ids === id) this.identsByKey.set(e.key, id);
        else if (typeof ids === "string") this.identsByKey.set(e.key, new Set([ids, id]));
        else ids.add(id);
        keys.add(e.key);
      }
      for (const p of model.policies) {
        const id = p.origin === undefined ? undefined : bySpan.get(p.origin.span);
        if (id === undefined) continue;
        seen.add(id);
        this.setPolicy(id, p, delta);
      }
      for (const s of model.networkSets) {
        const id = s.origin === undefined ? undefined : bySpan.get(s.origin.span);
        if (id === undefined) continue;
        seen.add(id);
        this.setNetworkSet(id, s, delta);
      }
      for (const h of model.hostEndpoints) {
        const id = h.origin === undefined ? undefined : bySpan.get(h.origin.span);
        if (id === undefined) continue;
        seen.add(id);
        this.setHostEndpoint(id, h, delta);
      }
    };
    if (prebuilt !== undefined) {
      take(prebuilt.model);
      for (const p of prebuilt.model.profiles) this.profiles.set(p.name, p);
      this.profilesComplete = true;
      for (const d of prebuilt.diagnostics) if (d.span !== undefined && d.span.file !== "") this.diagnostics.push(d);
    } else {
      if (pods.length > 0) take(this.build(pods, names.pods));
      if (others.length > 0) take(this.build(others, names.others));
      if (policies.length > 0) take(this.build(policies, [], [...this.tierResources()]));
    }
    // What normalization left out (a finished pod, a policy in an unknown tier) is no entity.
    for (const id of ids) if (!seen.has(id)) this.forget(id, delta);
    for (const key of keys) this.resolveKey(key, delta);
  }

  private *tierResources(): Iterable<AnyCollected> {
    for (const [id, c] of this.effective) if (c.kind === "calico/Tier" && id.startsWith("calico/Tier|")) yield c;
  }

  private forget(id: string, delta: Delta): void {
    const ep = this.endpointByIdent.get(id);
    if (ep !== undefined) {
      this.endpointByIdent.delete(id);
      const ids = this.identsByKey.get(ep.key);
      if (ids === id) this.identsByKey.delete(ep.key);
      else if (ids !== undefined && typeof ids !== "string") {
        ids.delete(id);
        if (ids.size === 1) this.identsByKey.set(ep.key, ids.values().next().value as string);
        else if (ids.size === 0) this.identsByKey.delete(ep.key);
      }
      this.resolveKey(ep.key, delta);
    }
    if (this.policyByIdent.has(id)) this.setPolicy(id, undefined, delta);
    if (this.networkSets.has(id)) this.setNetworkSet(id, undefined, delta);
    if (this.hostEndpoints.has(id)) this.setHostEndpoint(id, undefined, delta);
  }

  /** The model has an endpoint for a key only when exactly one Pod or WorkloadEndpoint gives it. */
  private resolveKey(key: string, delta: Delta): void {
    const ids = this.identsByKey.get(key);
    if (ids !== undefined && typeof ids !== "string") {
      // Two or more (a Set never holds fewer): a duplicate key, which the model leaves out.
      const resources = [...ids].flatMap((id) => this.effective.get(id) ?? []);
      this.duplicatesAmong(resources, "workload endpoint ");
    }
    const only = typeof ids === "string" ? this.endpointByIdent.get(ids) : undefined;
    const before = this.endpoints.get(key);
    if (before === only) return;
    if (only === undefined) this.endpoints.delete(key);
    else this.endpoints.set(key, only);
    const first = delta.endpoints.get(key);
    delta.endpoints.set(key, { before: first ? first.before : before, after: only });
  }

  private setPolicy(id: string, p: Policy | undefined, delta: Delta): void {
    const before = this.policyByIdent.get(id);
    if (p === undefined) this.policyByIdent.delete(id);
    else this.policyByIdent.set(id, p);
    const pid = (p ?? before)?.id as string;
    if (p === undefined) this.policies.delete(pid);
    else this.policies.set(pid, p);
    const first = delta.policies.get(pid);
    delta.policies.set(pid, { before: first ? first.before : before, after: p });
  }

  private setNetworkSet(id: string, s: NetworkSet | undefined, delta: Delta): void {
    const before = this.networkSets.get(id);
    if (s === undefined) this.networkSets.delete(id);
    else this.networkSets.set(id, s);
    const first = delta.networkSets.get(id);
    delta.networkSets.set(id, { before: first ? first.before : before, after: s });
  }

  private setHostEndpoint(id: string, h: HostEndpoint | undefined, delta: Delta): void {
    const before = this.hostEndpoints.get(id);
    if (h === undefined) this.hostEndpoints.delete(id);
    else this.hostEndpoints.set(id, h);
    const first = delta.hostEndpoints.get(id);
    delta.hostEndpoints.set(id, { before: first ? first.before : before, after: h });
  }

  /** Every entity of the model as added (a node state for another family starts from it). */
  everything(): Delta {
    const all = <T>(m: ReadonlyMap<string, T>): Map<string, Change<T>> => new Map([...m].map(([k, v]) => [k, { before: undefined, after: v }]));
    const profiles = new Set<string>();
    for (const [id, c] of this.effective) if (c.kind === "calico/Profile") profiles.add(id.split("|")[2] as string);
    return { full: false, endpoints: all(this.endpoints), policies: all(this.policies), networkSets: all(this.networkSets), hostEndpoints: all(this.hostEndpoints), profiles, tiers: false };
  }

  /** The tiers, as a full build defines them (the default tier included). */
  tierList(): readonly Tier[] {
    return buildModel([...this.tierResources()], []).tiers;
  }

  /** Profile `name` as a full build would define it (undefined: not defined). */
  profile(name: string) {
    if (this.profiles.has(name) || this.profilesComplete) return this.profiles.get(name);
    const p = this.buildProfile(name);
    this.profiles.set(name, p);
    return p;
  }

  private buildProfile(name: string) {
    return this.build([], [name]).profiles.find((p) => p.name === name);
  }
}
