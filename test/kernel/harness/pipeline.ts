/**
 * The compiler side of a kernel case, through the public stage APIs only: YAML sources →
 * loadSources → compile(model, { node }) per node → renderRestore → real `ipset restore` and
 * `iptables-*-restore --noflush` inside that node's namespace.
 */
import { formatDiagnostics, hasErrors } from "../../../src/diagnostics/index.js";
import type { SourceFile } from "../../../src/diagnostics/types.js";
import { loadSources } from "../../../src/model/index.js";
import type { Model } from "../../../src/model/types.js";
import { compileBoth, compileNftBoth, renderNftScript, renderRestore } from "../../../src/render/index.js";
import { isNativeNft, loadNft, loadRestore, resetNft, resetNode, type KernelBackend } from "./backend.js";
import type { CaseContext, CaseFamily, KernelCase } from "./case.js";
import { CommandError } from "./exec.js";
import { isDualStack, withIpv6Twins } from "./dual-stack.js";
import { namespaceObject, podKey, podObject, toYaml, workloadEndpointObject } from "./resources.js";
import type { PodSpec, Topology } from "./topology.js";

export interface NodeRestore {
  readonly node: string;
  readonly ipsets: string;
  readonly iptables: string;
  /** Present when IPv6 is in play (the ipsets text then also holds the cali6 sets). */
  readonly ip6tables?: string;
}

export function caseContext(family: CaseFamily): CaseContext {
  const ips = new Map(family.pods.map((p) => [podKey(p), p.ip]));
  return {
    ip(key) {
      const ip = ips.get(key);
      if (ip === undefined) throw new Error(`family ${family.name} has no pod ${key}`);
      return ip;
    },
  };
}

/** The case's input files: the cluster (with the case's label changes), its policies, its files. */
export function caseSources(family: CaseFamily, kcase?: KernelCase): SourceFile[] {
  const cluster = [
    ...family.namespaces.map((ns) => namespaceObject(ns, kcase?.namespaceLabels?.[ns.name])),
    ...family.pods.map((p) => (p.workloadEndpoint !== undefined ? workloadEndpointObject : podObject)(p, kcase?.podLabels?.[podKey(p)])),
  ];
  const sources: SourceFile[] = [{ file: "cluster.yaml", text: toYaml(cluster) }];
  const written = kcase?.resources?.(caseContext(family)) ?? [];
  const resources = isDualStack(family) ? (withIpv6Twins(written) as object[]) : written;
  if (resources.length > 0) sources.push({ file: "policies.yaml", text: toYaml(resources) });
  sources.push(...(kcase?.files ?? []));
  return sources;
}

export function loadModel(sources: readonly SourceFile[]): Model {
  const { model, diagnostics } = loadSources(sources);
  if (hasErrors(diagnostics)) {
    throw new Error(`the case's resources do not load:\n${formatDiagnostics(diagnostics, sources)}`);
  }
  return model;
}

/**
 * Pod placement for the topology, taken from the model's workload endpoints: those the model
 * derived from Pods (interface named by the model) and those given as WorkloadEndpoints
 * (spec.node, spec.ipNetworks and spec.interfaceName as the model read them), by one path.
 */
export function podSpecsFromModel(family: CaseFamily, model: Model): PodSpec[] {
  return family.pods.map((p) => {
    const ep = model.endpoints.find((e) => e.namespace === p.namespace && e.name === p.name);
    if (ep === undefined) throw new Error(`the model has no workload endpoint for pod ${podKey(p)}`);
    if (ep.node !== p.node) throw new Error(`endpoint ${ep.key} is on node ${String(ep.node)}, the pod says ${p.node}`);
    if (!ep.ipNetworks.includes(`${p.ip}/32`)) throw new Error(`endpoint ${ep.key} has IPs ${ep.ipNetworks.join(", ")}, the pod says ${p.ip}`);
    if (p.ip6 !== undefined && !ep.ipNetworks.includes(`${p.ip6}/128`)) throw new Error(`endpoint ${ep.key} has IPs ${ep.ipNetworks.join(", ")}, the pod says ${p.ip6}`);
    const declared = p.workloadEndpoint?.interfaceName;
    if (declared !== undefined && ep.interfaceName !== declared) {
      throw new Error(`endpoint ${ep.key} has interface ${ep.interfaceName}, its spec.interfaceName says ${declared}`);
    }
    return { namespace: p.namespace, name: p.name, node: p.node, ip: p.ip, ...(p.ip6 !== undefined && { ip6: p.ip6 }), interfaceName: ep.interfaceName };
  });
}

/** A node's compiled output in native nftables mode: one `nft -f` script (`ip calico`, and `ip6 calico` when IPv6 is in play). */
export interface NodeNftScript {
  readonly node: string;
  readonly nft: string;
}

export type NodeOutput = NodeRestore | NodeNftScript;

/** Each node's output for the backend: restore text, or the nft script. */
export function compileNodesFor(model: Model, nodes: readonly string[], backend: KernelBackend): NodeOutput[] {
  if (!isNativeNft(backend)) return compileNodes(model, nodes);
  return nodes.map((node) => {
    const { v4, v6 } = compileNftBoth(model, { node });
    return { node, nft: renderNftScript(v6 ? [v4, v6] : [v4]) };
  });
}

/** How a failure message shows what was loaded into a node. */
export function describeOutput(r: NodeOutput): string {
  if ("nft" in r) return `--- compiled for ${r.node}: calico.nft ---\n${r.nft}`;
  return `--- compiled for ${r.node}: ipsets ---\n${r.ipsets}--- compiled for ${r.node}: iptables ---\n${r.iptables}${r.ip6tables !== undefined ? `--- compiled for ${r.node}: ip6tables ---\n${r.ip6tables}` : ""}`;
}

/** Each node's restore text: IPv4, plus IPv6 (ip6tables, cali6 sets) when IPv6 is in play. */
export function compileNodes(model: Model, nodes: readonly string[]): NodeRestore[] {
  return nodes.map((node) => {
    const { v4, v6 } = compileBoth(model, { node });
    const r4 = renderRestore(v4);
    if (!v6) return { node, ...r4 };
    const r6 = renderRestore(v6);
    return { node, ipsets: r4.ipsets + r6.ipsets, iptables: r4.iptables, ip6tables: r6.iptables };
  });
}

function numbered(text: string): string {
  return text
    .split("\n")
    .map((l, i) => `${String(i + 1).padStart(4)}  ${l}`)
    .join("\n");
}

/** Reset both nodes, then load each node's compiled output with the real tools. */
export async function loadNodes(topo: Topology, backend: KernelBackend, outputs: readonly NodeOutput[]): Promise<void> {
  for (const r of outputs) {
    const netns = topo.node(r.node).netns;
    if ("nft" in r || isNativeNft(backend)) {
      if (!("nft" in r) || !isNativeNft(backend)) throw new Error(`node ${r.node}: compiled output does not match the backend ${backend.name}`);
      await resetNft(netns);
      try {
        await loadNft(netns, r.nft);
      } catch (err) {
        if (!(err instanceof CommandError)) throw err;
        throw new Error(`loading the compiled output of ${r.node} failed (nft -f):\n${err.message}\n--- calico.nft ---\n${numbered(r.nft)}`);
      }
      continue;
    }
    // Always both families: an earlier step's ip6tables rules would keep its cali6 sets in use.
    await resetNode(netns, backend, { ipv6: true });
    try {
      await loadRestore(netns, backend, r);
    } catch (err) {
      if (!(err instanceof CommandError)) throw err;
      throw new Error(
        `loading the compiled output of ${r.node} failed (${backend.restore}):\n${err.message}\n` +
          `--- ipset restore input ---\n${numbered(r.ipsets)}\n--- iptables restore input ---\n${numbered(r.iptables)}` +
          (r.ip6tables !== undefined ? `\n--- ip6tables restore input ---\n${numbered(r.ip6tables)}` : ""),
      );
    }
  }
}
