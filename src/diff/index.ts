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
export type { NftKernelState, NftKernelChain, NftKernelRule, NftKernelSet, NftKernelMap } from "./nftables/kernel-state.js";
export { emptyNftKernelState, nftKernelStateOf, nftElement } from "./nftables/kernel-state.js";
export { parseNftJson, hashOfNftComment } from "./nftables/parse-json.js";
export { parseNftScript, NftScriptError } from "./nftables/parse-script.js";
export { diffNft, nftStateAfter, checkNftDesired } from "./nftables/plan.js";
export type { NftTransaction } from "./nftables/transaction.js";
export { isEmptyNftTransaction, nftTransactionInput, formatNftTransaction } from "./nftables/transaction.js";
