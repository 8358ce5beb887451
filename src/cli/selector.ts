/**
 * `policy-compile selector EXPR`: parse a Calico selector and print its canonical form and id,
 * or, with --labels / --labels-json, whether it matches that label set.
 *
 * Output (stable, for scripts):
 *   canonical: <canonical form>
 *   id: <unique id>
 * or, when labels are given, a single line `true` or `false` (exit 0 either way).
 * An invalid selector exits 1 with the selector, a caret under the fault and the reason on stderr.
 */
import type { Command } from "commander";
import { formatSelectorError, parseSelector, SelectorSyntaxError, type Selector } from "../selector/index.js";
import type { CliContext, RegisterCommand } from "./context.js";
import { InputError, UsageError } from "./io.js";
import { loadOrFail } from "./load.js";
import type { Model } from "../model/types.js";
import { firstDuplicateKey } from "../model/json-keys.js";

interface SelectorOptions {
  readonly labels?: string;
  readonly labelsJson?: string;
  readonly file?: readonly string[];
}

const HELP_AFTER = `
Output:
  canonical: <Calico's canonical form>
  id: <Calico's unique id, s:...>
  With --labels or --labels-json: "true" or "false" (exit code 0 either way).
  An invalid selector exits 1 and shows where it is wrong.

Examples:
  $ policy-compile selector 'app=="web" && tier in {"b","a"}'
  canonical: (app == "web" && tier in {"a", "b"})
  id: s:q7Y89cuW2fzP5-K5FKypomoIURCoQSaHiM0KNw

  $ policy-compile selector '!has(quarantine) && app == "web"' --labels app=web,tier=a
  true

  $ policy-compile selector 'role != "db"' --labels-json '{"role": "db, primary"}'
  true

  $ policy-compile selector 'app == "web"' -f cluster/
  canonical: app == "web"
  id: s:...
  selects 1 of 4 workload endpoints:
    default/web (node node-1, 10.65.0.10/32)
`;

export const registerSelector: RegisterCommand = (program: Command, ctx: CliContext) => {
  program
    .command("selector")
    .description("Parse a Calico label selector: print its canonical form and id, or test it against labels.")
    .argument("<expr>", "the selector, e.g. 'app == \"web\" && !has(quarantine)' (quote it for the shell)")
    .option("--labels <k=v,...>", "labels to test the selector against, comma-separated (k= means an empty value)")
    .option("--labels-json <json>", "labels to test the selector against, as a JSON object of strings")
    .option("-f, --file <path...>", "list the endpoints and network sets in these files/directories that the selector selects")
    .addHelpText("after", HELP_AFTER)
    .action(async (expr: string, options: SelectorOptions) => {
      const labels = labelsFromOptions(options);
      if (labels !== undefined && options.file !== undefined) {
        throw new UsageError("error: give either labels to test or -f files to search, not both");
      }
      const selector = parseOrFail(expr);
      if (options.file !== undefined) {
        const { model } = await loadOrFail(options.file, ctx);
        ctx.io.stdout(describe(selector) + describeMatches(selector, model));
        return;
      }
      ctx.io.stdout(labels === undefined ? describe(selector) : `${selector.matches(labels)}\n`);
    });
};

/**
 * What the selector selects among the loaded resources, with the labels Calico evaluates
 * (effective labels: the endpoint's own plus namespace, service-account and profile labels).
 * Workload endpoints first, then host endpoints and network sets when there are any.
 */
function describeMatches(selector: Selector, model: Model): string {
  const lines: string[] = [];
  const wep = model.endpoints.filter((e) => selector.matches(e.labels));
  lines.push(`selects ${wep.length} of ${model.endpoints.length} workload endpoints${wep.length ? ":" : ""}`);
  for (const e of wep) {
    const where = [e.node === undefined ? "no node" : `node ${e.node}`, ...e.ipNetworks].join(", ");
    lines.push(`  ${e.key} (${where})`);
  }
  const hep = model.hostEndpoints.filter((h) => selector.matches(h.labels));
  if (model.hostEndpoints.length > 0) {
    lines.push(`selects ${hep.length} of ${model.hostEndpoints.length} host endpoints${hep.length ? ":" : ""}`);
    for (const h of hep) lines.push(`  ${h.name} (node ${h.node}${h.interfaceName ? `, ${h.interfaceName}` : ""})`);
  }
  const sets = model.networkSets.filter((n) => selector.matches(n.labels));
  if (model.networkSets.length > 0) {
    lines.push(`selects ${sets.length} of ${model.networkSets.length} network sets${sets.length ? ":" : ""}`);
    for (const n of sets) {
      const name = n.global ? `GlobalNetworkSet ${n.name}` : `NetworkSet ${n.namespace}/${n.name}`;
      lines.push(`  ${name} (${n.nets.join(", ")})`);
    }
  }
  return `${lines.join("\n")}\n`;
}

function describe(selector: Selector): string {
  return `canonical: ${selector.canonical}\nid: ${selector.id}\n`;
}

function parseOrFail(expr: string): Selector {
  try {
    return parseSelector(expr);
  } catch (e) {
    if (e instanceof SelectorSyntaxError) throw new InputError(`error: invalid selector\n${formatSelectorError(expr, e)}`);
    throw e;
  }
}

function labelsFromOptions(options: SelectorOptions): Record<string, string> | undefined {
  if (options.labels !== undefined && options.labelsJson !== undefined) {
    throw new UsageError("error: give either --labels or --labels-json, not both");
  }
  if (options.labels !== undefined) return parseLabelList(options.labels);
  if (options.labelsJson !== undefined) return parseLabelJson(options.labelsJson);
  return undefined;
}

/** `k=v,k2=v2` → {k: v, k2: v2}; the value is everything after the first `=`. */
export function parseLabelList(text: string): Record<string, string> {
  const labels: Record<string, string> = Object.create(null) as Record<string, string>;
  if (text === "") return labels;
  for (const item of text.split(",")) {
    const eq = item.indexOf("=");
    if (eq <= 0) throw new UsageError(`error: --labels: expected key=value, got "${item}"`);
    const key = item.slice(0, eq);
    if (Object.hasOwn(labels, key)) throw new UsageError(`error: --labels: label "${key}" is given twice`);
    labels[key] = item.slice(eq + 1);
  }
  return labels;
}

function parseLabelJson(text: string): Record<string, string> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`error: --labels-json: not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new UsageError("error: --labels-json: expected a JSON object of label names to string values");
  }
  // JSON.parse keeps the last of two equal keys; a label given twice is refused, as with --labels.
  const dup = firstDuplicateKey(text);
  if (dup !== undefined) throw new UsageError(`error: --labels-json: label "${dup.key}" is given twice`);
  const labels: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [key, v] of Object.entries(value)) {
    if (typeof v !== "string") throw new UsageError(`error: --labels-json: the value of "${key}" is not a string`);
    labels[key] = v;
  }
  return labels;
}
