/**
 * The matrix's two outputs, produced in chunks from the lazy pairs so a 25M-pair matrix is
 * never one string or one array: the JSON contract (byte-identical to
 * `JSON.stringify({ pairs }, null, 2)`) and the text grid.
 */
import type { Matrix, MatrixPair } from "./matrix.js";
import { stagedRefText, type StagedChange, type StagedMatrix, type StagedPair } from "./staged.js";
import type { TraceProtocol } from "./types.js";

const pairJson = (p: MatrixPair): string =>
  `    {\n      "from": ${JSON.stringify(p.from)},\n      "to": ${JSON.stringify(p.to)},\n      "port": ${p.port === null ? "null" : String(p.port)},\n      "protocol": ${JSON.stringify(p.protocol)},\n      "verdict": ${JSON.stringify(p.verdict)}\n    }`;

/** `{"pairs": [...]}` pretty-printed with two spaces, in chunks of up to `batch` pairs (no trailing newline). */
export function matrixJsonChunks(m: Pick<Matrix, "pairs">, batch = 2000): Generator<string> {
  return jsonChunks(m.pairs(), pairJson, batch);
}

const stagedPairJson = (p: StagedPair): string =>
  `${pairJson(p).slice(0, -"\n    }".length)},\n      "enforced": ${JSON.stringify(p.enforced)},\n      "pending": ${JSON.stringify(p.pending)}\n    }`;

/** `matrix --staged --format json`: every pair with `verdict` (the pending one), `enforced` and `pending`. */
export function stagedMatrixJsonChunks(m: Pick<StagedMatrix, "pairs">, batch = 2000): Generator<string> {
  return jsonChunks(m.pairs(), stagedPairJson, batch);
}

function* jsonChunks<P>(pairs: Iterable<P>, json: (p: P) => string, batch: number): Generator<string> {
  let buf: string[] = [];
  let any = false;
  for (const p of pairs) {
    buf.push(`${any ? ",\n" : '{\n  "pairs": [\n'}${json(p)}`);
    any = true;
    if (buf.length >= batch) {
      yield buf.join("");
      buf = [];
    }
  }
  buf.push(any ? "\n  ]\n}" : '{\n  "pairs": []\n}');
  yield buf.join("");
}

const probeLabel = (protocol: string, port: number | null): string => `${protocol}${port === null ? "" : `/${port}`}`;

/** The grid's lines, one per yield (join with "\n" for the text). */
function* gridLines(m: Matrix): Generator<string> {
  // Groups in the order their first pair appears in the pair stream: destination t is first
  // reached from source 0 (from source 1 when t is 0), its probes in order.
  const groups = new Map<string, { protocol: TraceProtocol; port: number | null }>();
  const seen = new Map<string, number>();
  m.pods.forEach((to, t) => {
    m.probes(to).forEach((pr, k) => {
      const label = probeLabel(pr.protocol, pr.port);
      const at = ((t === 0 ? 1 : 0) * m.pods.length + t) * 65536 + k;
      const prev = seen.get(label);
      if (prev === undefined || at < prev) seen.set(label, at);
      if (!groups.has(label)) groups.set(label, { protocol: pr.protocol, port: pr.port });
    });
  });
  if (m.pods.length < 2) return;
  const order = [...seen].map(([label, at]) => ({ label, at })).sort((a, b) => a.at - b.at);
  const width = Math.max(7, ...m.pods.map((p) => p.length));
  const nsOf = (k: string): string => k.split("/")[0] ?? "";
  for (const { label } of order) {
    const g = groups.get(label) as { protocol: TraceProtocol; port: number | null };
    const cols = m.pods.filter((to) => m.probes(to).some((pr) => pr.protocol === g.protocol && pr.port === g.port));
    yield `${label}: . allow, X deny, - same pod, blank not probed; columns:`;
    for (let i = 0; i < cols.length; i++) yield `  ${String(i + 1).padStart(3)} ${cols[i] as string}`;
    const sepBefore = cols.map((c, i) => i > 0 && nsOf(cols[i - 1] as string) !== nsOf(c));
    yield `${"".padEnd(width)}  ${cols.map((_, i) => (sepBefore[i] ? "| " : "") + String((i + 1) % 10)).join(" ")}`;
    let lastNs: string | undefined;
    for (const from of m.pods) {
      if (lastNs !== undefined && lastNs !== nsOf(from)) yield "";
      lastNs = nsOf(from);
      const row = cols.map((to, i) => {
        const sep = sepBefore[i] ? "| " : "";
        if (from === to) return `${sep}-`;
        const v = m.verdict(from, to, g.protocol, g.port);
        return sep + (v === undefined ? " " : v === "allow" ? "." : "X");
      });
      yield `${from.padEnd(width)}  ${row.join(" ")}`;
    }
    yield "";
  }
}

/** A grid per (protocol, port): rows sources, columns destinations, grouped by namespace; in chunks. */
export function* matrixTextChunks(m: Matrix): Generator<string> {
  let first = true;
  for (const line of gridLines(m)) {
    yield first ? line : `\n${line}`;
    first = false;
  }
}

export function renderMatrixText(m: Matrix): string {
  return [...matrixTextChunks(m)].join("");
}

const probeText = (c: { protocol: string; port: number | null }): string => `${c.protocol}${c.port === null ? "" : `/${c.port}`}`;

export function stagedChangeJson(c: StagedChange): object {
  const d = c.decidedBy;
  return {
    from: c.from,
    to: c.to,
    port: c.port,
    protocol: c.protocol,
    change: c.pending === "allow" ? "opened" : "closed",
    enforced: c.enforced,
    pending: c.pending,
    decidedBy: d ? { kind: d.kind, summary: d.summary, ...(d.policy && { policy: d.policy }), ...(d.ruleIndex !== undefined && { ruleIndex: d.ruleIndex }), ...(d.action && { action: d.action }), ...(d.file !== undefined && { file: d.file }), ...(d.line !== undefined && { line: d.line }), chain: d.chain, rule: d.rule, hash: d.hash } : null,
    staged: c.staged,
  };
}

/** One changed pair: the change, then what decides its pending verdict and the staged policies behind it. */
function stagedChangeText(c: StagedChange): string {
  const lines = [`${(c.pending === "allow" ? "opened" : "closed").padEnd(6)} ${c.from} -> ${c.to} ${probeText(c)}`];
  const d = c.decidedBy;
  if (d) {
    lines.push(`  pending decided by: ${d.summary}`);
    if (d.file !== undefined) lines.push(`  at:                 ${d.file}${d.line !== undefined ? `:${d.line}` : ""}`);
  }
  for (const r of c.staged) lines.push(`  staged:             ${stagedRefText(r)}`);
  return `${lines.join("\n")}\n`;
}

/** `matrix --staged --changes` as text: each changed pair, or a line saying there is none. */
export function stagedChangesText(changes: readonly StagedChange[]): string {
  return changes.length === 0 ? "no pair changes: promoting the staged policies changes no verdict\n" : changes.map(stagedChangeText).join("");
}

/** The line before the pending grid of `matrix --staged`: how many pairs promotion changes. */
export function stagedMatrixHeader(m: Pick<StagedMatrix, "pairs">): string {
  let changed = 0;
  for (const p of m.pairs()) if (p.enforced !== p.pending) changed++;
  return `pending: staged policies promoted; ${changed} pair${changed === 1 ? "" : "s"} differ${changed === 1 ? "s" : ""} from today (matrix --staged --changes lists them)\n`;
}
