/**
 * Trace stage: the compiled DataplaneState interpreted as the kernel runs it. One packet
 * (tracePacket), one flow across nodes with the rules that decided (explainFlow), every pod pair
 * (reachabilityMatrix).
 */
import type { DataplaneState } from "../render/types.js";
import type { RuleOrigins } from "../render/origins.js";
import type { Packet, PacketTrace } from "./types.js";
import { tracerFor, type TraceOptions } from "./walk.js";

export { TraceError } from "./errors.js";
export {
  EPHEMERAL_SOURCE_PORT,
  FlowTracer,
  UPLINK_INTERFACE,
  explainFlow,
  packetFor,
  type Decision,
  type ExplainOptions,
  type Flow,
  type FlowExplanation,
  type FlowPeer,
  type Hop,
  type NftCompiler,
  type TraceDataplane,
} from "./explain.js";
export { NftTracer, nftTracerFor } from "./nft-program.js";
export type { CompiledChain, CompiledRule, Stage, TraceProgram } from "./engine.js";
export type { TableWalk, TraceOptions } from "./walk.js";
export { traceHostPath, traceProgramPath, type HostPath, type HostPathTrace, type TableTrace } from "./host-path.js";
export {
  matrixChanges,
  reachabilityMatrix,
  type Matrix,
  type MatrixChange,
  type MatrixOptions,
  type MatrixPair,
  type Probe,
} from "./matrix.js";
export { matrixJsonChunks, matrixTextChunks, renderMatrixText, stagedChangeJson, stagedChangesText, stagedMatrixHeader, stagedMatrixJsonChunks } from "./matrix-render.js";
export { DEFAULT_MAX_CLASSES, DEFAULT_MAX_PODS, PAIR_STATES, REVIEW_SLOTS, buildMatrixView, type CellState, type MatrixView, type MatrixViewGrid, type MatrixViewInput, type MatrixViewLevel, type MatrixViewMember, type MatrixViewSection, type PairState, type WalkRequest } from "./matrix-view.js";
export { escapeHtml, renderMatrixHtml, scriptSafeJson } from "./matrix-html.js";
export { StagedTracer, stagedChanges, stagedMatrix, stagedRefText, type StagedChange, type StagedExplanation, type StagedMatrix, type StagedPair, type StagedRef } from "./staged.js";
export { mergePortRanges, nftSourcePortRanges, rangeOf, sourcePortRanges, type PortRange } from "./source-ports.js";
export type {
  EndpointDecision,
  Packet,
  PacketTrace,
  RuleOrigin,
  RuleOrigins,
  TraceDirection,
  TraceProtocol,
  TraceStep,
  Verdict,
} from "./types.js";

/** Walk one packet through one compiled state. Pure (compiled rules are cached per state). */
export function tracePacket(state: DataplaneState, packet: Packet, origins?: RuleOrigins, options?: TraceOptions): PacketTrace {
  return tracerFor(state, origins).trace(packet, options);
}
