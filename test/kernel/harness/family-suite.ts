/**
 * One vitest suite per case family and backend: the topology is built once (pods placed where
 * the model says, interfaces named as the model names them), every case reloads only the node
 * namespaces' tables and sets, and the suite reports its wall time and every skipped probe.
 */
import { afterAll, beforeAll, it } from "vitest";
import { backendLabel, type KernelBackend } from "./backend.js";
import type { CaseFamily, KernelCase } from "./case.js";
import { caseSources, loadModel, podSpecsFromModel } from "./pipeline.js";
import type { KernelSupport } from "./preflight.js";
import { DEFAULT_PROBE_OPTIONS, type ProbeOptions } from "./probe.js";
import { runCase } from "./run-case.js";
import { describeKernelAll, sctpSkipReason } from "./suite.js";
import { buildTopology, type Topology } from "./topology.js";

export function describeFamily(family: CaseFamily, cases: readonly KernelCase[], support: KernelSupport): void {
  const names = new Set<string>();
  for (const c of cases) {
    if (names.has(c.name)) throw new Error(`duplicate case name in family ${family.name}: ${c.name}`);
    names.add(c.name);
  }
  describeKernelAll(family.name, support, (backend: KernelBackend) => {
    let topo: Topology | undefined;
    let started = 0;
    const skipped: string[] = [];
    const options: ProbeOptions = { ...DEFAULT_PROBE_OPTIONS, sctpSkipReason: sctpSkipReason(support) };

    beforeAll(async () => {
      started = performance.now();
      const model = loadModel(caseSources(family));
      topo = await buildTopology({
        tag: `${family.tag}-${backend.name}`,
        nodes: family.nodes,
        pods: podSpecsFromModel(family, model),
        ports: family.servePorts,
      });
    });

    afterAll(async () => {
      await topo?.destroy();
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      console.info(`[kernel] ${family.name} on ${backendLabel(backend)}: ${cases.length} cases in ${seconds} s`);
      if (skipped.length > 0) {
        console.warn(`[kernel] ${family.name} on ${backendLabel(backend)}: ${skipped.length} probe step(s) skipped:\n  ${skipped.join("\n  ")}`);
      }
    });

    it.each(cases.map((c) => [c.name, c] as const))("%s", async (_name, kcase) => {
      if (topo === undefined) throw new Error("topology was not built");
      const report = await runCase(topo, backend, family, kcase, options);
      for (const s of report.skipped) skipped.push(`${kcase.name}: ${s}`);
      if (!report.ok) throw new Error(report.message);
    });
  });
}
