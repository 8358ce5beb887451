/**
 * What a kernel case is: data. A family is a cluster (namespaces and pods spread over two
 * nodes); a case is a set of policies plus label changes on that cluster, and one or more probe
 * steps, each with its expected reachability written the upstream way.
 */
import type { SourceFile } from "../../../src/diagnostics/types.js";
import type { ProbeStep } from "./probe.js";
import type { Reachability } from "./reachability.js";
import type { Labels, NamespaceDef, PodDef } from "./resources.js";

export interface CaseFamily {
  readonly name: string;
  /** Short tag for namespace names, e.g. "e2e". */
  readonly tag: string;
  readonly nodes: readonly [string, string];
  readonly namespaces: readonly NamespaceDef[];
  readonly pods: readonly PodDef[];
  /** Ports every pod serves on TCP and UDP. */
  readonly servePorts: readonly number[];
}

export interface CaseContext {
  /** The pod's IP, e.g. for ipBlock peers ("x/b" → "10.65.0.65"). */
  ip(podKey: string): string;
}

/** A probe step (`{ protocol: "TCP", port: 80 }` or `{ protocol: "ICMP" }`) and its truth table. */
export type ProbeExpectation = ProbeStep & {
  /** NewReachability(pods, default); true unless stated. */
  readonly defaultExpectation?: boolean;
  /** The upstream Expect* calls, applied in order. */
  readonly expect?: (r: Reachability) => unknown;
};

export interface KernelCase {
  readonly name: string;
  /** Pods whose pairs are probed (upstream: the pods passed to initializeResources). */
  readonly pods: readonly string[];
  /** Labels added to namespaces for this case (e.g. a later step's AddNamespaceLabel). */
  readonly namespaceLabels?: Readonly<Record<string, Labels>>;
  /** Labels added to pods for this case, keyed "ns/pod". */
  readonly podLabels?: Readonly<Record<string, Labels>>;
  /** Policies and other resources, as objects printed to YAML. */
  readonly resources?: (ctx: CaseContext) => readonly object[];
  /** Resources given verbatim as files (e.g. the README's examples). */
  readonly files?: readonly SourceFile[];
  readonly probes: readonly ProbeExpectation[];
  /**
   * Staged policies: "enforced" (the default) loads what compile gives for the resources as they
   * are, and the trace check also holds `matrix --staged`'s enforced verdicts to the kernel;
   * "promoted" loads what compile gives for promoteStaged(model) and holds `matrix --staged`'s
   * pending verdicts to the kernel.
   */
  readonly staged?: "enforced" | "promoted";
}
