/** The dataplane stage: the only code that runs programs (iptables, ipset) — through execa. */
export { Dataplane } from "./dataplane.js";
export type { DataplaneOptions, ApplyResult, PlannedApplyResult } from "./dataplane.js";
export { kernelStateAfter } from "./expected.js";
export { detectBackend } from "./backend.js";
export type { BackendDetection, DetectOptions } from "./backend.js";
export { binariesFor } from "./binaries.js";
export type { Binaries, BinaryOverrides } from "./binaries.js";
export { execaRunner } from "./runner.js";
export type { CommandRunner, CommandResult } from "./runner.js";
export { DataplaneError, describeFailure } from "./errors.js";
export type { ApplyStep, StepFailure } from "./errors.js";
export { readHostInterfaces, parseIpAddrJson, HostInterfaceReadError } from "./interfaces.js";
export { NftDataplane } from "./nftables.js";
export type { NftDataplaneOptions, NftApplyResult, NftPlannedResult } from "./nftables.js";
export { detectDataplane } from "./dataplane-mode.js";
export type { DataplaneKind, DataplaneDetection } from "./dataplane-mode.js";
