/**
 * What an nft rule body refers to: chains by `jump`/`goto`, sets and maps by `@name`
 * (felix-nftables.md §3.4, §5.4, §6.1). nft checks these as each command runs (§10 pitfalls 7
 * and 8), so the diff orders its lines by them, and refuses a desired state that names what it
 * does not define.
 */
const CHAIN_REF = /(?:^| )(?:jump|goto) ([^\s;{}"]+)/g;
const SET_REF = /@([A-Za-z0-9_./:*-]+)/g;

export function nftRuleChains(body: string): string[] {
  return [...body.matchAll(CHAIN_REF)].map((m) => m[1] as string);
}

/** Sets and maps (one namespace for `@`: nft resolves `@x` to a set or map named x). */
export function nftRuleSets(body: string): string[] {
  // A comment or log prefix is quoted and may hold an `@`: only the unquoted text refers.
  return [...body.replace(/"[^"]*"/g, '""').matchAll(SET_REF)].map((m) => m[1] as string);
}

/** The chain a map element's verdict names (`goto X`, `jump X`), or null (`return`…). */
export function verdictChain(verdict: string): string | null {
  const m = /^(?:goto|jump) (\S+)$/.exec(verdict);
  return m ? (m[1] as string) : null;
}
