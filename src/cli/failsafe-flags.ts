/**
 * `--failsafe-inbound LIST` / `--failsafe-outbound LIST`: the host endpoint failsafe ports, in
 * exactly the syntax Felix reads for FELIX_FAILSAFEINBOUNDHOSTPORTS / ..OUTBOUNDHOSTPORTS
 * (its `port-list` parameter): comma-separated entries `port`, `proto:port`, `proto:net:port`,
 * where proto is tcp or udp (any case; tcp when left out; Felix's string form has no sctp) and
 * net an IP or CIDR of either family. An IPv6 net, having colons of its own, is written in
 * brackets anywhere in the entry (`tcp:[fd00::/8]:22`, also `[fd00::/8]:22`); Felix accepts an
 * IPv4 net in brackets too. The whole value `none` (any case) turns the direction off; empty
 * entries are skipped; without the flag Felix's default list applies.
 *
 * What Felix refuses is refused here (PC3070, naming the flag and the entry; a usage error, exit
 * 2, as every bad flag); the one case
 * Felix does not refuse but crashes on (a `[` with no `]:` after it) is refused as well.
 */
import { Option } from "commander";
import { parseCidr, formatCidr } from "../model/cidr.js";
import type { FailsafeOptions, FailsafePort } from "../render/index.js";
import { UsageError } from "./io.js";

export interface FailsafeFlagValues {
  readonly failsafeInbound?: string;
  readonly failsafeOutbound?: string;
}

const EXPECTED = "expected [tcp|udp:][NET:]PORT with PORT 0..65535, an IPv6 NET in brackets, e.g. tcp:22, udp:10.0.0.0/8:68, tcp:[fd00::/8]:22 (or none)";

/** One direction's list; throws a located exit-1 error (PC3070) naming the flag and the entry. */
export function parseFailsafeList(text: string, flag: string): FailsafePort[] {
  if (text.toLowerCase() === "none") return [];
  const out: FailsafePort[] = [];
  text.split(",").forEach((raw, i) => {
    // Felix trims spaces (only spaces) around each entry and skips empty ones.
    let entry = raw.replace(/^ +| +$/g, "");
    const shown = entry;
    const fail = (why: string): never => {
      throw new UsageError(`error[PC3070]: ${flag} ${JSON.stringify(text)}: entry ${i + 1} ${JSON.stringify(shown)}: ${why}; ${EXPECTED}`);
    };
    if (entry === "") return;
    let netText = "";
    if (entry.includes("[") && entry.includes("]")) {
      // The bracketed net is cut out with the `]:` after it; the rest is parsed as usual.
      const open = entry.indexOf("[");
      const close = entry.indexOf("]:");
      if (close < open) fail("a bracketed net must be followed by ':' (\"[NET]:\")");
      netText = entry.slice(open + 1, close);
      entry = entry.slice(0, open) + entry.slice(close + 2);
    }
    const parts = entry.split(":");
    if (parts.length > 3) fail("too many ':' (an IPv6 net goes in brackets)");
    let protocol = "tcp";
    let portText = entry;
    if (parts.length === 3) [protocol, netText, portText] = [parts[0]!.toLowerCase(), parts[1]!, parts[2]!];
    if (parts.length === 2) [protocol, portText] = [parts[0]!.toLowerCase(), parts[1]!];
    if (protocol !== "tcp" && protocol !== "udp") fail(`unknown protocol ${JSON.stringify(protocol)} (tcp or udp)`);
    // Go's strconv.Atoi: decimal digits with an optional sign.
    if (!/^[+-]?\d+$/.test(portText)) fail(`port ${JSON.stringify(portText)} is not an integer`);
    const port = Number(portText);
    if (port < 0 || port > 65535) fail(`port ${portText} is not in 0..65535`);
    let net: string | undefined;
    if (netText !== "") {
      const c = parseCidr(netText, true);
      if (!c) fail(`${JSON.stringify(netText)} is not an IP or CIDR`);
      else net = formatCidr(c); // Felix keeps the network's canonical form (host bits cleared)
    }
    out.push({ protocol: protocol as FailsafePort["protocol"], port: Math.abs(port), ...(net !== undefined && { net }) });
  });
  return out;
}

/** The two options, for every command that compiles. */
export const failsafeInboundOption = (): Option =>
  new Option("--failsafe-inbound <list>", "host endpoint failsafe inbound ports, Felix's format: tcp:22,udp:68,tcp:10.0.0.0/8:179,tcp:[fd00::/8]:22 (none: off; default Felix's list)");
export const failsafeOutboundOption = (): Option =>
  new Option("--failsafe-outbound <list>", "host endpoint failsafe outbound ports, same format (none: off; default Felix's list)");

/** CompileOptions.failsafe from the flags; undefined when neither is given (Felix's defaults). */
export function failsafeFromFlags(o: FailsafeFlagValues): FailsafeOptions | undefined {
  if (o.failsafeInbound === undefined && o.failsafeOutbound === undefined) return undefined;
  return {
    ...(o.failsafeInbound !== undefined && { inbound: parseFailsafeList(o.failsafeInbound, "--failsafe-inbound") }),
    ...(o.failsafeOutbound !== undefined && { outbound: parseFailsafeList(o.failsafeOutbound, "--failsafe-outbound") }),
  };
}
