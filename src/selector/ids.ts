/**
 * Selector ids and the ipset names derived from them (selector.md §7). Calico's
 * `hash.MakeUniqueID(prefix, content)` is `prefix + ":" + base64url-nopad(SHA-224(prefix + ":" +
 * content))`; ids are always 40 characters. WebCrypto has no SHA-224, so this uses node:crypto.
 */
import { createHash } from "node:crypto";

function makeUniqueId(prefix: string, content: string): string {
  const tagged = `${prefix}:${content}`;
  return `${prefix}:${createHash("sha224").update(tagged, "utf8").digest("base64url")}`;
}

/** `s:` + base64url(SHA-224("s:" + canonical)): Calico's `Selector.UniqueID()`. */
export function selectorId(canonical: string): string {
  return makeUniqueId("s", canonical);
}

export type NamedPortProtocol = "tcp" | "udp" | "sctp" | "any";

/**
 * The id of the ipset holding `<ip>,<proto>:<port>` members for a named port of the endpoints a
 * selector matches (felix `ipsets.IPSetIDForNamedPort`-style naming, §7.1).
 */
export function namedPortIpSetId(selectorId: string, protocol: NamedPortProtocol, portName: string): string {
  return makeUniqueId("n", `${selectorId},${protocol},${portName}`);
}

/** Maximum length of an ipset name in the kernel (IPSET_MAXNAMELEN - 1). */
const IPSET_NAME_MAX = 31;

/** `cali40` / `cali60` + id, truncated to 31 bytes: the kernel name of a selector's ipset. */
export function selectorIpSetName(id: string, ipVersion: 4 | 6): string {
  return `cali${ipVersion}0${id}`.slice(0, IPSET_NAME_MAX);
}
