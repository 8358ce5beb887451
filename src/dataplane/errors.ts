/** What went wrong in one step of an apply, as data; DataplaneError when retries ran out. */

export type ApplyStep = "read" | "ipsets-before" | "iptables" | "ipsets-after" | "nft" | "verify";

export interface StepFailure {
  readonly step: ApplyStep;
  /** The program that failed (empty for `verify`). */
  readonly tool: string;
  readonly exitCode: number;
  /** The tool's own error output, trimmed. */
  readonly stderr: string;
  /** The input line the tool named as failing (`Error occurred at line: N`), if any. */
  readonly failingLine: { readonly number: number; readonly text: string } | null;
}

export class DataplaneError extends Error {
  constructor(
    readonly failure: StepFailure,
    readonly attempts: number,
  ) {
    super(describeFailure(failure, attempts));
    this.name = "DataplaneError";
  }
}

export function describeFailure(f: StepFailure, attempts: number): string {
  const head =
    f.step === "verify"
      ? `the kernel did not reach the desired state after ${attempts} attempt(s): ${f.stderr}`
      : `${f.tool} failed (${f.step}, exit ${f.exitCode}) after ${attempts} attempt(s):\n${f.stderr}`;
  return f.failingLine ? `${head}\nfailing line ${f.failingLine.number}: ${f.failingLine.text}` : head;
}

/** The line a restore tool complained about, looked up in the input it was given. */
export function failingLine(stderr: string, input: string): StepFailure["failingLine"] {
  // nft: `/dev/stdin:LINE:COL-COL: Error: …` (the first error is the one that aborted the transaction).
  const m = /Error occurred at line: (\d+)|Error in line (\d+)|line (\d+) failed|^\/dev\/stdin:(\d+):\S*: Error/m.exec(stderr);
  const n = Number(m?.[1] ?? m?.[2] ?? m?.[3] ?? m?.[4] ?? 0);
  if (!n) return null;
  const text = input.split("\n")[n - 1];
  return text === undefined ? null : { number: n, text };
}

/** A failed step inside an apply; internal, caught by the retry loop (not exported). */
export class StepError extends Error {
  constructor(readonly failure: StepFailure) {
    super(failure.stderr);
  }
}

export function toolFailure(step: ApplyStep, tool: string, exitCode: number, stderr: string, input: string): StepFailure {
  return { step, tool, exitCode, stderr: stderr.trim(), failingLine: failingLine(stderr, input) };
}
