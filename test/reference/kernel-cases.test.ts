/**
 * Self-test of the independent reference against the kernel suites' truth tables (upstream e2e
 * expectations, Calico semantics, ICMP, profiles, README, ClusterNetworkPolicy and its upstream
 * conformance suite, policy groups, staged policies), evaluated on the case's YAML alone: no
 * kernel, no compiler. The reference must give every expected cell, SCTP included (the kernel
 * cannot probe SCTP here, the reference can), over IPv4 and, for the families the kernel suites
 * also run dual-stack (e2e, ICMP), over IPv6.
 * A staged case's "promoted" table is the reference's pending verdict.
 */
import { describe, expect, it } from "vitest";
import { caseSources } from "../kernel/harness/pipeline.js";
import { Reachability } from "../kernel/harness/reachability.js";
import type { CaseFamily, KernelCase } from "../kernel/harness/case.js";
import { dualStackFamily } from "../kernel/harness/dual-stack.js";
import { CALICO_CASES } from "../kernel/cases/calico.js";
import { CNP_CASES } from "../kernel/cases/cnp.js";
import { CNP_CONFORMANCE_CASES } from "../kernel/cases/cnp-conformance.js";
import { E2E_CASES } from "../kernel/cases/e2e.js";
import { GROUP_CASES } from "../kernel/cases/groups.js";
import { HOGWARTS_FAMILY } from "../kernel/cases/hogwarts-family.js";
import { ICMP_CASES } from "../kernel/cases/icmp.js";
import { PROFILE_CASES, PROFILE_FAMILY } from "../kernel/cases/profile.js";
import { README_CASES, README_FAMILY } from "../kernel/cases/readme.js";
import { STAGED_CASES } from "../kernel/cases/staged.js";
import { XYZ_FAMILY } from "../kernel/cases/xyz-family.js";
import type { Flow, FlowPeer } from "../../src/trace/index.js";
import { referenceOf } from "./semantics.js";

const pod = (key: string): FlowPeer => {
  const [namespace, name] = key.split("/") as [string, string];
  return { kind: "pod", namespace, name };
};

function wrongCells(family: CaseFamily, kcase: KernelCase): { cells: number; wrong: string[] } {
  const ref = referenceOf(caseSources(family, kcase));
  const reference = kcase.staged === "promoted" ? ref.promoted : ref.enforced;
  const families: (4 | 6)[] = family.pods.some((p) => p.ip6 !== undefined) ? [4, 6] : [4];
  const wrong: string[] = [];
  let cells = 0;
  for (const probe of kcase.probes) {
    for (const ipVersion of families) {
      const expected = new Reachability(kcase.pods, probe.defaultExpectation ?? true);
      probe.expect?.(expected);
      const l4 = probe.protocol === "ICMP" ? { protocol: "ICMP" as const } : { protocol: probe.protocol, port: probe.port };
      for (const { from, to } of expected.pairs()) {
        const flow: Flow = { from: pod(from), to: pod(to), ...l4, ipVersion };
        cells++;
        const got = reference.verdict(flow) === "allow";
        if (got !== expected.get(from, to)) wrong.push(`IPv${ipVersion} ${probe.protocol}/${"port" in l4 ? l4.port : ""} ${from} -> ${to}: expected ${expected.get(from, to)}`);
      }
    }
  }
  return { cells, wrong };
}

const suites: [string, CaseFamily, readonly KernelCase[]][] = [
  ["e2e", XYZ_FAMILY, E2E_CASES],
  ["e2e (dual-stack)", dualStackFamily(XYZ_FAMILY), E2E_CASES],
  ["calico", XYZ_FAMILY, CALICO_CASES],
  ["icmp", XYZ_FAMILY, ICMP_CASES],
  ["icmp (dual-stack)", dualStackFamily(XYZ_FAMILY), ICMP_CASES],
  ["profile", PROFILE_FAMILY, PROFILE_CASES],
  ["readme", README_FAMILY, README_CASES],
  ["cnp", XYZ_FAMILY, CNP_CASES],
  ["cnp-conformance", HOGWARTS_FAMILY, CNP_CONFORMANCE_CASES],
  ["groups", XYZ_FAMILY, GROUP_CASES],
  ["staged", XYZ_FAMILY, STAGED_CASES],
];

describe.each(suites)("reference on the %s truth tables", (_name, family, cases) => {
  it.each(cases.map((c) => [c.name, c] as const))("%s", (_n, kcase) => {
    const { cells, wrong } = wrongCells(family, kcase);
    expect(cells).toBeGreaterThan(0);
    expect(wrong).toEqual([]);
  });
});
