/**
 * Defence in depth for the kernel's input. The loader already refuses names with whitespace,
 * quotes, control characters or wildcards (src/model/schema/references.ts); this is the second
 * line, for inputs that reach the renderer some other way (a hand-built NodeView, the agent's
 * engine, a future input format, a bug). iptables-restore and `ipset restore` read one command
 * per line and split it into words at whitespace, with double quotes grouping: a newline in a
 * name is a second command, a space or quote shifts every word after it, a `+` in an interface
 * name is a wildcard. So every word the renderers assemble from data goes through one guard,
 * and the printed text is checked once more, line by line, before anyone can run it.
 *
 * A refusal is an UnsafeTokenError: a CompileError (so every caller that turns compile errors
 * into located diagnostics, exit 1, does so here too) whose diagnostic names the token and, when
 * the renderer knows which resource it came from, points at that resource.
 */
import { Codes } from "../diagnostics/codes.js";
import type { Diagnostic, Span } from "../diagnostics/types.js";
import { CompileError } from "./errors.js";

const PRINTABLE = "printable characters without whitespace, quotes or backslashes";

export class UnsafeTokenError extends CompileError {
  constructor(
    readonly what: string,
    readonly token: string,
    readonly span?: Span,
    readonly expected: string = PRINTABLE,
  ) {
    super([unsafeTokenDiagnostic(what, token, span, expected)]);
    this.name = "UnsafeTokenError";
  }

  /** The same refusal pointing at `span`, unless it already points somewhere. */
  at(span: Span | undefined): UnsafeTokenError {
    return this.span !== undefined || span === undefined ? this : new UnsafeTokenError(this.what, this.token, span, this.expected);
  }
}

function unsafeTokenDiagnostic(what: string, token: string, span: Span | undefined, expected: string): Diagnostic {
  const shown = token.length > 80 ? `${JSON.stringify(token.slice(0, 60))}... (${token.length} characters)` : JSON.stringify(token);
  return {
    code: Codes.unsafeKernelToken.code,
    severity: Codes.unsafeKernelToken.severity,
    message: `refusing to write ${what} ${shown} into the kernel's rules: expected ${expected}; nothing was written`,
    ...(span && { span }),
  };
}

/** One word of a restore line: printable ASCII, no whitespace, no quote, no backslash. */
const SAFE_WORD = /^[!#-&(-[\]-~]+$/;

export function isSafeWord(s: string): boolean {
  return SAFE_WORD.test(s);
}

/** `token` itself when it is one safe word; otherwise an UnsafeTokenError naming `what` it is. */
export function safeToken(what: string, token: string): string {
  if (!SAFE_WORD.test(token)) throw new UnsafeTokenError(what, token);
  return token;
}

/**
 * The characters of an interface name (Calico's rule without its 15-character limit, which the
 * loader enforces: here a longer name is only a longer chain name, hashed to 28 bytes as Felix
 * does). Never `+`, which iptables reads as a wildcard.
 */
const INTERFACE_CHARS = /^[a-zA-Z0-9_.:@-]+$/;

/** An endpoint's interface name. `allowed` names extra keys a caller may pass (the `*` host endpoint's). */
export function safeInterfaceName(name: string, allowed: readonly string[] = []): string {
  if (!INTERFACE_CHARS.test(name) && !allowed.includes(name)) {
    throw new UnsafeTokenError("interface name", name, undefined, "a-z A-Z 0-9 _ . - only (no '+' wildcard)");
  }
  return name;
}

/** Runs `render`, pointing any refusal inside it at `span` (the resource being rendered). */
export function locatedAt<T>(span: Span | undefined, render: () => T): T {
  try {
    return render();
  } catch (e) {
    if (e instanceof UnsafeTokenError) throw e.at(span);
    throw e;
  }
}

// The whole-text checks. Each line must have a shape the printers generate, and be made of safe
// words, except the double-quoted argument of a comment or log prefix.

/** escapeComment's alphabet, spaces allowed: the only quoted arguments, and only after these options. */
const QUOTED_ARGUMENT = /^"[\w @%+=:,./-]*"$/;
const QUOTING_OPTIONS: ReadonlySet<string> = new Set(["--comment", "--log-prefix"]);

/**
 * The words of a restore line as iptables-restore splits them (whitespace outside double
 * quotes), or undefined when the line cannot be one we print: a control character, a quote that
 * does not close, a quoted word anywhere but after `--comment`/`--log-prefix`, an unsafe unquoted word.
 */
export function restoreWords(line: string): string[] | undefined {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (/[\x00-\x1f\x7f]/.test(line) || line !== line.trim() || line.includes("  ")) return undefined;
  const words: string[] = [];
  let i = 0;
  while (i < line.length) {
    if (line[i] === '"') {
      const end = line.indexOf('"', i + 1);
      if (end < 0) return undefined;
      const word = line.slice(i, end + 1);
      if (!QUOTED_ARGUMENT.test(word) || !QUOTING_OPTIONS.has(words[words.length - 1] ?? "")) return undefined;
      words.push(word);
      i = end + 1;
    } else {
      let end = line.indexOf(" ", i);
      if (end < 0) end = line.length;
      const word = line.slice(i, end);
      if (!SAFE_WORD.test(word)) return undefined;
      words.push(word);
      i = end;
    }
    if (i < line.length) {
      if (line[i] !== " ") return undefined;
      i++;
    }
  }
  return words;
}

const CHAIN = "[!#-&(-[\\]-~]+";
/** The iptables-restore lines policy-compile prints or plans. */
const IPTABLES_LINE = new RegExp(
  [
    "^\\*(filter|mangle|raw)$",
    "^COMMIT$",
    `^:${CHAIN} (-|ACCEPT|DROP) (-|\\[\\d+:\\d+\\])$`,
    `^-[AIRD] ${CHAIN}( \\d+)?( .*)?$`,
    `^-[FXN] ${CHAIN}$`,
    `^--delete-chain ${CHAIN}$`,
  ].join("|"),
);

/** The `ipset restore` lines policy-compile prints or plans. */
const IPSET_LINE = /^(create \S+ (hash:net|hash:ip,port)( \S+)*|add \S+ \S+|del \S+ \S+( --exist)?|swap \S+ \S+|destroy \S+|flush \S+)$/;

/**
 * Refuses restore text that is not a list of lines the printers generate. `program` names the
 * reader (iptables-restore or ipset restore) in the refusal.
 */
export function assertRestoreLines(program: "iptables" | "ipset", lines: readonly string[]): void {
  const shape = program === "iptables" ? IPTABLES_LINE : IPSET_LINE;
  lines.forEach((line, i) => {
    const words = restoreWords(line);
    if (words === undefined || !shape.test(line) || (program === "ipset" && words.some((w) => w.startsWith('"')))) {
      throw new UnsafeTokenError(`${program === "iptables" ? "iptables-restore" : "ipset restore"} line ${i + 1}`, line);
    }
  });
}

/** assertRestoreLines for printed text: one command per line, the last line ended by "\n". */
export function assertRestoreText(program: "iptables" | "ipset", text: string): string {
  if (text === "") return text;
  if (!text.endsWith("\n")) throw new UnsafeTokenError(`${program} restore text`, text.slice(-80));
  assertRestoreLines(program, text.slice(0, -1).split("\n"));
  return text;
}
