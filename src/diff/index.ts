/** The diff stage: reading kernel state and computing minimal transactions. Pure. */
export { diff } from "./diff.js";
export type { DiffOptions } from "./diff.js";
export type { KernelState, KernelChain, KernelRule, KernelIpSet, KernelTable, HookMode } from "./kernel-state.js";
export {
  kernelStateOf,
  emptyKernelState,
  isOwnedChain,
  isOwnedIpSet,
  isKernelChain,
  KERNEL_CHAINS,
  OWNED_CHAIN_PREFIX,
  EXTRA_TABLES,
  TABLE_KERNEL_CHAINS,
} from "./kernel-state.js";
export type { Transaction, Backend } from "./transaction.js";
export { isEmptyTransaction, transactionSize, transactionInputs, transactionIpsets, formatTransaction } from "./transaction.js";
export { parseIptablesSave, printIptablesSave } from "./parse-iptables-save.js";
export { parseIpsetSave, parseIpsetListTerse, printIpsetSave } from "./parse-ipset-save.js";
export type { IpSetHeader } from "./parse-ipset-save.js";
export { normalizeMember, normalizeMembers } from "./members.js";
export { hashOfRuleText, ruleText, ruleTarget, ruleSets } from "./rule-text.js";
export { DiffError, SaveParseError } from "./errors.js";
