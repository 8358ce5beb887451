/**
 * zod issues → located problems with a diagnostic code and a message that says what was expected
 * and what was found. Unknown fields get a "did you mean" from the keys the schema knows at that
 * place.
 */
import type { z } from "zod";
import { Codes, type CodeInfo } from "../../diagnostics/codes.js";
import { formatPath, type Path } from "../paths.js";
import { closest } from "../suggest.js";
import { describe, type IssueParams } from "./issue.js";

export interface SchemaProblem {
  readonly code: CodeInfo;
  readonly severity: "error" | "warning" | "notice";
  readonly message: string;
  readonly path: Path;
  readonly part?: "key" | "value";
  readonly inner?: number;
  readonly innerLength?: number;
}

interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  valueType?: z.ZodType;
  innerType?: z.ZodType;
  in?: z.ZodType;
}

function def(s: z.ZodType): Def {
  return (s as unknown as { _zod: { def: Def } })._zod.def;
}

function unwrap(s: z.ZodType): z.ZodType {
  for (;;) {
    const d = def(s);
    if ((d.type === "optional" || d.type === "nullable" || d.type === "default" || d.type === "readonly") && d.innerType) s = d.innerType;
    else if (d.type === "pipe" && d.in) s = d.in;
    else return s;
  }
}

/** The field names an object schema accepts at `path`, or undefined. */
export function knownKeysAt(schema: z.ZodType, path: Path): string[] | undefined {
  let s = unwrap(schema);
  for (const seg of path) {
    const d = def(s);
    if (d.type === "object" && d.shape && typeof seg === "string" && d.shape[seg]) s = unwrap(d.shape[seg]);
    else if (d.type === "array" && d.element) s = unwrap(d.element);
    else if (d.type === "record" && d.valueType) s = unwrap(d.valueType);
    else return undefined;
  }
  const d = def(s);
  return d.type === "object" && d.shape ? Object.keys(d.shape) : undefined;
}

const byCode: Record<string, CodeInfo> = Object.fromEntries(Object.values(Codes).map((c) => [c.code, c]));

function typeName(expected: string): string {
  switch (expected) {
    case "int":
      return "an integer";
    case "object":
      return "a mapping";
    case "array":
      return "a list";
    case "string":
      return "a string";
    case "number":
      return "a number";
    case "boolean":
      return "true or false";
    default:
      return expected;
  }
}

export function schemaProblems(schema: z.ZodType, issues: readonly z.core.$ZodIssue[]): SchemaProblem[] {
  const out: SchemaProblem[] = [];
  for (const issue of issues) {
    const path = issue.path as Path;
    const where = formatPath(path);
    const input = (issue as { input?: unknown }).input;
    switch (issue.code) {
      case "unrecognized_keys": {
        const known = knownKeysAt(schema, path) ?? [];
        for (const key of issue.keys) {
          const near = closest(key, known);
          const inside = where === "" ? "" : ` in ${where}`;
          const hint = near ? ` (did you mean ${JSON.stringify(near)}?)` : known.length > 0 ? `; expected one of ${known.join(", ")}` : "";
          out.push({ code: Codes.unknownField, severity: "error", message: `unknown field ${JSON.stringify(key)}${inside}${hint}`, path: [...path, key], part: "key" });
        }
        break;
      }
      case "invalid_type":
        if (input === undefined) {
          out.push({ code: Codes.missingField, severity: "error", message: `missing required field ${where}: expected ${typeName(issue.expected)}`, path, part: "key" });
        } else {
          out.push({ code: Codes.wrongType, severity: "error", message: `${where}: expected ${typeName(issue.expected)}, found ${describe(input)}`, path });
        }
        break;
      case "invalid_value": {
        const options = issue.values.map((v) => JSON.stringify(v));
        const near = typeof input === "string" ? closest(input, issue.values.filter((v): v is string => typeof v === "string")) : undefined;
        out.push({ code: Codes.invalidValue, severity: "error", message: `${where}: invalid value ${describe(input)}: expected ${options.length === 1 ? options[0] : `one of ${options.join(", ")}`}${near ? ` (did you mean ${JSON.stringify(near)}?)` : ""}`, path });
        break;
      }
      case "invalid_union": {
        const values = issue.errors.flat().flatMap((e) => (e.code === "invalid_value" ? e.values.map((v) => JSON.stringify(v)) : []));
        out.push({ code: Codes.invalidValue, severity: "error", message: `${where}: invalid value ${describe(input)}${values.length > 0 ? `: expected one of ${values.join(", ")}` : ""}`, path });
        break;
      }
      case "too_small":
        out.push({ code: Codes.invalidValue, severity: "error", message: `${where}: ${describe(input)} is too small: expected at least ${String(issue.minimum)}`, path });
        break;
      case "too_big":
        out.push({ code: Codes.invalidValue, severity: "error", message: `${where}: ${describe(input)} is too large: expected at most ${String(issue.maximum)}`, path });
        break;
      case "custom": {
        const params = (issue.params ?? {}) as Partial<IssueParams>;
        const code = (params.pc && byCode[params.pc]) || Codes.invalidValue;
        out.push({
          code,
          severity: params.severity ?? code.severity,
          message: params.pc ? issue.message : `${where}: ${issue.message}`,
          path,
          ...(params.part ? { part: params.part } : {}),
          ...(params.inner !== undefined ? { inner: params.inner, innerLength: params.innerLength ?? 1 } : {}),
        });
        break;
      }
      default:
        out.push({ code: Codes.invalidValue, severity: "error", message: `${where}: ${issue.message}`, path });
    }
  }
  return out;
}
