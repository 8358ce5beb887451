/**
 * The agent's IPv6 family. The engine follows the IPv4 state incrementally; the IPv6 state is
 * recomputed whole (compile(model, node, { ipVersion: 6 }) over the engine's model) and applied
 * with a full read and minimal diff by its own Dataplane (ip6tables, cali6 sets). Simpler than a
 * second incremental engine, at the price of a model rebuild per batch while IPv6 is in play.
 *
 * "In play" is checked cheaply: at every converge, and at an update whose changed texts could
 * hold an IPv6 address or IPv6-only rule (a `x:y:` pattern, `ICMPv6`, `ipVersion`). Once IPv6
 * was in play the family stays on, so removing the last IPv6 pod still cleans its rules up.
 */
import type { Model } from "../model/types.js";
import { compile, usesIpv6 } from "../render/compile.js";
import type { EndpointToHostAction } from "../render/static-chains.js";
import type { FailsafeOptions } from "../render/failsafe.js";
import type { DataplaneState } from "../render/types.js";
import type { SourceChange } from "./engine/types.js";
import type { HostInterface } from "../resolve/host-interfaces.js";

const MAYBE_IPV6 = /[0-9A-Fa-f]:[0-9A-Fa-f]*:|ICMPv6|ipVersion/;

export class Ipv6Family {
  private inPlay = false;
  /** Restore-relevant identity of the last applied state, to skip re-applying an unchanged one. */
  private lastKey: string | null = null;
  private pendingKey: string | null = null;

  constructor(
    private readonly node: string,
    private readonly endpointToHostAction: EndpointToHostAction,
    private readonly failsafe?: FailsafeOptions,
    /** The node's interfaces as the engine has them last (expectedIPs-only host endpoints). */
    private readonly hostInterfaces: () => readonly HostInterface[] | undefined = () => undefined,
  ) {}

  /**
   * The IPv6 state to apply now, or undefined when IPv6 is not in play or nothing changed since
   * the last successful apply (a converge always gets a state, to repair drift).
   */
  desired(model: () => Model, changes: readonly SourceChange[], converge: boolean): DataplaneState | undefined {
    if (!this.inPlay && !converge && !changes.some((c) => c.kind === "put" && MAYBE_IPV6.test(c.text))) return undefined;
    const m = model();
    if (!this.inPlay && !usesIpv6(m)) return undefined;
    this.inPlay = true;
    const hostInterfaces = this.hostInterfaces();
    const state = compile(m, { node: this.node, endpointToHostAction: this.endpointToHostAction, ipVersion: 6, ...(this.failsafe && { failsafe: this.failsafe }), ...(hostInterfaces && { hostInterfaces }) });
    const key = JSON.stringify(state);
    if (!converge && key === this.lastKey) return undefined;
    this.pendingKey = key;
    return state;
  }

  /** The state `desired` returned is now in the kernel. */
  applied(): void {
    this.lastKey = this.pendingKey;
  }

  /** A failed apply: the next call must return a state again. */
  failed(): void {
    this.lastKey = null;
  }
}
