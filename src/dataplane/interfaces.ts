/**
 * The host interfaces of the current network namespace and their addresses, as Felix's interface
 * monitor sees them: `ip -j addr show`, parsed with zod. Which of them are host interfaces (not
 * `cali*` workloads, not kube-ipvs0) is the resolver's business (resolve/host-interfaces.ts).
 */
import { z } from "zod";
import type { HostInterface } from "../resolve/host-interfaces.js";
import { execaRunner, type CommandRunner } from "./runner.js";

const IpAddrShow = z.array(
  z.object({
    ifname: z.string(),
    addr_info: z.array(z.object({ family: z.string(), local: z.string().optional() }).passthrough()).default([]),
  }).passthrough(),
);

export class HostInterfaceReadError extends Error {}

/** Parses `ip -j addr show` output; sorted by name, addresses without prefix length, deduplicated. */
export function parseIpAddrJson(text: string): HostInterface[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new HostInterfaceReadError(`ip -j addr show printed no JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  const parsed = IpAddrShow.safeParse(json);
  if (!parsed.success) throw new HostInterfaceReadError(`ip -j addr show: unexpected JSON: ${parsed.error.issues[0]?.message ?? ""} at ${parsed.error.issues[0]?.path.join(".") ?? ""}`);
  return parsed.data
    .map((l) => ({
      name: l.ifname,
      addresses: [...new Set(l.addr_info.filter((a) => (a.family === "inet" || a.family === "inet6") && a.local !== undefined).map((a) => a.local as string))].sort(),
    }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export async function readHostInterfaces(runner: CommandRunner = execaRunner): Promise<HostInterface[]> {
  const r = await runner("ip", ["-j", "addr", "show"]);
  if (r.exitCode !== 0) throw new HostInterfaceReadError(`ip -j addr show failed (exit ${r.exitCode}): ${r.stderr.trim()}`);
  return parseIpAddrJson(r.stdout);
}
