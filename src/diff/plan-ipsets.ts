/**
 * The ipset half of the diff (felix-dataplane.md §5.3, §5.4). Deterministic where Felix is not:
 * sets and members are sorted.
 *
 * - a set that does not exist: `create`, then one `add` per member;
 * - same type, family and maxelem: only the member delta (`del … --exist`, then `add`), so an
 *   unchanged set costs nothing and a new remote pod costs one line;
 * - same type, other family/maxelem: fill a temp set `cali4t<N>` and `swap` it in (rules keep
 *   pointing at the same name); the temp set, now holding the old members, is destroyed after;
 * - another type: the kernel cannot swap sets of different types, so a set no rule references
 *   is destroyed and recreated before; one that is referenced cannot change type in place;
 * - owned sets that are no longer desired are destroyed after iptables stopped using them.
 */
import type { DataplaneState, IpSet } from "../render/types.js";
import type { KernelIpSet, KernelState } from "./kernel-state.js";
import { isOwnedIpSet } from "./kernel-state.js";
import { canonicalMembers, memberSet, type CanonicalMembers } from "./members.js";
import { DiffError } from "./errors.js";

export interface IpsetPlan {
  readonly before: readonly string[];
  readonly after: readonly string[];
  readonly notes: readonly string[];
}

/**
 * `setsInUseNow`: sets any rule of the current filter table matches on (a type change must not
 * destroy them). `setsInUseByForeignRules`: sets that rules policy-compile does not own match on,
 * which will still be in use after the iptables step, so they are not destroyed.
 */
export function planIpsets(
  current: KernelState,
  desired: DataplaneState,
  setsInUseNow: ReadonlySet<string>,
  setsInUseByForeignRules: ReadonlySet<string>,
  /**
   * Known member changes (canonical, sorted, disjoint) for sets whose current members are the
   * previous desired ones: written as given, without comparing the sets whole (the node agent).
   */
  deltas?: ReadonlyMap<string, { readonly added: readonly string[]; readonly removed: readonly string[] }>,
): IpsetPlan {
  const owned = (name: string) => isOwnedIpSet(name, desired.ipVersion);
  const currentSets = new Map(current.ipsets.filter((s) => owned(s.name)).map((s) => [s.name, s]));
  const desiredNames = new Set(desired.ipsets.map((s) => s.name));
  const allNames = new Set([...current.ipsets.map((s) => s.name), ...desiredNames]);
  const tempPrefix = desired.ipVersion === 4 ? "cali4t" : "cali6t";
  let tempCounter = 0;
  const nextTemp = (): string => {
    while (allNames.has(`${tempPrefix}${tempCounter}`)) tempCounter++;
    const name = `${tempPrefix}${tempCounter++}`;
    allNames.add(name);
    return name;
  };

  const before: string[] = [];
  const after: string[] = [];
  const notes: string[] = [];
  for (const set of [...desired.ipsets].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (!owned(set.name)) {
      throw new DiffError(`ipset ${set.name} does not start with ${desired.ipVersion === 4 ? "cali4" : "cali6"}, so policy-compile may not own it`);
    }
    const cur = currentSets.get(set.name);
    // Only a set written whole needs its members sorted; a delta sorts just what changed.
    const all = (): string[] => [...canonicalMembers(set.type, set.members).list].sort();
    if (!cur) {
      before.push(createLine(set.name, set), ...all().map((m) => `add ${set.name} ${m}`));
    } else if (cur.type !== set.type) {
      if (setsInUseNow.has(set.name)) {
        throw new DiffError(
          `ipset ${set.name} is a ${cur.type} set in the kernel but must be ${set.type}; the kernel cannot swap sets of different types while rules use it`,
        );
      }
      before.push(`destroy ${set.name}`, createLine(set.name, set), ...all().map((m) => `add ${set.name} ${m}`));
    } else if (cur.family !== set.family || cur.maxelem !== set.maxelem) {
      const temp = nextTemp();
      before.push(createLine(temp, set), ...all().map((m) => `add ${temp} ${m}`), `swap ${set.name} ${temp}`);
      after.push(`destroy ${temp}`);
    } else {
      const known = deltas?.get(set.name);
      if (known !== undefined) before.push(...known.removed.map((m) => `del ${set.name} ${m} --exist`), ...known.added.map((m) => `add ${set.name} ${m}`));
      else before.push(...memberDelta(cur, set.name, canonicalMembers(set.type, set.members)));
    }
  }
  for (const cur of currentSets.values()) {
    if (desiredNames.has(cur.name)) continue;
    if (setsInUseByForeignRules.has(cur.name)) {
      notes.push(`ipset ${cur.name} is not desired but a rule policy-compile does not own uses it; left in place`);
      continue;
    }
    after.push(`destroy ${cur.name}`);
  }
  return { before, after: after.sort(), notes };
}

function createLine(name: string, set: IpSet): string {
  return `create ${name} ${set.type} family ${set.family} maxelem ${set.maxelem}`;
}

/**
 * `del` the members the kernel has and `want` lacks, `add` the reverse: set lookups only, no
 * sort of the (possibly 100k) unchanged members; an unchanged set costs one pass over `want`.
 */
function memberDelta(cur: KernelIpSet, name: string, want: CanonicalMembers): string[] {
  const have = memberSet(cur.members);
  const added = want.list.filter((m) => !have.has(m)).sort();
  const kept = want.list.length - added.length;
  const removed = kept === have.size ? [] : [...have].filter((m) => !want.set.has(m)).sort();
  return [...removed.map((m) => `del ${name} ${m} --exist`), ...added.map((m) => `add ${name} ${m}`)];
}
