/**
 * `--host-interface NAME=IP[,IP...]` (repeatable): the node's interfaces and their addresses,
 * which place host endpoints that give only expectedIPs (Felix finds their interface at run
 * time; compile is offline). `apply` and `diff --live` read the kernel's own interfaces instead
 * when the flag is not given (what Felix does on the node); the flag overrides that.
 */
import { Option } from "commander";
import { formatDiagnostics } from "../diagnostics/index.js";
import type { SourceFile } from "../diagnostics/types.js";
import { parseCidr } from "../model/cidr.js";
import type { Model } from "../model/types.js";
import { resolveHostInterfaces, type HostInterface } from "../resolve/index.js";
import { HostInterfaceReadError, readHostInterfaces } from "../dataplane/index.js";
import type { CliContext } from "./context.js";
import { InputError } from "./io.js";

export interface HostInterfaceFlagValues {
  readonly hostInterface?: readonly string[];
}

const NAME = /^[A-Za-z0-9_.:@-]{1,15}$/;

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

export const hostInterfaceOption = (): Option =>
  new Option("--host-interface <NAME=IP[,IP...]>", "a host interface of the node and its addresses, for host endpoints with only expectedIPs (repeatable)").argParser(collect);

/** The flag values as interfaces; a bad value is an exit-1 error (PC3044) naming it. */
export function parseHostInterfaces(values: readonly string[]): HostInterface[] {
  const seen = new Set<string>();
  return values.map((value, i) => {
    const fail = (why: string): never => {
      throw new InputError(`error[PC3044]: --host-interface ${JSON.stringify(value)} (occurrence ${i + 1}): ${why}; expected NAME=IP[,IP...], e.g. eth1=192.168.1.10,fd00::10`);
    };
    const eq = value.indexOf("=");
    if (eq < 0) return fail("no '='");
    const name = value.slice(0, eq).trim();
    if (!NAME.test(name)) fail(`${JSON.stringify(name)} is not an interface name (1-15 letters, digits or _.:@-)`);
    if (seen.has(name)) fail(`interface ${name} is given twice`);
    seen.add(name);
    const addresses = value
      .slice(eq + 1)
      .split(",")
      .map((a) => a.trim())
      .filter((a) => a !== "");
    for (const a of addresses) if (a.includes("/") || !parseCidr(a, true)) fail(`${JSON.stringify(a)} is not an IP address (no prefix length)`);
    return { name, addresses };
  });
}

/** From the flag, else (`fromKernel`) the current namespace's interfaces, read only when some host endpoint needs them. */
export async function hostInterfacesFor(o: HostInterfaceFlagValues, model: Model, node: string, fromKernel: boolean): Promise<readonly HostInterface[] | undefined> {
  if (o.hostInterface !== undefined && o.hostInterface.length > 0) return parseHostInterfaces(o.hostInterface);
  if (!fromKernel || !model.hostEndpoints.some((h) => h.node === node && (h.interfaceName ?? "") === "")) return undefined;
  try {
    return await readHostInterfaces();
  } catch (e) {
    if (e instanceof HostInterfaceReadError) throw new InputError(`error[PC3044]: reading the kernel's interfaces: ${e.message}; give them with --host-interface NAME=IP[,IP...]`);
    throw e;
  }
}

/** The resolver's warnings (no interface matches, two endpoints on one interface) on stderr. */
export function warnHostInterfaces(model: Model, node: string, interfaces: readonly HostInterface[] | undefined, sources: readonly SourceFile[], ctx: CliContext): void {
  if (interfaces === undefined) return;
  const warnings = resolveHostInterfaces(model.hostEndpoints, node, interfaces).diagnostics.filter((d) => d.severity !== "error");
  if (warnings.length > 0) ctx.io.stderr(formatDiagnostics(warnings, sources));
}
