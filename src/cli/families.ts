/**
 * Both IP families of one node, for the commands that talk to a kernel (diff, apply): Felix
 * programs iptables/`cali40` sets and ip6tables/`cali60` sets separately, and so do they. The
 * IPv6 state is compiled when IPv6 is in play (usesIpv6), or on demand (`ipv6()`) when the other
 * side of an offline diff has IPv6.
 */
import { formatDiagnostics } from "../diagnostics/index.js";
import { CompileError, compile, usesIpv6, type DataplaneState, type EndpointToHostAction, type FailsafeOptions } from "../render/index.js";
import type { CliContext } from "./context.js";
import { InputError, UsageError } from "./io.js";
import { loadOrFail } from "./load.js";

export interface NodeFamilies {
  readonly v4: DataplaneState;
  /** Present when the inputs use IPv6. */
  readonly v6?: DataplaneState;
  /** The IPv6 state, compiled now if the inputs do not use IPv6 (base chains, no rules of theirs). */
  ipv6(): DataplaneState;
}

export async function compileFamiliesOrFail(paths: readonly string[], node: string, endpointToHostAction: EndpointToHostAction, ctx: CliContext, failsafe?: FailsafeOptions): Promise<NodeFamilies> {
  if (node.trim() === "") throw new UsageError("policy-compile: --node must not be empty");
  const { model, sources } = await loadOrFail(paths, ctx);
  const compileFamily = (ipVersion: 4 | 6): DataplaneState => {
    try {
      return compile(model, { node, endpointToHostAction, ipVersion, ...(failsafe && { failsafe }) });
    } catch (e) {
      if (e instanceof CompileError) throw new InputError(formatDiagnostics(e.diagnostics, sources));
      throw e;
    }
  };
  const v4 = compileFamily(4);
  const v6 = usesIpv6(model) ? compileFamily(6) : undefined;
  return { v4, ...(v6 && { v6 }), ipv6: () => v6 ?? compileFamily(6) };
}
