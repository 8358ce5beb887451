/**
 * The agent's IPv6 family. The engine keeps the IPv6 state incrementally beside the IPv4 one
 * (AgentEngine.current6: present once IPv6 is in play, and kept from then on, so removing the
 * last IPv6 pod still cleans its rules up); the daemon applies it after each IPv4 step with its
 * own kernel (ip6tables and cali6 sets, or `ip6 calico`). Like IPv4, an update is planned against the agent's view
 * of that family's kernel (the engine's exact `dirty6`), with no read; a converge, the first
 * apply and any apply after a failure read the kernel and diff in full.
 *
 * This class decides when: at every converge, and at an update only when the engine's IPv6 state
 * changed since the last successful apply (the engine hands out a new state object exactly when
 * something in it changed, so identity is the test: no per-batch compile or comparison).
 */
import type { DataplaneState } from "../render/types.js";

export class Ipv6Family {
  /** The state last applied successfully. */
  private last: DataplaneState | null = null;
  private pending: DataplaneState | null = null;
  /** The family's kernel after that apply (null: unknown, read next time). */
  private view: object | null = null;

  /**
   * The IPv6 state to apply now, or undefined when IPv6 is not in play (`state` undefined) or
   * nothing changed since the last successful apply (a converge always gets a state, to repair drift).
   */
  desired(state: DataplaneState | undefined, converge: boolean): DataplaneState | undefined {
    if (state === undefined) return undefined;
    if (!converge && state === this.last) return undefined;
    this.pending = state;
    return state;
  }

  /**
   * The view to plan an update against, when the engine's dirty parts are relative to what is in
   * the kernel: the step started from the state last applied (`before`, identity) and that apply
   * left a known view. Otherwise null: apply with a read.
   */
  planFrom(before: DataplaneState | undefined): object | null {
    return before !== undefined && before === this.last ? this.view : null;
  }

  /** The state `desired` returned is now in the kernel, which is `state` (undefined: not known). */
  applied(state?: object): void {
    this.last = this.pending;
    this.view = state ?? null;
  }

  /** A failed apply: the next call must return a state again, applied with a read. */
  failed(): void {
    this.last = null;
    this.view = null;
  }
}
