/**
 * The filter table of one family, kept piece by piece: the node's own chains (static, dispatch,
 * workload and host endpoint chains, failsafe) and the shared ones (policy, profile and
 * policy-group chains). A shared chain is in the table while some chain in the table jumps to
 * it, as compile() keeps only the referenced ones (render/host-tables.ts withReferenced: a
 * pre-DNAT or untracked policy's chains live in mangle or raw alone). References are counted as
 * Felix's table counts them (felix-dataplane.md §6.3): an own chain counts its targets; a shared
 * chain counts its own targets (a group chain its policy chains) while it is referenced itself,
 * so a change costs the rules of the chains it replaced, not a walk of the table.
 *
 * A forced shared chain (AssumeNeededOnEveryNode) holds a reference of its own, as Felix's
 * ForceProgramming chains refer to themselves.
 *
 * The value of every name before the batch is kept at its first touch, so `finish` names
 * exactly the chains whose content changed.
 */
import type { Chain } from "../../render/types.js";
import { compareStrings } from "../../resolve/ordering.js";
import { sameChain } from "./dirty.js";

/** Policy (`cali-pi-`/`cali-po-`), profile (`cali-pri-`/`cali-pro-`) and policy-group (`cali-gi-`/`cali-go-`) chain names. */
const SHARED_TARGET = /^--(?:jump|goto) (cali-(?:p(?:i|o|ri|ro)|g[io])-\S+)/;

function targets(chain: Chain | undefined): string[] {
  const out: string[] = [];
  for (const r of chain?.rules ?? []) {
    const t = SHARED_TARGET.exec(r.action)?.[1];
    if (t !== undefined) out.push(t);
  }
  return out;
}

export class FilterTable {
  private readonly own = new Map<string, Chain>();
  private readonly shared = new Map<string, Chain>();
  private readonly refs = new Map<string, number>();
  private readonly before = new Map<string, Chain | undefined>();

  /** The chain as the table holds it (a shared chain only while referenced). */
  get(name: string): Chain | undefined {
    return this.own.get(name) ?? ((this.refs.get(name) ?? 0) > 0 ? this.shared.get(name) : undefined);
  }

  getOwn(name: string): Chain | undefined {
    return this.own.get(name);
  }

  getShared(name: string): Chain | undefined {
    return this.shared.get(name);
  }

  private touch(name: string): void {
    if (!this.before.has(name)) this.before.set(name, this.get(name));
  }

  /** One more reference to `t`; a shared chain that enters the table references its own targets. */
  private incref(t: string): void {
    const n = this.refs.get(t) ?? 0;
    if (n === 0) this.touch(t);
    this.refs.set(t, n + 1);
    if (n === 0) for (const c of targets(this.shared.get(t))) this.incref(c);
  }

  private decref(t: string): void {
    const n = (this.refs.get(t) ?? 0) - 1;
    if (n > 0) {
      this.refs.set(t, n);
      return;
    }
    this.touch(t);
    this.refs.delete(t);
    for (const c of targets(this.shared.get(t))) this.decref(c);
  }

  setOwn(name: string, chain: Chain | undefined): void {
    const old = this.own.get(name);
    if (old === chain) return;
    this.touch(name);
    // New references first, so a chain both chains reference does not leave and come back.
    for (const t of targets(chain)) this.incref(t);
    for (const t of targets(old)) this.decref(t);
    if (chain === undefined) this.own.delete(name);
    else this.own.set(name, chain);
  }

  private readonly forced = new Set<string>();

  /** Gives the shared chain `name` a reference of its own (on) or takes it back (off). */
  force(name: string, on: boolean): void {
    if (on === this.forced.has(name)) return;
    this.touch(name);
    const n = (this.refs.get(name) ?? 0) + (on ? 1 : -1);
    if (n === 0) this.refs.delete(name);
    else this.refs.set(name, n);
    if (on) this.forced.add(name);
    else this.forced.delete(name);
  }

  setShared(name: string, chain: Chain | undefined): void {
    this.touch(name);
    const old = this.shared.get(name);
    if (chain === undefined) this.shared.delete(name);
    else this.shared.set(name, chain);
    if ((this.refs.get(name) ?? 0) > 0) {
      for (const t of targets(chain)) this.incref(t);
      for (const t of targets(old)) this.decref(t);
    }
  }
  /** Ends a batch: the names whose content changed, sorted. */
  finish(): string[] {
    const out: string[] = [];
    for (const [name, before] of this.before) if (!sameChain(before, this.get(name))) out.push(name);
    this.before.clear();
    return out.sort(compareStrings);
  }

  /** Every chain of the table, sorted by name. */
  chains(): Chain[] {
    const out = [...this.own.values()];
    for (const [name, c] of this.shared) if ((this.refs.get(name) ?? 0) > 0) out.push(c);
    return out.sort((a, b) => compareStrings(a.name, b.name));
  }
}
