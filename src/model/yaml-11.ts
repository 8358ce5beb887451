/**
 * How Kubernetes reads a YAML scalar, to refuse the ones it reads differently from us.
 *
 * kubectl, calicoctl and the API server turn YAML into JSON with sigs.k8s.io/yaml, whose scalar
 * typing is go-yaml v2's: YAML 1.1 booleans (`yes`, `on`, `n`, ...), `0120` as octal, `0b`
 * binary, `0X`/`0O` and signed hex/octal, underscores between digits, all through Go's
 * strconv.ParseInt with base 0 (after every `_` is removed). The `yaml` package reads YAML 1.2
 * (core schema), where all of those are strings or decimal numbers. Sexagesimal numbers (`1:20`)
 * and timestamps are strings on both sides (go-yaml v2 does not implement the former and hands the
 * latter to an interface{} as the original string), and JSON has no infinity or NaN, so `.inf`
 * and `.nan` make the conversion fail.
 *
 * A scalar is refused when the two readings differ, with what each side reads, rather than read
 * one way: the author meant one of them, and only they know which.
 */

/** A scalar as sigs.k8s.io/yaml hands it to JSON: a JSON value, or a reason it cannot. */
export type GoReading =
  | { readonly kind: "str"; readonly value: string }
  | { readonly kind: "null"; readonly value: null }
  | { readonly kind: "bool"; readonly value: boolean }
  | { readonly kind: "int"; readonly value: bigint }
  | { readonly kind: "float"; readonly value: number };

// Maps, not object literals: a scalar such as `toString` must not find an inherited property.
const BOOLS = new Map<string, boolean>();
for (const s of ["y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"]) BOOLS.set(s, true);
for (const s of ["n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"]) BOOLS.set(s, false);
const NULLS = new Set(["", "~", "null", "Null", "NULL"]);
const SPECIAL_FLOATS = new Map<string, number>();
for (const s of [".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"]) SPECIAL_FLOATS.set(s, Infinity);
for (const s of ["-.inf", "-.Inf", "-.INF"]) SPECIAL_FLOATS.set(s, -Infinity);
for (const s of [".nan", ".NaN", ".NAN"]) SPECIAL_FLOATS.set(s, NaN);

/** go-yaml's float shape (applied after underscores are removed). */
const YAML_STYLE_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
/** What Go's ParseFloat accepts from a text that starts with `.`: digits with single `_` between them. */
const DOT_FLOAT = /^\.[0-9](?:_?[0-9])*(?:[eE][-+]?[0-9](?:_?[0-9])*)?$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

/**
 * The first characters after which go-yaml may type a plain scalar (its resolve table: signs,
 * digits, `.`, and the letters that start a boolean or null word); every other scalar is a string.
 */
export function goMayType(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2d || c === 0x2e || c === 0x7e || c === 0x79 || c === 0x59 || c === 0x6e || c === 0x4e || c === 0x74 || c === 0x54 || c === 0x66 || c === 0x46 || c === 0x6f || c === 0x4f;
}

/**
 * Whether an untagged plain scalar may read differently in go-yaml than in `yaml`: a quick screen
 * for the fast reader, which meets a digit in most documents (ports, addresses). A scalar that
 * starts with 1-9 is decimal on both sides unless it holds `_` (removed by go-yaml) or an exponent
 * (go-yaml keeps an overflowing one as text); as a key, also unless it is a float or beyond int64
 * (go-yaml's key text differs, or is refused). The words are at most three letters; `true`,
 * `false` and `null` in their spellings read the same on both sides.
 */
export function mayDisagree(s: string, atKey: boolean): boolean {
  if (s.length === 0) return true;
  const c = s.charCodeAt(0);
  if (c >= 0x31 && c <= 0x39) return /[_eE]/.test(s) || (atKey && (s.includes(".") || s.length >= 19));
  if (c === 0x30 || c === 0x2b || c === 0x2d || c === 0x2e) return true;
  // A null key is "" to `yaml` and refused by sigs.k8s.io/yaml.
  if (atKey && (s === "null" || s === "Null" || s === "NULL")) return true;
  return s.length <= 3 && (c === 0x79 || c === 0x59 || c === 0x6e || c === 0x4e || c === 0x6f || c === 0x4f || c === 0x7e);
}

/** How go-yaml v2 types an untagged plain scalar (its resolve function), as JSON will carry it. */
export function goResolvePlain(s: string): GoReading {
  if (s.length > 0 && !goMayType(s.charCodeAt(0))) return { kind: "str", value: s };
  const b = BOOLS.get(s);
  if (b !== undefined) return { kind: "bool", value: b };
  if (NULLS.has(s)) return { kind: "null", value: null };
  const f = SPECIAL_FLOATS.get(s);
  if (f !== undefined) return { kind: "float", value: f };
  const c = s.charCodeAt(0);
  if (c === 0x2e /* . */) {
    if (DOT_FLOAT.test(s)) {
      const v = Number(s.replaceAll("_", ""));
      if (Number.isFinite(v)) return { kind: "float", value: v };
    }
    return { kind: "str", value: s };
  }
  if ((c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2d) {
    const plain = s.replaceAll("_", "");
    const int = parseGoInt(plain);
    if (int !== undefined && int >= INT64_MIN && int <= UINT64_MAX && (int <= INT64_MAX || !/^[-+]/.test(plain))) return { kind: "int", value: int };
    if (YAML_STYLE_FLOAT.test(plain)) {
      const v = Number(plain);
      // Go's ParseFloat reports an overflow as an error: go-yaml then keeps the string.
      if (Number.isFinite(v)) return { kind: "float", value: v };
    }
    // go-yaml retries `0b`/`-0b` itself; ParseInt with base 0 has already covered both.
  }
  return { kind: "str", value: s };
}

/**
 * Go's strconv.ParseInt(s, 0, ...) without the range check: an optional sign, then `0x`/`0X`,
 * `0o`/`0O`, `0b`/`0B` (each followed by at least one digit) or a leading `0` (octal), or decimal.
 */
function parseGoInt(s: string): bigint | undefined {
  let i = 0;
  let negative = false;
  if (s[0] === "+" || s[0] === "-") {
    negative = s[0] === "-";
    i = 1;
  }
  let body = s.slice(i);
  let digits = /^[0-9]+$/;
  let prefix = "";
  if (body[0] === "0" && body.length > 1) {
    const p = body[1]?.toLowerCase();
    if (body.length >= 3 && (p === "x" || p === "o" || p === "b")) {
      prefix = `0${p}`;
      digits = p === "x" ? /^[0-9a-fA-F]+$/ : p === "o" ? /^[0-7]+$/ : /^[01]+$/;
      body = body.slice(2);
    } else {
      prefix = "0o";
      digits = /^[0-7]+$/;
      body = body.slice(1);
    }
  }
  if (!digits.test(body)) return undefined;
  const v = BigInt(`${prefix}${body}`);
  return negative ? -v : v;
}

/**
 * How go-yaml v2 reads a scalar with an explicit tag (`!!int "0120"`): the standard tags resolve
 * the text as if it were plain (a mismatch is an error there), `!!str` keeps it, `!!binary`
 * decodes base64, any other tag keeps the text. Undefined: go-yaml refuses it.
 */
export function goResolveTagged(s: string, tag: string): GoReading | "binary" | undefined {
  const name = tag.startsWith("tag:yaml.org,2002:") ? tag.slice("tag:yaml.org,2002:".length) : undefined;
  if (name === "str" || name === "timestamp") return { kind: "str", value: s };
  if (name === "binary") return "binary";
  if (name === "int" || name === "float" || name === "bool" || name === "null") {
    const r = goResolvePlain(s);
    if (r.kind === name || (name === "float" && r.kind === "int")) return r.kind === "int" && name === "float" ? { kind: "float", value: Number(r.value) } : r;
    return undefined;
  }
  return { kind: "str", value: s };
}

/** The JSON value of a reading (undefined: JSON cannot hold it, as infinity and NaN). */
export function jsonValue(r: GoReading): string | number | boolean | null | undefined {
  if (r.kind === "int") return Number(r.value);
  if (r.kind === "float") return Number.isFinite(r.value) ? r.value : undefined;
  return r.value;
}

/**
 * The key a reading becomes in the JSON object (sigs.k8s.io/yaml's conversion of go-yaml's
 * map[interface{}]interface{} keys); undefined for the key types it refuses (null, and integers
 * beyond int64).
 */
export function jsonKey(r: GoReading): string | undefined {
  switch (r.kind) {
    case "str":
      return r.value;
    case "bool":
      return String(r.value);
    case "null":
      return undefined;
    case "int":
      return r.value <= INT64_MAX ? r.value.toString() : undefined;
    case "float":
      if (Number.isNaN(r.value)) return ".nan";
      if (!Number.isFinite(r.value)) return r.value > 0 ? ".inf" : "-.inf";
      return formatFloat32(r.value);
  }
}

/** Go's strconv.FormatFloat(f, 'g', -1, 32): the shortest float32 digits, in `%e` form below 1e-4 and from 1e6 on. */
function formatFloat32(f: number): string {
  const x = Math.fround(f);
  if (x === 0) return Object.is(x, -0) ? "-0" : "0";
  let mantissa = "";
  let exp = 0;
  for (let p = 1; p <= 9; p++) {
    const e = Math.abs(x).toExponential(p - 1);
    if (Math.fround(Number(e)) === Math.abs(x) || p === 9) {
      const [m, ex] = e.split("e") as [string, string];
      mantissa = m.replace(".", "").replace(/0+$/, "") || "0";
      exp = Number(ex);
      break;
    }
  }
  const sign = x < 0 ? "-" : "";
  if (exp < -4 || exp >= 6) {
    const m = mantissa.length > 1 ? `${mantissa[0]}.${mantissa.slice(1)}` : mantissa;
    const ex = Math.abs(exp).toString().padStart(2, "0");
    return `${sign}${m}e${exp < 0 ? "-" : "+"}${ex}`;
  }
  if (exp < 0) return `${sign}0.${"0".repeat(-exp - 1)}${mantissa}`;
  const int = mantissa.slice(0, exp + 1).padEnd(exp + 1, "0");
  const frac = mantissa.slice(exp + 1);
  return `${sign}${int}${frac ? `.${frac}` : ""}`;
}

/** What a scalar means to Kubernetes when that differs from what it means here (`yaml`). */
export interface Disagreement {
  /** What Kubernetes reads, in words ("the number 80"); why it rejects the scalar when `rejected`. */
  readonly kubernetes: string;
  readonly rejected: boolean;
  /** What `yaml` reads, in words. */
  readonly here: string;
  /** How to write what Kubernetes reads so both agree, when it differs from quoting the text. */
  readonly write: string | undefined;
}

/**
 * Compares go-yaml's reading of a scalar with `yaml`'s: undefined when they agree. `source` is
 * the scalar's text (plain, or the content of a tagged one); `here` what `yaml` made of it.
 */
export function disagreement(source: string, here: unknown, atKey: boolean, tag?: string): Disagreement | undefined {
  const go = tag === undefined ? goResolvePlain(source) : goResolveTagged(source, tag);
  if (go === "binary") return { kubernetes: "decodes it as base64", rejected: false, here: describeHere(here, atKey), write: undefined };
  if (go === undefined) return { kubernetes: `cannot read it as ${tag ?? ""}`, rejected: true, here: describeHere(here, atKey), write: undefined };
  if (atKey) {
    const k = jsonKey(go);
    const h = here === null ? "" : typeof here === "object" || typeof here === "function" ? undefined : String(here);
    if (k !== undefined && k === h) return undefined;
    const hereKey = h === undefined ? describeHere(here, true) : `the key ${JSON.stringify(h)}`;
    if (k === undefined) return { kubernetes: `cannot make ${describeGo(go)} a JSON key`, rejected: true, here: hereKey, write: undefined };
    return { kubernetes: `the key ${JSON.stringify(k)}`, rejected: false, here: hereKey, write: JSON.stringify(k) };
  }
  const k = jsonValue(go);
  if (k !== undefined && k === here) return undefined;
  if (k === undefined) return { kubernetes: `cannot convert ${describeGo(go)} to JSON`, rejected: true, here: describeHere(here, false), write: undefined };
  return { kubernetes: describeGo(go), rejected: false, here: describeHere(here, false), write: typeof k === "string" ? JSON.stringify(k) : String(k) };
}

function describeGo(r: GoReading): string {
  switch (r.kind) {
    case "str":
      return `the string ${JSON.stringify(r.value)}`;
    case "null":
      return "null";
    case "bool":
      return `the boolean ${r.value}`;
    case "int":
      return `the number ${r.value}`;
    case "float":
      return Number.isNaN(r.value) ? "NaN" : Number.isFinite(r.value) ? `the number ${r.value}` : r.value > 0 ? "infinity" : "minus infinity";
  }
}

function describeHere(v: unknown, atKey: boolean): string {
  if (v === null) return atKey ? 'the key ""' : "null";
  if (typeof v === "string") return `the string ${JSON.stringify(v)}`;
  if (typeof v === "boolean") return `the boolean ${v}`;
  if (typeof v === "number") return Number.isNaN(v) ? "NaN" : Number.isFinite(v) ? `the number ${v}` : v > 0 ? "infinity" : "minus infinity";
  if (v instanceof Uint8Array) return "binary data";
  if (v instanceof Date) return `the date ${v.toISOString()}`;
  return "a value of another type";
}

/**
 * The diagnostic's message: what each side reads and how to write it so they agree, e.g.
 * "`0120` is the number 80 to Kubernetes and calicoctl (YAML 1.1) but the number 120 here
 * (YAML 1.2): write 80, or quote it ("0120") for the string".
 */
export function disagreementMessage(source: string, d: Disagreement): string {
  const quoted = JSON.stringify(source);
  const fix = d.write !== undefined && d.write !== quoted ? `write ${d.write}, or quote it (${quoted}) for the string` : `quote it (${quoted}) for the string`;
  if (d.rejected) return `\`${source}\` is ${d.here} here (YAML 1.2), but Kubernetes and calicoctl (YAML 1.1, then JSON) ${d.kubernetes} and reject it: ${fix}`;
  return `\`${source}\` is ${d.kubernetes} to Kubernetes and calicoctl (YAML 1.1) but ${d.here} here (YAML 1.2): ${fix}`;
}
