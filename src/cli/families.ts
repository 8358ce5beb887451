/**
 * Both IP families of one node, for the commands that talk to a kernel (diff, apply): Felix
 * programs iptables/`cali40` sets and ip6tables/`cali60` sets separately, and so do they. The
 * IPv6 state is compiled when IPv6 is in play (usesIpv6), or on demand (`ipv6()`) when the other
 * side of an offline diff has IPv6.
 */
import { formatDiagnostics } from "../diagnostics/index.js";
import { CompileError, compile, compileNft, usesIpv6, type CompileOptions, type DataplaneState, type EndpointToHostAction, type FailsafeOptions } from "../render/index.js";
import type { NftDataplaneState } from "../render/nftables/types.js";
import type { Model } from "../model/types.js";
import type { CliContext } from "./context.js";
import type { SourceFile } from "../diagnostics/types.js";
import { InputError } from "./io.js";
import { loadOrFail } from "./load.js";
import { hostInterfacesFor, warnHostInterfaces, type HostInterfaceFlagValues } from "./host-interface-flags.js";
import { checkNodeFlag, modelNodes, requireNodeNamed, type NodeFlagValues } from "./node-flags.js";

export interface NodeFamilies {
  readonly v4: DataplaneState;
  /** Present when the inputs use IPv6. */
  readonly v6?: DataplaneState;
  /** The IPv6 state, compiled now if the inputs do not use IPv6 (base chains, no rules of theirs). */
  ipv6(): DataplaneState;
  /** The nodes the inputs' endpoints are on (model/nodes.ts), sorted. */
  readonly nodes: readonly string[];
}

/**
 * The IPv6 state of an input without IPv6: nothing of ours at all (no chain, hook or set), so
 * applying it removes what an earlier IPv6 run left (foreign rules stay; the diff only ever
 * touches owned content) and a later apply finds nothing to check (see Dataplane.holdsOwned).
 */
export const NO_IPV6: DataplaneState = { kind: "DataplaneState", ipVersion: 6, chains: [], hooks: [], ipsets: [] };

/**
 * The states apply and diff --live bring the kernel to: IPv4, and IPv6 when the input uses it or
 * when the kernel still holds IPv6 state of ours (then NO_IPV6, to clean it up).
 */
export async function liveStates(families: NodeFamilies, holdsOwnedIpv6: () => Promise<boolean>): Promise<DataplaneState[]> {
  if (families.v6) return [families.v4, families.v6];
  return (await holdsOwnedIpv6()) ? [families.v4, NO_IPV6] : [families.v4];
}

/**
 * `hosts`: the --host-interface flag, and whether the kernel's interfaces stand in without it
 * (apply, diff --live). `nodeFlags.node` must be named by the inputs (PC3050) unless
 * `--allow-empty-node` or `checkNode: false` (an offline diff checks both versions together).
 */
export async function compileFamiliesOrFail(
  paths: readonly string[],
  nodeFlags: NodeFlagValues & { readonly command: string; readonly checkNode?: boolean },
  endpointToHostAction: EndpointToHostAction,
  ctx: CliContext,
  failsafe?: FailsafeOptions,
  hosts?: { readonly flags: HostInterfaceFlagValues; readonly fromKernel: boolean },
): Promise<NodeFamilies & { readonly sources: readonly SourceFile[] }> {
  const { model, sources, nodes, compileFamily } = await loadForNode(paths, nodeFlags, endpointToHostAction, ctx, failsafe, hosts, compile);
  const v4 = compileFamily(4);
  const v6 = usesIpv6(model) ? compileFamily(6) : undefined;
  return { v4, ...(v6 && { v6 }), ipv6: () => v6 ?? compileFamily(6), nodes, sources };
}

/** The nftables tables of the node (`ip calico`, and `ip6 calico` when IPv6 is in play), as compileFamiliesOrFail. */
export async function compileNftFamiliesOrFail(
  paths: readonly string[],
  nodeFlags: NodeFlagValues & { readonly command: string; readonly checkNode?: boolean },
  endpointToHostAction: EndpointToHostAction,
  ctx: CliContext,
  failsafe?: FailsafeOptions,
  hosts?: { readonly flags: HostInterfaceFlagValues; readonly fromKernel: boolean },
): Promise<{ readonly states: readonly NftDataplaneState[]; readonly nodes: readonly string[]; readonly sources: readonly SourceFile[] }> {
  const { model, sources, nodes, compileFamily } = await loadForNode(paths, nodeFlags, endpointToHostAction, ctx, failsafe, hosts, compileNft);
  return { states: usesIpv6(model) ? [compileFamily(4), compileFamily(6)] : [compileFamily(4)], nodes, sources };
}

/** Load, check the node, find host interfaces; a compile of one family that turns CompileError into located diagnostics. */
async function loadForNode<T>(
  paths: readonly string[],
  nodeFlags: NodeFlagValues & { readonly command: string; readonly checkNode?: boolean },
  endpointToHostAction: EndpointToHostAction,
  ctx: CliContext,
  failsafe: FailsafeOptions | undefined,
  hosts: { readonly flags: HostInterfaceFlagValues; readonly fromKernel: boolean } | undefined,
  render: (model: Model, options: CompileOptions) => T,
): Promise<{ model: Model; sources: readonly SourceFile[]; nodes: readonly string[]; compileFamily: (ipVersion: 4 | 6) => T }> {
  const { node } = nodeFlags;
  checkNodeFlag(nodeFlags.command, node);
  const { model, sources } = await loadOrFail(paths, ctx);
  const nodes = modelNodes(model);
  if (nodeFlags.checkNode !== false) requireNodeNamed(nodeFlags, nodes, sources);
  const hostInterfaces = hosts ? await hostInterfacesFor(hosts.flags, model, node, hosts.fromKernel) : undefined;
  warnHostInterfaces(model, node, hostInterfaces, sources, ctx);
  const compileFamily = (ipVersion: 4 | 6): T => {
    try {
      return render(model, { node, endpointToHostAction, ipVersion, ...(failsafe && { failsafe }), ...(hostInterfaces && { hostInterfaces }) });
    } catch (e) {
      if (e instanceof CompileError) throw new InputError(formatDiagnostics(e.diagnostics, sources));
      throw e;
    }
  };
  return { model, sources, nodes, compileFamily };
}
