/**
 * compile(model, { node }): the filter-table chains, hooks and ipsets that enforce every policy
 * on one node's workloads, Felix v3.32 compatible (IPv4). Pure: same model, same bytes.
 */
import type { Model } from "../model/types.js";
import { resolveNode } from "../resolve/resolve.js";
import { renderNodeView } from "./node-view.js";
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
}

export function compile(model: Model, options: CompileOptions): DataplaneState {
  return renderNodeView(resolveNode(model, options.node), options);
}
