/**
 * Selector benchmark: parse throughput over a fixed mix of realistic selectors (the shapes that
 * appear in Calico and converted Kubernetes policies), and evaluation throughput of one
 * compiled selector against a 10-label endpoint. Workloads are fixed; only timing varies.
 */
import { parseSelector } from "../../src/selector/index.js";

const MIX: readonly string[] = [
  'app == "web"',
  "all()",
  "",
  'role == "database" && environment in {"prod", "staging"}',
  "projectcalico.org/namespace == 'default'",
  '(app == "frontend") && projectcalico.org/namespace == \'shop\'',
  "has(projectcalico.org/namespace) && pcns.team == 'payments'",
  '!has(quarantine) && tier not in {"legacy", "deprecated"}',
  "projectcalico.org/serviceaccount in {\"sa1\", \"sa2\"}",
  'k8s-app == "kube-dns" || (app starts with "dns-" && !has(canary))',
  "pcns.kubernetes.io/metadata.name == 'kube-system'",
  'version ends with "-rc" || version contains "beta"',
  "global()",
  '(pcns.projectcalico.org/name == "prod" && has(pcns.team)) && (app == "api" && tier in {"a", "b", "c"})',
];

const EVAL_SELECTOR = 'app == "web" && tier in {"a", "b", "c"} && !has(quarantine)';
const LABELS: Readonly<Record<string, string>> = {
  app: "web",
  tier: "b",
  "projectcalico.org/namespace": "shop",
  "projectcalico.org/orchestrator": "k8s",
  "pcns.team": "payments",
  version: "1.4.2",
  zone: "eu-west-1a",
  "kubernetes.io/os": "linux",
  release: "stable",
  owner: "platform",
};

function perSecond(count: number, ms: number): string {
  return Math.round((count / ms) * 1000).toLocaleString("en-US");
}

function timeParse(rounds: number): number {
  const start = performance.now();
  for (let r = 0; r < rounds; r++) for (const s of MIX) parseSelector(s);
  return performance.now() - start;
}

export async function run(): Promise<void> {
  timeParse(2_000); // warm up the JIT and chevrotain's lookahead caches
  const rounds = 10_000;
  const parseMs = timeParse(rounds);
  const parses = rounds * MIX.length;
  console.log(`parse: ${parses.toLocaleString("en-US")} selectors (${MIX.length}-selector mix) in ${parseMs.toFixed(0)} ms = ${perSecond(parses, parseMs)} parses/s`);

  const sel = parseSelector(EVAL_SELECTOR);
  const other: Record<string, string> = { ...LABELS, tier: "z" };
  let hits = 0;
  for (let i = 0; i < 1_000_000; i++) if (sel.matches(i & 1 ? LABELS : other)) hits++;
  const evals = 20_000_000;
  const start = performance.now();
  for (let i = 0; i < evals; i++) if (sel.matches(i & 1 ? LABELS : other)) hits++;
  const evalMs = performance.now() - start;
  console.log(`evaluate: ${sel.canonical} against 10 labels: ${evals.toLocaleString("en-US")} in ${evalMs.toFixed(0)} ms = ${perSecond(evals, evalMs)} evaluations/s (${hits} matches)`);
}
