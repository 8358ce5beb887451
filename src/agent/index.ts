/**
 * The node agent: the incremental engine (engine/, pure), the daemon that feeds it from sources
 * and applies its output through the Dataplane, and the sources (a watched directory, etcd).
 */
export { AgentEngine, diffDirty, dirtyBetween } from "./engine/index.js";
export type { Dirty, EngineOptions, EngineUpdate, SourceChange } from "./engine/index.js";
export { AgentDaemon } from "./daemon.js";
export type { DaemonObserver, DaemonOptions, DataplanePort, ProgrammedCounts, ResyncReason } from "./daemon.js";
export { AgentMetrics } from "./metrics.js";
export { agentHealth, healthTable } from "./health.js";
export type { AgentHealth, HealthComponent, HealthInputs } from "./health.js";
export type { Engine, DiffDirty } from "./contract.js";
export { DirectorySource } from "./sources/directory.js";
export { EtcdSource } from "./sources/etcd.js";
export type { EtcdSourceOptions } from "./sources/etcd.js";
export { classifyKey, keyMismatch, CALICO_RESOURCE_ROOT } from "./sources/calico-keys.js";
export type { KeyVerdict } from "./sources/calico-keys.js";
export type { Source, SourceSink, SourceStatus } from "./sources/types.js";
export { jsonLinesLogger, summarizeTransaction } from "./log.js";
export type { LogEntry, Logger, LogLevel, TransactionSummary } from "./log.js";
export type { AgentStatus, StepRecord } from "./status.js";
export { realClock } from "./clock.js";
export type { Clock } from "./clock.js";
