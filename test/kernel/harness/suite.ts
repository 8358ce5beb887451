/**
 * `describeKernel` runs a suite body once per iptables backend, and decides what happens when
 * the machine cannot run kernel tests: skip with a loud banner, or (CI=true) fail.
 */
import { describe, it } from "vitest";
import { BACKENDS, NATIVE_NFT, type Backend, type KernelBackend } from "./backend.js";
import { isCI } from "../../ci.js";
import { skipBanner, type KernelSupport } from "./preflight.js";

export function describeKernel(suite: string, support: KernelSupport, body: (backend: Backend) => void): void {
  const usable = support.problems.length === 0;
  if (!usable) {
    if (isCI) {
      describe(`kernel: ${suite}`, () => {
        it("has what real-kernel tests need (CI=true: a skip is a failure)", () => {
          throw new Error(`real-kernel suite "${suite}" cannot run:\n${support.problems.map((p) => `  - ${p}`).join("\n")}`);
        });
      });
    } else {
      console.warn(skipBanner(suite, support.problems));
      describe.skip(`kernel: ${suite}`, () => {
        it("skipped: prerequisites missing (see banner)", () => undefined);
      });
    }
    return;
  }
  describe.each(BACKENDS.map((b) => [b.name, b] as const))(`kernel: ${suite} [iptables-%s]`, (_name, backend) => {
    if (!support.backends.some((b) => b.name === backend.name)) {
      it(`iptables-${backend.name} is usable`, () => {
        throw new Error(`${backend.restore} was not usable in a network namespace`);
      });
      return;
    }
    body(backend);
  });
}

/**
 * `describeKernel` plus a third run on native nftables (the compiled `calico.nft` loaded with
 * `nft -f`), for suites whose bodies load compiled output through the pipeline.
 */
export function describeKernelAll(suite: string, support: KernelSupport, body: (backend: KernelBackend) => void): void {
  describeKernel(suite, support, body);
  if (support.problems.length > 0) return; // describeKernel reported it (skip banner or CI failure)
  describe(`kernel: ${suite} [native nftables]`, () => {
    if (!support.nftables) {
      it("nft is usable", () => {
        throw new Error("nft could not load a table in a network namespace");
      });
      return;
    }
    body(NATIVE_NFT);
  });
}

/** Human-readable reason SCTP probes are skipped on this machine. */
export function sctpSkipReason(support: KernelSupport): string {
  return support.sctp
    ? "SCTP probe skipped: the kernel has SCTP but the harness has no SCTP prober (Node has no SCTP sockets)"
    : "SCTP probe skipped: this kernel has no SCTP (/proc/net/sctp absent); rules were compiled and loaded";
}
