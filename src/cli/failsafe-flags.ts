/**
 * `--failsafe-inbound LIST` / `--failsafe-outbound LIST`: the host endpoint failsafe ports, in
 * the format of Felix's FailsafeInboundHostPorts / FailsafeOutboundHostPorts: comma-separated
 * `[protocol:][net:]port` entries (protocol tcp, udp or sctp, tcp when left out; net an IPv4
 * CIDR, or an IPv6 CIDR in brackets, `tcp:[fd00::/8]:22`, since IPv6 text has colons of its
 * own). `none` or an empty list turns that direction's failsafe rules off; without the flag
 * Felix's default list applies.
 */
import { Option } from "commander";
import { parseCidr, formatCidr } from "../model/cidr.js";
import type { FailsafeOptions, FailsafePort } from "../render/index.js";
import { InputError } from "./io.js";

export interface FailsafeFlagValues {
  readonly failsafeInbound?: string;
  readonly failsafeOutbound?: string;
}

const ENTRY = /^(?:([A-Za-z]+):)?(?:(\[[^\]]*\]|[0-9.]+\/\d+|[0-9.]+):)?([^:]*)$/;

/** One direction's list; throws a located exit-1 error (PC3070) naming the flag and the entry. */
export function parseFailsafeList(text: string, flag: string): FailsafePort[] {
  const trimmed = text.trim();
  if (trimmed === "" || trimmed.toLowerCase() === "none") return [];
  const out: FailsafePort[] = [];
  const entries = text.split(",");
  entries.forEach((raw, i) => {
    const entry = raw.trim();
    const fail = (why: string): never => {
      throw new InputError(`error[PC3070]: ${flag} ${JSON.stringify(text)}: entry ${i + 1} ${JSON.stringify(entry)}: ${why}; expected [tcp|udp|sctp:][CIDR:]PORT, e.g. tcp:22 or udp:10.0.0.0/8:68 or tcp:[fd00::/8]:22 (or none)`);
    };
    if (entry === "") return; // Felix skips empty entries (a trailing comma)
    const m = ENTRY.exec(entry);
    if (!m) return fail("too many ':' (an IPv6 CIDR goes in brackets)");
    const protocol = (m[1] ?? "tcp").toLowerCase();
    if (protocol !== "tcp" && protocol !== "udp" && protocol !== "sctp") fail(`protocol ${m[1] as string} is not tcp, udp or sctp`);
    const portText = m[3] as string;
    if (!/^\d+$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535) fail(`port ${JSON.stringify(portText)} is not 1..65535`);
    let net: string | undefined;
    if (m[2] !== undefined) {
      const bracketed = m[2].startsWith("[");
      const cidrText = bracketed ? m[2].slice(1, -1) : m[2];
      const c = parseCidr(cidrText, true);
      if (!c) fail(`${cidrText} is not a CIDR`);
      else if (bracketed !== (c.version === 6)) fail(bracketed ? `${cidrText} in brackets is not an IPv6 CIDR` : `${cidrText}: an IPv6 CIDR goes in brackets`);
      else net = formatCidr(c);
    }
    out.push({ protocol: protocol as FailsafePort["protocol"], port: Number(portText), ...(net !== undefined && { net }) });
  });
  return out;
}

/** The two options, for every command that compiles. */
export const failsafeInboundOption = (): Option =>
  new Option("--failsafe-inbound <list>", "host endpoint failsafe inbound ports, Felix's format: tcp:22,udp:68,tcp:10.0.0.0/8:179 (none: off; default Felix's list)");
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
