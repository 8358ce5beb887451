/**
 * Workload dispatch chains (felix-dataplane.md §1.3). Each rule `--goto`s the endpoint chain for
 * one interface; the chain ends in a fail-closed "Unknown interface" DROP, so a `cali*` veth the
 * compiler does not know gets no traffic. With many endpoints Felix builds a one-level tree: the
 * names are binned by the character after their longest common prefix, and a bin with more than
 * one name gets a child chain `<root>-<char>` (with its own copy of the DROP).
 */
import { DROP, goto, irChain, rule, type IrChain, type IrRule } from "./chain.js";
import { ChainName, IR_NAME, endpointChainName } from "./names.js";
import { safeInterfaceName } from "./safe-token.js";

function commonPrefix(names: readonly string[]): string {
  const first = names[0];
  if (first === undefined) return "";
  let len = first.length;
  for (const n of names) {
    let i = 0;
    while (i < len && i < n.length && n[i] === first[i]) i++;
    len = i;
  }
  return first.slice(0, len);
}

/** Sorted, de-duplicated names binned by their first character after the common prefix. */
export function dispatchBins(interfaceNames: readonly string[]): { prefix: string; bins: [string, string[]][] } {
  const names = [...new Set(interfaceNames)].sort();
  const prefix = commonPrefix(names);
  const bins = new Map<string, string[]>();
  for (const name of names) {
    const key = name.length > prefix.length ? name.slice(0, prefix.length + 1) : prefix;
    const bin = bins.get(key);
    if (bin) bin.push(name);
    else bins.set(key, [name]);
  }
  return { prefix, bins: [...bins.entries()] };
}

/** The fail-closed end of every workload dispatch chain (both dataplanes). */
export const unknownInterfaceDrop = (): IrRule => rule([], DROP, ["Unknown interface"]);

function dispatchTree(root: string, direction: "ingress" | "egress", interfaceNames: readonly string[]): IrChain[] {
  const iface = direction === "egress" ? "in" : "out";
  return interfaceTree(root, iface, interfaceNames, (name) => endpointChainName(direction, name, IR_NAME), [unknownInterfaceDrop()]);
}

/**
 * Felix's `buildSingleDispatchChains`: a `--goto` per interface, binned into a one-level tree;
 * `endRules` end the root and every child chain.
 */
export function interfaceTree(
  root: string,
  iface: "in" | "out",
  interfaceNames: readonly string[],
  chainFor: (name: string) => string,
  endRules: readonly IrRule[],
): IrChain[] {
  const toEndpoint = (name: string): IrRule => rule({ kind: "interface", dir: iface, name: safeInterfaceName(name) }, goto(chainFor(name)));
  const { prefix, bins } = dispatchBins(interfaceNames);
  const rootRules: IrRule[] = [];
  const children: IrChain[] = [];
  for (const [key, names] of bins) {
    if (names.length === 1) {
      rootRules.push(toEndpoint(names[0] as string));
      continue;
    }
    const child = `${root}-${key.slice(prefix.length)}`;
    rootRules.push(rule({ kind: "interface", dir: iface, name: key, wildcard: true }, goto(child)));
    children.push(irChain(child, [...names.map(toEndpoint), ...endRules]));
  }
  return [irChain(root, [...rootRules, ...endRules]), ...children];
}

/** `cali-from-wl-dispatch[-X]` (egress, by input interface) and `cali-to-wl-dispatch[-X]`. */
export function workloadDispatchChains(interfaceNames: readonly string[]): IrChain[] {
  return [
    ...dispatchTree(ChainName.fromWorkloadDispatch, "egress", interfaceNames),
    ...dispatchTree(ChainName.toWorkloadDispatch, "ingress", interfaceNames),
  ];
}
