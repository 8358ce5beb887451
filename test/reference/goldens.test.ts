/**
 * The independent reference over every golden scenario (golden/<name>/input): for every ordered
 * pair of its peers (pods, hosts with a host endpoint, and addresses its nets mention), every
 * port its resources mention under every protocol they mention (plus ICMP), in each IP family
 * its pods use, the reference's verdict equals the trace's, enforced and (with staged policies)
 * pending. A permanent test: a new scenario is covered the day it is added.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { readInputs } from "../../src/cli/files.js";
import { parseHostInterfaces } from "../../src/cli/host-interface-flags.js";
import { loadSources } from "../../src/model/index.js";
import { FlowTracer, StagedTracer, type Flow, type FlowPeer } from "../../src/trace/index.js";
import { familyOf } from "./cidr.js";
import { documentsOf, readCluster } from "./cluster.js";
import { referenceOf } from "./semantics.js";

const goldenDir = resolve(import.meta.dirname, "../../golden");
const scenarios = readdirSync(goldenDir, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(goldenDir, d.name, "input")))
  .map((d) => d.name)
  .sort();

type Json = unknown;
/** Every port number, range bound, protocol and CIDR the documents mention. */
function mentioned(docs: readonly Json[]): { ports: Set<number>; protocols: Set<string>; cidrs: Set<string> } {
  const ports = new Set<number>();
  const protocols = new Set<string>(["TCP"]);
  const cidrs = new Set<string>();
  const portish = (v: Json): void => {
    if (typeof v === "number") ports.add(v);
    else if (typeof v === "string" && /^\d+(:\d+)?$/.test(v)) for (const n of v.split(":")) ports.add(Number(n));
  };
  const walk = (v: Json, key?: string): void => {
    if (Array.isArray(v)) {
      for (const x of v) walk(x, key);
      return;
    }
    if (v !== null && typeof v === "object") {
      for (const [k, x] of Object.entries(v)) walk(x, k);
      return;
    }
    if (key === undefined) return;
    if (["port", "ports", "notPorts", "endPort", "containerPort", "number", "start", "end"].includes(key)) portish(v);
    if ((key === "protocol" || key === "notProtocol") && typeof v === "string" && ["TCP", "UDP", "SCTP"].includes(v.toUpperCase())) protocols.add(v.toUpperCase());
    if (["tcp", "udp", "sctp"].includes(key)) protocols.add(key.toUpperCase());
    if (typeof v === "string" && /^[0-9a-fA-F.:]+\/\d+$/.test(v)) cidrs.add(v);
    if ((key === "nets" || key === "notNets" || key === "cidr" || key === "except" || key === "networks") && typeof v === "string") cidrs.add(v);
  };
  walk(docs);
  return { ports, protocols, cidrs };
}

/** A CIDR's base address (a peer inside it), unless it is a catch-all. */
const baseOf = (cidr: string): string | undefined => {
  const ip = cidr.split("/")[0]!;
  return ip === "0.0.0.0" || ip === "::" ? undefined : ip;
};

describe.each(scenarios)("reference = trace on golden scenario %s", (name) => {
  it("every pair, port and protocol", async () => {
    const sources = await readInputs([join(goldenDir, name, "input")], goldenDir);
    // A scenario's `host-interfaces` file: the node's interfaces, for expectedIPs-only host endpoints.
    const interfacesFile = join(goldenDir, name, "host-interfaces");
    const hostInterfaces = existsSync(interfacesFile) ? parseHostInterfaces(readFileSync(interfacesFile, "utf8").split("\n").filter((l) => l.trim() !== "")) : undefined;
    const options = hostInterfaces === undefined ? {} : { hostInterfaces };
    const { model, diagnostics } = loadSources(sources);
    expect(diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const docs = documentsOf(sources);
    const cluster = readCluster(docs, options);
    const ref = referenceOf(sources, options);
    const staged = model.policies.some((p) => p.stagedAction !== undefined) ? new StagedTracer(model, options) : undefined;
    const tracer = staged?.enforced ?? new FlowTracer(model, options);
    const { ports, protocols, cidrs } = mentioned(docs);
    if (ports.size === 0) ports.add(80);
    const pods = cluster.endpoints.filter((e) => e.kind === "workload" && e.node !== undefined);
    const families = new Set(pods.flatMap((p) => p.ips.map(familyOf)));
    const hosts = cluster.endpoints.filter((e) => e.kind === "host" && e.node !== undefined);
    let checked = 0;
    const wrong: string[] = [];
    for (const family of [...families].sort()) {
      const peers: FlowPeer[] = [
        ...pods.filter((p) => p.ips.some((ip) => familyOf(ip) === family)).map((p): FlowPeer => ({ kind: "pod", namespace: p.namespace!, name: p.name })),
        ...hosts
          .filter((h) => h.ips.some((ip) => familyOf(ip) === family))
          .map((h): FlowPeer => ({ kind: "host", node: h.node!, ...(h.interfaceName !== undefined && h.interfaceName !== "*" && { interfaceName: h.interfaceName }) })),
        ...[...cidrs].map(baseOf).filter((ip): ip is string => ip !== undefined && familyOf(ip) === family).map((ip): FlowPeer => ({ kind: "ip", ip })),
        { kind: "ip", ip: family === 4 ? "198.51.100.7" : "2001:db8::7" },
      ];
      const l4s: Pick<Flow, "protocol" | "port">[] = [{ protocol: "ICMP" }, ...[...protocols].flatMap((protocol) => [...ports].map((port) => ({ protocol: protocol as Flow["protocol"], port })))];
      for (const from of peers) {
        for (const to of peers) {
          if (from.kind === "ip" && to.kind === "ip") continue;
          if (JSON.stringify(from) === JSON.stringify(to)) continue;
          if (from.kind === "host" && to.kind === "host" && from.node === to.node) continue;
          for (const l4 of l4s) {
            const flow: Flow = { from, to, ...l4, ipVersion: family };
            checked++;
            const got = tracer.explain(flow).verdict;
            const want = ref.enforced.verdict(flow);
            if (got !== want) wrong.push(`${JSON.stringify(flow)}: reference ${want}, trace ${got}`);
            if (staged) {
              const p = staged.pending.explain(flow).verdict;
              const w = ref.promoted.verdict(flow);
              if (p !== w) wrong.push(`pending ${JSON.stringify(flow)}: reference ${w}, trace ${p}`);
            }
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(0);
    expect(wrong.slice(0, 20)).toEqual([]);
  });
});
