/**
 * reviewChange: the ReviewReport of a change from a base to a head version of the inputs. Pure:
 * a function of the two loaded versions (models, sources, load diagnostics) and the options.
 */
import type { Diagnostic, SourceFile } from "../diagnostics/types.js";
import type { Model } from "../model/types.js";
import { Codes } from "../diagnostics/codes.js";
import type { HostInterface } from "../resolve/index.js";
import { TraceError } from "../trace/errors.js";
import { usesIpv6 } from "../render/compile.js";
import { flippedPairs } from "./connectivity.js";
import { hostAwarePairs } from "./hosts.js";
import { planProbes } from "./probes.js";
import { reviewProblems } from "./problems.js";
import { rulesChanges } from "./rules.js";
import { groupPairs } from "./summary.js";
import { touchedPods } from "./touched.js";
import type { ReviewReport, ReviewSide } from "./types.js";

export interface ReviewVersion {
  readonly side: ReviewSide;
  readonly model: Model;
  readonly sources: readonly SourceFile[];
  readonly diagnostics: readonly Diagnostic[];
}

export interface ReviewOptions {
  /** Probe exactly these TCP ports instead of every port the rules mention and pods declare. */
  readonly ports?: readonly number[];
  /** Compare the rules of these nodes only. */
  readonly nodes?: readonly string[];
  /** The nodes' interfaces, for host endpoints that give only expectedIPs (`--host-interface`). */
  readonly hostInterfaces?: readonly HostInterface[];
  /** Progress of the long phases: (phase, done, total). */
  readonly progress?: (phase: "connectivity", done: number, total: number) => void;
}

export function reviewChange(base: ReviewVersion, head: ReviewVersion, options: ReviewOptions = {}): ReviewReport {
  // A host endpoint without an interface name governs the interface that holds its address, which
  // only the node knows: without --host-interface its node cannot be compiled, so neither traced.
  const unplaced = options.hostInterfaces ? [] : [...base.model.hostEndpoints, ...head.model.hostEndpoints].filter((h) => (h.interfaceName ?? "") === "");
  if (unplaced.length > 0) {
    const names = [...new Set(unplaced.map((h) => `${h.name} (node ${h.node})`))].sort();
    throw new TraceError(
      `HostEndpoint ${names.slice(0, 3).join(", ")}${names.length > 3 ? ", ..." : ""} gives only expectedIPs: the interface it governs is known only on its node; give the node's interfaces with --host-interface NAME=IP[,IP...]`,
      Codes.reviewHostEndpoints.code,
    );
  }
  const touched = touchedPods(base.model, head.model);
  const probes = planProbes([base.model, head.model], options.ports);
  const connectivity = (family: 4 | 6) => {
    const versions = { base: base.model, head: head.model, baseSources: base.sources, headSources: head.sources, touched, probes, family, ...(options.hostInterfaces && { hostInterfaces: options.hostInterfaces }) };
    const virtual = flippedPairs({ ...versions, ...(options.progress && { progress: (d: number, t: number) => options.progress?.("connectivity", d, t) }) });
    // Pods on host endpoint nodes, and the hosts themselves, traced through their real nodes (hosts.ts).
    return { ...virtual, ...hostAwarePairs({ ...versions, flipped: virtual.flipped, added: virtual.added, removed: virtual.removed, outside: virtual.outside }) };
  };
  const c = connectivity(4);
  // IPv6 pairs as matrix --ipv6 traces them: each pod's IPv6 address, the IPv6 CIDRs rules name.
  const uses6 = [usesIpv6(base.model), usesIpv6(head.model)] as const;
  const c6 = uses6[0] || uses6[1] ? connectivity(6) : undefined;
  const flipped = c6 ? [...c.flipped, ...c6.flipped] : c.flipped;
  const opened = flipped.filter((p) => p.head.verdict === "allow");
  const closed = flipped.filter((p) => p.head.verdict === "deny");
  const added = c6 ? [...c.added, ...c6.added] : c.added;
  const removed = c6 ? [...c.removed, ...c6.removed] : c.removed;
  const pods = (m: Model): Set<string> => new Set(m.endpoints.filter((e) => e.node !== undefined && e.ipNetworks.length > 0).map((e) => e.key));
  const [inBase, inHead] = [pods(base.model), pods(head.model)];
  const rules = rulesChanges({
    base: base.model,
    head: head.model,
    touched,
    before: c.before,
    after: c.after,
    ...(options.nodes && { nodes: options.nodes }),
    ...(options.hostInterfaces && { hostInterfaces: options.hostInterfaces }),
    ...(c6 && { v6: { before: c6.before, after: c6.after, baseUses: uses6[0], headUses: uses6[1] } }),
  });
  const problems = reviewProblems({
    base: base.model,
    head: head.model,
    baseSources: base.sources,
    headSources: head.sources,
    baseDiagnostics: base.diagnostics,
    headDiagnostics: head.diagnostics,
  });
  return {
    kind: "ReviewReport",
    version: 1,
    base: base.side,
    head: head.side,
    connectivity: {
      opened,
      closed,
      added,
      removed,
      podsAdded: [...inHead].filter((k) => !inBase.has(k)).sort(),
      podsRemoved: [...inBase].filter((k) => !inHead.has(k)).sort(),
      summary: groupPairs(opened, closed, added, removed),
      probes: probes.all.map((p) => ({ protocol: p.protocol, port: p.port, ...(p.endPort !== undefined && { endPort: p.endPort }) })),
      podsTouched: c6 ? new Set([...c.touchedKeys, ...c6.touchedKeys]).size : c.touchedKeys.length,
      pods: c.pods,
      ...(c6 && c6.pods > 0 && { pods6: c6.pods }),
    },
    rules,
    problems,
  };
}
