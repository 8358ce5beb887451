/**
 * The agent's IPv6 family. The engine keeps the IPv6 state incrementally beside the IPv4 one
 * (AgentEngine.current6: present once IPv6 is in play, and kept from then on, so removing the
 * last IPv6 pod still cleans its rules up); the daemon applies it after each IPv4 step with its
 * own Dataplane (ip6tables, cali6 sets), a read and minimal diff of that family.
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

  /** The state `desired` returned is now in the kernel. */
  applied(): void {
    this.last = this.pending;
  }

  /** A failed apply: the next call must return a state again. */
  failed(): void {
    this.last = null;
  }
}
