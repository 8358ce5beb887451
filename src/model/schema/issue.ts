/**
 * How schema code reports a problem: a zod custom issue whose `params` carry the diagnostic code
 * and where exactly to point (the key rather than the value, or an offset inside a string).
 */
import type { z } from "zod";
import type { CodeInfo } from "../../diagnostics/codes.js";
import type { Path } from "../paths.js";

export interface IssueParams {
  readonly pc: string;
  readonly part?: "key" | "value";
  readonly inner?: number;
  readonly innerLength?: number;
  readonly severity?: "error" | "warning" | "notice";
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any refinement context will do
type Ctx = z.core.$RefinementCtx<any>;

export function report(
  ctx: Ctx,
  code: CodeInfo,
  message: string,
  options: { path?: Path; part?: "key" | "value"; inner?: number; innerLength?: number; input?: unknown } = {},
): void {
  const params: IssueParams = {
    pc: code.code,
    ...(options.part ? { part: options.part } : {}),
    ...(options.inner !== undefined ? { inner: options.inner, innerLength: options.innerLength ?? 1 } : {}),
  };
  ctx.addIssue({
    code: "custom",
    message,
    params: { ...params },
    ...(options.path ? { path: [...options.path] } : {}),
    input: options.input,
  });
}

/** How a value reads in a message: strings quoted, objects and arrays by their shape. */
export function describe(v: unknown): string {
  if (v === null || v === undefined) return "null";
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (Array.isArray(v)) return "a list";
  return "a mapping";
}
