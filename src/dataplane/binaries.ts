/**
 * Which programs to run for a backend, like Felix's FindBestBinary: `iptables-<mode>-save` if it
 * is on PATH, otherwise plain `iptables-save` (ip6tables for IPv6). Every name can be overridden.
 */
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";
import type { Backend } from "../diff/transaction.js";

export interface Binaries {
  readonly iptablesSave: string;
  readonly iptablesRestore: string;
  readonly ipset: string;
}

export type BinaryOverrides = Partial<Binaries>;

export function onPath(name: string, path: string | undefined = process.env.PATH): boolean {
  if (name.includes("/")) return executable(name);
  return (path ?? "").split(delimiter).some((dir) => dir !== "" && executable(join(dir, name)));
}

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function binariesFor(backend: Backend, ipVersion: 4 | 6, overrides: BinaryOverrides = {}, exists: (name: string) => boolean = onPath): Binaries {
  const base = ipVersion === 4 ? "iptables" : "ip6tables";
  const best = (tool: "save" | "restore"): string => {
    const specific = `${base}-${backend}-${tool}`;
    return exists(specific) ? specific : `${base}-${tool}`;
  };
  return {
    iptablesSave: overrides.iptablesSave ?? best("save"),
    iptablesRestore: overrides.iptablesRestore ?? best("restore"),
    ipset: overrides.ipset ?? "ipset",
  };
}
