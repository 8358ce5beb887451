/**
 * compile(model, { node }): the filter-table chains, hooks and ipsets that enforce every policy
 * on one node's workloads and host endpoints, Felix v3.32 compatible (IPv4); with host endpoints
 * also the mangle and raw tables. Pure: same model, same bytes.
 */
import type { Model } from "../model/types.js";
import { resolveNode } from "../resolve/resolve.js";
import { renderNodeView } from "./node-view.js";
import type { FailsafeOptions } from "./failsafe.js";
import type { EndpointToHostAction } from "./static-chains.js";
import type { DataplaneState } from "./types.js";

export interface CompileOptions {
  /** The node whose workloads are programmed (Pod spec.nodeName / WorkloadEndpoint spec.node). */
  readonly node: string;
  /**
   * What happens to workload → host traffic after the workload's egress policy allowed it
   * (Felix's DefaultEndpointToHostAction). Default ACCEPT, as Calico's Kubernetes manifests set it
   * (Felix's own default is DROP).
   */
  readonly endpointToHostAction?: EndpointToHostAction;
  /**
   * Host endpoint failsafe ports, which no policy can block (Felix's FailsafeInboundHostPorts /
   * FailsafeOutboundHostPorts). Default: Felix's lists (DEFAULT_FAILSAFE_INBOUND/OUTBOUND).
   * An empty list turns that direction's failsafe rules off.
   */
  readonly failsafe?: FailsafeOptions;
}

export function compile(model: Model, options: CompileOptions): DataplaneState {
  return renderNodeView(resolveNode(model, options.node), options);
}
