/**
 * Expected reachability, written the way the upstream e2e suite writes it
 * (test/e2e/network/netpol/reachability.go): start from a default for every (from, to) pair,
 * then override with Expect / ExpectAllIngress / ExpectAllEgress / ExpectPeer. Loopback
 * (a pod to itself) is never probed, as upstream ignores it.
 */

/** Matches a pod by namespace and/or name; an absent field matches everything. */
export interface Peer {
  readonly namespace?: string;
  readonly pod?: string;
}

export class Reachability {
  private readonly table = new Map<string, boolean>();

  constructor(
    readonly pods: readonly string[],
    defaultExpectation: boolean,
  ) {
    for (const from of pods) for (const to of pods) this.table.set(cell(from, to), defaultExpectation);
  }

  expect(from: string, to: string, connected: boolean): this {
    this.requirePod(from);
    this.requirePod(to);
    this.table.set(cell(from, to), connected);
    return this;
  }

  /** Every pod → `pod`. */
  expectAllIngress(pod: string, connected: boolean): this {
    this.requirePod(pod);
    for (const from of this.pods) this.table.set(cell(from, pod), connected);
    return this;
  }

  /** `pod` → every pod. */
  expectAllEgress(pod: string, connected: boolean): this {
    this.requirePod(pod);
    for (const to of this.pods) this.table.set(cell(pod, to), connected);
    return this;
  }

  expectPeer(from: Peer, to: Peer, connected: boolean): this {
    for (const f of this.pods) {
      if (!peerMatches(from, f)) continue;
      for (const t of this.pods) if (peerMatches(to, t)) this.table.set(cell(f, t), connected);
    }
    return this;
  }

  get(from: string, to: string): boolean {
    const v = this.table.get(cell(from, to));
    if (v === undefined) throw new Error(`no pair ${from} -> ${to}`);
    return v;
  }

  /** Every (from, to) pair that is probed: all ordered pairs of distinct pods. */
  pairs(): { from: string; to: string }[] {
    return this.pods.flatMap((from) => this.pods.filter((to) => to !== from).map((to) => ({ from, to })));
  }

  private requirePod(pod: string): void {
    if (!this.pods.includes(pod)) throw new Error(`unknown pod ${pod} (pods: ${this.pods.join(", ")})`);
  }
}

function cell(from: string, to: string): string {
  return `${from}\u0000${to}`;
}

function peerMatches(peer: Peer, pod: string): boolean {
  const [ns, name] = pod.split("/");
  return (peer.namespace === undefined || peer.namespace === ns) && (peer.pod === undefined || peer.pod === name);
}

/** Observed results: true, false, or a skip reason (e.g. SCTP on a kernel without SCTP). */
export type Observation = boolean | { readonly skipped: string };

export interface Mismatch {
  readonly from: string;
  readonly to: string;
  readonly expected: boolean;
  readonly observed: boolean;
  readonly detail?: string;
}

/**
 * Renders a matrix the way upstream prints truth tables: rows are sources, columns
 * destinations; `.` connected, `X` blocked, `-` loopback (not probed), `?` skipped. With a
 * `compare` table, cells that differ are shown as `!`.
 */
export function renderMatrix(
  pods: readonly string[],
  value: (from: string, to: string) => Observation | undefined,
  compare?: (from: string, to: string) => Observation | undefined,
): string {
  const corner = "from\\to";
  const first = Math.max(corner.length, ...pods.map((p) => p.length));
  const width = Math.max(1, ...pods.map((p) => p.length));
  const pad = (s: string): string => s.padEnd(width);
  const header = corner.padEnd(first) + " " + pods.map(pad).join(" ");
  const rows = pods.map((from) => {
    const cells = pods.map((to) => {
      if (from === to) return pad("-");
      const v = value(from, to);
      const c = compare?.(from, to);
      if (v === undefined || typeof v === "object") return pad("?");
      if (c !== undefined && typeof c === "boolean" && c !== v) return pad("!");
      return pad(v ? "." : "X");
    });
    return from.padEnd(first) + " " + cells.join(" ");
  });
  return [header, ...rows].join("\n");
}
