/**
 * Self-test of the reference evaluator against the kernel suite's truth tables (upstream e2e
 * expectations, Calico semantics, ICMP, profiles, README), evaluated on the model alone: no
 * kernel, no compiler. The reference must give every expected cell.
 */
import { describe, expect, it } from "vitest";
import { caseSources, loadModel } from "../kernel/harness/pipeline.js";
import { Reachability } from "../kernel/harness/reachability.js";
import type { CaseFamily, KernelCase } from "../kernel/harness/case.js";
import { CALICO_CASES } from "../kernel/cases/calico.js";
import { E2E_CASES } from "../kernel/cases/e2e.js";
import { ICMP_CASES } from "../kernel/cases/icmp.js";
import { PROFILE_CASES, PROFILE_FAMILY } from "../kernel/cases/profile.js";
import { README_CASES, README_FAMILY } from "../kernel/cases/readme.js";
import { XYZ_FAMILY } from "../kernel/cases/xyz-family.js";
import type { FlowPeer } from "../../src/trace/index.js";
import { referenceVerdict } from "./evaluate.js";

const pod = (key: string): FlowPeer => {
  const [namespace, name] = key.split("/") as [string, string];
  return { kind: "pod", namespace, name };
};

function wrongCells(family: CaseFamily, kcase: KernelCase): string[] {
  const model = loadModel(caseSources(family, kcase));
  const out: string[] = [];
  for (const probe of kcase.probes) {
    if (probe.protocol === "SCTP") continue; // the generators and evaluator cover TCP/UDP/ICMP
    const expected = new Reachability(kcase.pods, probe.defaultExpectation ?? true);
    probe.expect?.(expected);
    const l4 = probe.protocol === "ICMP" ? { protocol: "ICMP" as const, icmp: { type: 8, code: 0 } } : { protocol: probe.protocol, port: probe.port };
    for (const { from, to } of expected.pairs()) {
      const got = referenceVerdict(model, { from: pod(from), to: pod(to), ...l4 }) === "allow";
      if (got !== expected.get(from, to)) out.push(`${probe.protocol}/${"port" in l4 ? l4.port : ""} ${from} -> ${to}: expected ${expected.get(from, to)}`);
    }
  }
  return out;
}

const suites: [string, CaseFamily, readonly KernelCase[]][] = [
  ["e2e", XYZ_FAMILY, E2E_CASES],
  ["calico", XYZ_FAMILY, CALICO_CASES],
  ["icmp", XYZ_FAMILY, ICMP_CASES],
  ["profile", PROFILE_FAMILY, PROFILE_CASES],
  ["readme", README_FAMILY, README_CASES],
];

describe.each(suites)("reference on the %s truth tables", (_name, family, cases) => {
  it.each(cases.map((c) => [c.name, c] as const))("%s", (_n, kcase) => {
    expect(wrongCells(family, kcase)).toEqual([]);
  });
});
