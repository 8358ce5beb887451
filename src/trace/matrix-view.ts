/**
 * The picture of a matrix, as plain data: what `--format html` draws (matrix-html.ts), for one
 * state (`matrix -f`), two states (`matrix --from/--to`, `matrix --staged`) or a review report.
 *
 * Rows and columns are *members*, grouped by namespace: a pod each when the matrix is small
 * enough to read pod by pod; else a class of pods of one namespace whose rows and columns are
 * identical in both states (Matrix.podClasses), where one pair speaks for all; else, when even
 * the classes are too many to draw, a namespace each. A cell counts the pairs under it by state
 * (allowed, denied, opened, closed: the last two only with a base state) and names one
 * representative pair per state present, whose explain walk the page shows on a click. Walks
 * are computed here, once per representative, by a function the caller gives (the CLI prints
 * them as `explain` does), and stored as lines shared between walks, so a member's chain lines
 * are held once however many walks mention them.
 */
import type { Matrix, Probe } from "./matrix.js";
import type { Verdict } from "./types.js";

/** The states of a pair, in the order a cell counts them. */
export const PAIR_STATES = ["allow", "deny", "opened", "closed"] as const;
export type PairState = (typeof PAIR_STATES)[number];
/**
 * A review's four slots per cell: a pair with a pod in head only that head allows (added), one
 * with a pod in base only that base allowed (removed), then opened and closed at the matrix's
 * indexes. A review's grid has no allowed or denied-in-both pairs, so the slots are reused.
 */
export const REVIEW_SLOTS = ["added", "removed", "opened", "closed"] as const;
export type CellState = PairState | (typeof REVIEW_SLOTS)[number];

export type MatrixViewLevel = "pod" | "class" | "namespace";

export interface MatrixViewMember {
  readonly namespace: string;
  /** The pods it stands for, sorted (one at the pod level). */
  readonly pods: readonly string[];
}

export interface MatrixViewGrid {
  /** `TCP/80`, `ICMP`. */
  readonly probe: string;
  /** Per cell (row-major, members × members) four counts in the view's slot order (PAIR_STATES unless the view says). */
  readonly counts: readonly number[];
  /** Per cell four indexes into `walks` (-1 when that state has no pair). */
  readonly walks: readonly number[];
}

/** A titled list of lines under the grid (a review's connectivity, rules and problems). */
export interface MatrixViewSection {
  readonly title: string;
  readonly lines: readonly string[];
}

export interface MatrixView {
  readonly kind: "MatrixView";
  readonly title: string;
  /** Lines under the title (what was compared, notes). */
  readonly subtitle: readonly string[];
  /** The names of the two states when there are two ("--from", "--to"); absent for one state. */
  readonly states?: { readonly base: string; readonly head: string };
  readonly level: MatrixViewLevel;
  readonly pods: number;
  readonly members: readonly MatrixViewMember[];
  readonly grids: readonly MatrixViewGrid[];
  /** Each walk is its lines, as indexes into `lines`. */
  readonly walks: readonly (readonly number[])[];
  readonly lines: readonly string[];
  readonly sections: readonly MatrixViewSection[];
  /**
   * The grid holds only the pairs a change flips (a review): an empty cell is a pair whose
   * verdict did not change, and `pods` counts the peers of those pairs.
   */
  readonly changesOnly?: true;
  /** What each of a cell's four counts is, when not PAIR_STATES (a review: REVIEW_SLOTS). */
  readonly slots?: readonly CellState[];
}

/** A pair to explain: the representative of one state of one cell. */
export interface WalkRequest {
  readonly from: string;
  readonly to: string;
  readonly probe: Probe;
  readonly state: PairState;
}

export interface MatrixViewInput {
  readonly title: string;
  readonly subtitle?: readonly string[];
  /** The state drawn; its pods are the rows and columns. */
  readonly head: Pick<Matrix, "pods" | "probes" | "verdict" | "podClasses">;
  /** The state it is compared with; a pair without a base verdict (a new pod) counts as unchanged. */
  readonly base?: Pick<Matrix, "pods" | "verdict" | "podClasses">;
  readonly states?: { readonly base: string; readonly head: string };
  /** The explain text of one pair. */
  readonly walk: (request: WalkRequest) => string;
  readonly sections?: readonly MatrixViewSection[];
  /** Pod by pod up to this many pods (default 200). */
  readonly maxPods?: number;
  /** Classes up to this many members (default 400); beyond, namespaces. */
  readonly maxClasses?: number;
  /** Walks computed so far of the total, now and then (every 256) and at the end. */
  readonly progress?: (done: number, total: number) => void;
}

export const DEFAULT_MAX_PODS = 200;
export const DEFAULT_MAX_CLASSES = 400;

const probeLabel = (p: Probe): string => `${p.protocol}${p.port === null ? "" : `/${p.port}`}`;
const nsOf = (pod: string): string => pod.slice(0, pod.indexOf("/"));
const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Every (protocol, port) some destination is probed on, sorted by protocol then port. */
function allProbes(head: MatrixViewInput["head"]): Probe[] {
  const seen = new Map<string, Probe>();
  for (const to of head.pods) for (const p of head.probes(to)) seen.set(probeLabel(p), p);
  return [...seen.values()].sort((a, b) => byText(a.protocol, b.protocol) || (a.port ?? 0) - (b.port ?? 0));
}

function stateOf(head: Verdict, base: Verdict | undefined): PairState {
  if (base === undefined || base === head) return head;
  return head === "allow" ? "opened" : "closed";
}

/** Members of a level: each pod's member index, and the members in namespace order. */
export function membersOf(pods: readonly string[], level: MatrixViewLevel, classOf: (i: number) => string): { members: MatrixViewMember[]; memberOf: Int32Array } {
  const keyOf = (i: number): string => {
    const pod = pods[i] as string;
    return level === "pod" ? pod : level === "namespace" ? nsOf(pod) : `${nsOf(pod)}\u0000${classOf(i)}`;
  };
  const groups = new Map<string, string[]>();
  pods.forEach((pod, i) => {
    const k = keyOf(i);
    const g = groups.get(k);
    if (g) g.push(pod);
    else groups.set(k, [pod]);
  });
  // Pods are sorted, so a group's first pod orders it within its namespace.
  const members = [...groups.values()].map((g) => ({ namespace: nsOf(g[0] as string), pods: g })).sort((a, b) => byText(a.namespace, b.namespace) || byText(a.pods[0] as string, b.pods[0] as string));
  const index = new Map(members.flatMap((m, k) => m.pods.map((p) => [p, k] as const)));
  return { members, memberOf: Int32Array.from(pods, (p) => index.get(p) as number) };
}

/** Interns walk texts line by line. */
export class WalkStore {
  readonly lines: string[] = [];
  readonly walks: number[][] = [];
  private readonly lineIds = new Map<string, number>();
  private readonly walkIds = new Map<string, number>();
  /** A walk's text without its final newline (the page shows it in a block). */
  add(walk: string): number {
    const text = walk.endsWith("\n") ? walk.slice(0, -1) : walk;
    const known = this.walkIds.get(text);
    if (known !== undefined) return known;
    const ids = text.split("\n").map((line) => {
      let id = this.lineIds.get(line);
      if (id === undefined) {
        id = this.lines.length;
        this.lines.push(line);
        this.lineIds.set(line, id);
      }
      return id;
    });
    this.walks.push(ids);
    this.walkIds.set(text, this.walks.length - 1);
    return this.walks.length - 1;
  }
}

/**
 * The view of a matrix (or of two): members at the finest level that fits the bounds, cells
 * counted by class pair (one verdict lookup per class pair and probe, weighted by the pairs it
 * stands for), one walk per state present in a cell.
 */
export function buildMatrixView(input: MatrixViewInput): MatrixView {
  const { head, base } = input;
  const pods = head.pods;
  const headClasses = head.podClasses();
  const baseIndex = base ? new Map(base.pods.map((p, i) => [p, i])) : undefined;
  const baseClasses = base?.podClasses();
  const classKey = (i: number): string => {
    const b = baseIndex?.get(pods[i] as string);
    return `${headClasses[i] as number}/${b === undefined || !baseClasses ? -1 : (baseClasses[b] as number)}`;
  };
  // Classes: pods of one namespace with the same class in both states.
  const exact = membersOf(pods, "class", classKey);
  const level: MatrixViewLevel = pods.length <= (input.maxPods ?? DEFAULT_MAX_PODS) ? "pod" : exact.members.length <= (input.maxClasses ?? DEFAULT_MAX_CLASSES) ? "class" : "namespace";
  const { members, memberOf } = level === "class" ? exact : membersOf(pods, level, classKey);
  const n = members.length;
  const units = level === "pod" ? members : exact.members;
  const podIndex = new Map(pods.map((p, i) => [p, i]));
  const unitMember = Int32Array.from(units, (u) => memberOf[podIndex.get(u.pods[0] as string) as number] as number);
  const store = new WalkStore();
  const counted = allProbes(head).map((probe) => {
    const counts = new Array<number>(n * n * 4).fill(0);
    const reps = new Array<WalkRequest | undefined>(n * n * 4).fill(undefined);
    // One lookup per unit pair (a pod at the pod level, else an exact class), weighted by the
    // pairs it stands for; the first pair met (pods in order) represents its state.
    units.forEach((a, ai) => {
      const from = a.pods[0] as string;
      const row = unitMember[ai] as number;
      units.forEach((b, bi) => {
        const same = ai === bi;
        if (same && a.pods.length < 2) return;
        const to = b.pods[same ? 1 : 0] as string;
        const v = head.verdict(from, to, probe.protocol, probe.port);
        if (v === undefined) return;
        const state = stateOf(v, base?.verdict(from, to, probe.protocol, probe.port));
        const at = (row * n + (unitMember[bi] as number)) * 4 + PAIR_STATES.indexOf(state);
        counts[at] = (counts[at] as number) + (same ? a.pods.length * (a.pods.length - 1) : a.pods.length * b.pods.length);
        if (reps[at] === undefined) reps[at] = { from, to, probe, state };
      });
    });
    return { probe, counts, reps };
  });
  // The walks last: they are the slow part (an explain each), so progress counts them.
  const total = counted.reduce((t, c) => t + c.reps.filter((r) => r !== undefined).length, 0);
  let done = 0;
  const grids: MatrixViewGrid[] = counted.map(({ probe, counts, reps }) => {
    const walks = reps.map((r) => {
      if (r === undefined) return -1;
      if (done % 256 === 0) input.progress?.(done, total);
      done++;
      return store.add(input.walk(r));
    });
    return { probe: probeLabel(probe), counts, walks };
  });
  input.progress?.(done, total);
  return {
    kind: "MatrixView",
    title: input.title,
    subtitle: input.subtitle ?? [],
    ...(input.states && { states: input.states }),
    level,
    pods: pods.length,
    members,
    grids,
    walks: store.walks,
    lines: store.lines,
    sections: input.sections ?? [],
  };
}
