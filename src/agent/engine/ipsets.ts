/**
 * The node's ipsets, kept incrementally. Members come from every endpoint, host endpoint and
 * network set of the cluster; a change to one of them finds the sets whose selectors may match
 * it through a SelectorIndex and adjusts only those sets' members (counted, since two items may
 * give the same member). Sets exist while some rule references them (`acquire` / `release` by
 * a referrer key); a set that appears is computed from every member at once.
 *
 * A set no rule references any more goes dormant rather than away: it leaves the desired state
 * but keeps its members up to date, so when a policy comes back to the node (its last local pod
 * went and another came: at 100k pods, a selector set can hold every pod) the set is there
 * without a pass over every member. At most MAX_DORMANT wait; the longest unused goes first.
 *
 * One store per IP family: members hold their addresses of that family only (a dual-stack pod
 * is in the IPv4 store with its IPv4 address and in the IPv6 store with its IPv6 one).
 */
import type { Labels, NamedPort } from "../../model/types.js";
import type { IpSet } from "../../render/types.js";
import { normalizeMember } from "../../diff/members.js";
import { sameIpSet } from "./dirty.js";
import type { MemberDelta } from "./types.js";
import { compareEntries, demandEntries, ipSetOf, v4Entries, v6Entries, type Entry } from "../../resolve/ipsets.js";
import { SelectorIndex } from "../../resolve/label-index.js";
import { labelRestrictions } from "../../selector/index.js";
import type { Selector } from "../../selector/index.js";
import type { IpSetDemand } from "../../resolve/rules.js";

export interface MemberInput {
  readonly labels: Labels;
  readonly addresses: readonly string[];
  readonly ports: readonly NamedPort[];
}

interface Member {
  readonly labels: Labels;
  readonly nets: readonly Entry[];
  readonly ports: readonly NamedPort[];
}

interface SetState {
  readonly demand: IpSetDemand;
  readonly refs: Set<string>;
  readonly counts: Map<string, number>;
  sorted: Entry[];
  value: IpSet;
  /** Texts touched in this batch, with whether they were members before it. */
  touched: Map<string, { entry: Entry; was: boolean }> | undefined;
  /** Unreferenced since the end of a batch: kept up to date, but not desired. */
  dormant: boolean;
  /**
   * Since the set left the desired state: the texts touched, with whether they were members
   * then (its value then is what a kernel that kept the set holds), so that waking it gives an
   * exact member delta. Undefined when that point is not known (never desired, or forgotten).
   */
  asleep: Map<string, { entry: Entry; was: boolean }> | undefined;
}

/** Dormant sets kept at most (each costs its members' memory and their updates). */
export const MAX_DORMANT = 64;

export class IpSetStore {
  private readonly members = new Map<string, Member>();
  private readonly sets = new Map<string, SetState>();
  private readonly index = new SelectorIndex<string>();
  /** Sets touched in this batch, with their value before it. */
  private readonly dirty = new Map<string, IpSet | undefined>();
  /** Members by label, kept with them, for computing a set that appears (no rebuild per batch). */
  private readonly forward = new LiveLabelIndex();
  /** An item's addresses of this store's family as set entries (resolve/ipsets.ts, as compile). */
  private readonly entriesOf: (addresses: readonly string[]) => Entry[];

  constructor(ipVersion: 4 | 6 = 4) {
    this.entriesOf = ipVersion === 4 ? v4Entries : v6Entries;
  }

  private count(set: SetState, m: Member, delta: 1 | -1): void {
    for (const e of demandEntries(set.demand, m.nets, m.ports)) {
      const n = set.counts.get(e.text) ?? 0;
      if (set.touched === undefined) set.touched = new Map();
      if (!set.touched.has(e.text)) set.touched.set(e.text, { entry: e, was: n > 0 });
      if (n + delta === 0) set.counts.delete(e.text);
      else set.counts.set(e.text, n + delta);
      this.touch(set.demand.name);
    }
  }

  /** Dormant sets, oldest first (a Map keeps insertion order). */
  private readonly dormant = new Map<string, SetState>();

  /** Records a set's desired value before this batch (undefined: not desired) on first touch. */
  private touch(name: string): void {
    if (!this.dirty.has(name)) this.dirty.set(name, this.visible(this.sets.get(name)));
  }

  private visible(set: SetState | undefined): IpSet | undefined {
    return set === undefined || set.dormant ? undefined : set.value;
  }

  /** An endpoint, host endpoint or network set changed (undefined: absent). */
  updateMember(id: string, before: MemberInput | undefined, after: MemberInput | undefined): void {
    const old = this.members.get(id);
    if (old !== undefined) {
      this.members.delete(id);
      this.forward.remove(old);
      for (const name of this.index.candidates(old.labels)) {
        const set = this.sets.get(name) as SetState;
        if (set.demand.selector.matches(old.labels)) this.count(set, old, -1);
      }
    }
    void before;
    if (after === undefined) return;
    const m: Member = { labels: after.labels, nets: this.entriesOf(after.addresses), ports: after.ports };
    this.members.set(id, m);
    this.forward.add(m);
    for (const name of this.index.candidates(m.labels)) {
      const set = this.sets.get(name) as SetState;
      if (set.demand.selector.matches(m.labels)) this.count(set, m, 1);
    }
  }

  acquire(ref: string, demands: Iterable<IpSetDemand>): void {
    for (const d of demands) {
      const existing = this.sets.get(d.name);
      if (existing !== undefined) {
        if (existing.dormant) {
          this.touch(d.name);
          existing.dormant = false;
          this.dormant.delete(d.name);
        }
        existing.refs.add(ref);
        continue;
      }
      const counts = new Map<string, number>();
      const entries = new Map<string, Entry>();
      for (const m of this.forward.select(d.selector)) {
        for (const e of demandEntries(d, m.nets, m.ports)) {
          counts.set(e.text, (counts.get(e.text) ?? 0) + 1);
          entries.set(e.text, e);
        }
      }
      const sorted = [...entries.values()].sort(compareEntries);
      this.touch(d.name);
      this.sets.set(d.name, { demand: d, refs: new Set([ref]), counts, sorted, value: ipSetOf(d, sorted), touched: undefined, dormant: false, asleep: undefined });
      this.index.add(d.name, d.selector);
    }
  }

  release(ref: string, names: Iterable<string>): void {
    for (const name of names) {
      const set = this.sets.get(name);
      if (set === undefined) continue;
      set.refs.delete(ref);
      if (set.refs.size === 0) this.touch(name);
    }
  }

  /**
   * Ends a batch: unreferenced sets go dormant (the oldest beyond MAX_DORMANT are dropped), members
   * are brought up to date; the names of the desired sets that changed, and the exact member
   * delta of those desired before the batch and still.
   */
  finish(): { names: string[]; members: Map<string, MemberDelta> } {
    const touched = [...this.dirty];
    this.dirty.clear();
    const members = new Map<string, MemberDelta>();
    for (const [name, before] of touched) {
      const set = this.sets.get(name);
      if (set === undefined) continue;
      if (set.refs.size === 0 && !set.dormant) {
        set.dormant = true;
        this.dormant.set(name, set);
        // Leaving the desired state now: count changes from its value before this batch. (Woken
        // and unreferenced again in one batch, it keeps the point it fell asleep at.)
        if (before !== undefined) set.asleep = new Map();
      }
      const woken = !set.dormant && before === undefined && set.asleep !== undefined;
      const { gone, added } = this.advance(set);
      if (woken) {
        // Back in the desired state: its delta from the value it left with.
        const asleep = set.asleep as Map<string, { entry: Entry; was: boolean }>;
        set.asleep = undefined;
        const wake = { added: [] as string[], removed: [] as string[] };
        for (const [text, t] of asleep) {
          const now = set.counts.has(text);
          if (t.was && !now) wake.removed.push(normalizeMember(set.value.type, text));
          else if (!t.was && now) wake.added.push(normalizeMember(set.value.type, text));
        }
        members.set(name, { added: wake.added.sort(), removed: wake.removed.sort() });
      } else if (before !== undefined && !set.dormant && gone.length + added.length > 0) {
        // A set created in this batch has no before to be a delta from; a dormant one no after.
        const canon = (text: string): string => normalizeMember(set.value.type, text);
        members.set(name, { added: added.map((e) => canon(e.text)).sort(), removed: gone.map((e) => canon(e.text)).sort() });
      }
    }
    for (const name of this.dormant.keys()) {
      if (this.dormant.size <= MAX_DORMANT) break;
      this.dormant.delete(name);
      this.sets.delete(name);
      this.index.remove(name);
    }
    // A non-empty delta is a change; comparing the 100k members whole would only confirm it.
    const names = touched.filter(([name, before]) => members.has(name) || !sameIpSet(before, this.visible(this.sets.get(name)))).map(([name]) => name);
    return { names, members };
  }

  /**
   * Brings a set's entries and value up to its counts after a batch's touches; what left and what
   * came in this batch. A sleeping set also remembers the touched texts since it fell asleep.
   */
  private advance(set: SetState): { gone: Entry[]; added: Entry[] } {
    const gone: Entry[] = [];
    const added: Entry[] = [];
    if (set.touched === undefined) return { gone, added };
    for (const [text, t] of set.touched) {
      const now = set.counts.has(text);
      if (t.was && !now) gone.push(t.entry);
      else if (!t.was && now) added.push(t.entry);
      // First touched since it fell asleep: its membership then is its membership before this batch.
      if (set.asleep !== undefined && !set.asleep.has(text)) set.asleep.set(text, t);
    }
    set.touched = undefined;
    if (gone.length === 0 && added.length === 0) return { gone, added };
    added.sort(compareEntries);
    if (gone.length + added.length <= SPLICE_LIMIT) {
      // A few changes to a big set: copy (a memcpy) and splice at binary-searched places,
      // instead of a pass of JS calls over every member. Copies, because the previous desired
      // state (which callers may hold) shares the arrays.
      const sorted = set.sorted.slice();
      const members = set.value.members.slice();
      for (const e of gone) {
        const i = lowerBound(sorted, e);
        if (i < sorted.length && (sorted[i] as Entry).text === e.text) {
          sorted.splice(i, 1);
          members.splice(i, 1);
        }
      }
      for (const e of added) {
        const i = lowerBound(sorted, e);
        sorted.splice(i, 0, e);
        members.splice(i, 0, e.text);
      }
      set.sorted = sorted;
      set.value = { ...set.value, members };
    } else {
      // One pass builds both arrays (entries and their texts) without the gone, with the added.
      const r = mergeDelta(set.sorted, new Set(gone.map((e) => e.text)), added);
      set.sorted = r.sorted;
      set.value = { ...set.value, members: r.members };
    }
    return { gone, added };
  }

  /**
   * Forgets where sleeping sets fell asleep (their next wake-up compares them whole): after a
   * batch was undone, the values they left with may never have reached a kernel.
   */
  forgetSleep(): void {
    for (const set of this.sets.values()) set.asleep = undefined;
  }

  get(name: string): IpSet | undefined {
    return this.visible(this.sets.get(name));
  }

  /** Every desired set, sorted by name. */
  values(): IpSet[] {
    return [...this.sets.values()].flatMap((s) => (s.dormant ? [] : [s.value])).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
}

/** Above this many changes in one batch, a set is rebuilt in one pass rather than spliced. */
const SPLICE_LIMIT = 64;

/** The first index whose entry is not before `e` (entries sorted by compareEntries). */
function lowerBound(sorted: readonly Entry[], e: Entry): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareEntries(sorted[mid] as Entry, e) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** `sorted` without the entries whose text is in `gone`, merged with `added` (sorted); and their texts. */
function mergeDelta(sorted: readonly Entry[], gone: ReadonlySet<string>, added: readonly Entry[]): { sorted: Entry[]; members: string[] } {
  const out: Entry[] = [];
  const members: string[] = [];
  let j = 0;
  for (const e of sorted) {
    if (gone.size > 0 && gone.has(e.text)) continue;
    while (j < added.length && compareEntries(added[j] as Entry, e) < 0) {
      out.push(added[j] as Entry);
      members.push((added[j] as Entry).text);
      j++;
    }
    out.push(e);
    members.push(e.text);
  }
  for (; j < added.length; j++) {
    out.push(added[j] as Entry);
    members.push((added[j] as Entry).text);
  }
  return { sorted: out, members };
}

/**
 * Items by label value, for the label keys some set's selector restricts, kept up to date as
 * items come and go, so a set that appears is computed from the items its selector can match
 * (as resolve/label-index.ts's LabelIndex, which is built once from a fixed list: rebuilding it
 * over 100k members after every batch that changed one was a spike whenever a new set appeared).
 * A key is indexed from the first selector that restricts it (one pass over the items then) and
 * stays: selectors name a handful of keys, while each pod carries a dozen labels with its
 * namespace's and service account's, and indexing every one cost a Set entry per label per pod.
 */
/** A label's value (own keys only: `constructor` is a valid label name). */
const labelOf = (labels: Labels, key: string): string | undefined => (Object.hasOwn(labels, key) ? labels[key] : undefined);

class LiveLabelIndex {
  private readonly all = new Set<Member>();
  private readonly byLabel = new Map<string, Map<string, Set<Member>>>();

  add(m: Member): void {
    this.all.add(m);
    for (const [k, values] of this.byLabel) {
      const v = labelOf(m.labels, k);
      if (v === undefined) continue;
      let set = values.get(v);
      if (set === undefined) values.set(v, (set = new Set()));
      set.add(m);
    }
  }

  remove(m: Member): void {
    this.all.delete(m);
    for (const [k, values] of this.byLabel) {
      const v = labelOf(m.labels, k);
      if (v === undefined) continue;
      const set = values.get(v);
      if (set === undefined) continue;
      set.delete(m);
      if (set.size === 0) values.delete(v);
    }
  }

  /** The items by value of label `key`, indexed on first use. */
  private valuesOf(key: string): Map<string, Set<Member>> {
    let values = this.byLabel.get(key);
    if (values === undefined) {
      this.byLabel.set(key, (values = new Map()));
      for (const m of this.all) {
        const v = labelOf(m.labels, key);
        if (v === undefined) continue;
        let set = values.get(v);
        if (set === undefined) values.set(v, (set = new Set()));
        set.add(m);
      }
    }
    return values;
  }

  /** Every item the selector matches (each once, in no particular order). */
  *select(sel: Selector): Iterable<Member> {
    let best: readonly ReadonlySet<Member>[] = [this.all];
    let bestSize = this.all.size;
    for (const [key, r] of labelRestrictions(sel) ?? []) {
      if (!r.mustBePresent) continue;
      const values = this.valuesOf(key);
      // An item has one value per key, so these lists are disjoint.
      const lists = r.mustHaveOneOf === null ? [...values.values()] : [...new Set(r.mustHaveOneOf)].flatMap((v) => values.get(v) ?? []);
      const size = lists.reduce((n, l) => n + l.size, 0);
      if (size < bestSize) {
        best = lists;
        bestSize = size;
      }
    }
    for (const list of best) for (const m of list) if (sel.matches(m.labels)) yield m;
  }
}
