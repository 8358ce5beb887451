/**
 * `--format html`: one self-contained page (no network, no external file) showing a MatrixView:
 * the heat map grouped by namespace, a legend, totals per probe, a walk per clicked cell, and
 * the view's sections. Everything that comes from input is escaped twice over: HTML text is
 * escaped where it is written, and the view travels as JSON inside a <script> element with
 * `<`, `>`, `&` and the JavaScript line separators written as \u escapes, so no name, label,
 * comment or file path can close the element or start markup. The page is a function of the
 * view alone: same view, same bytes.
 */
import { PAGE_SCRIPT, PAGE_STYLE } from "./matrix-html-page.js";
import type { MatrixView } from "./matrix-view.js";

const HTML_ESCAPES: Readonly<Record<string, string>> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Text for an HTML text node or a quoted attribute. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] as string);
}

/** JSON that can sit inside a <script> element: nothing in it can end the element or the script. */
export function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** No fetch of any kind; only the page's own inline style and script run. */
const CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'";

const LEVEL_TEXT: Readonly<Record<MatrixView["level"], string>> = {
  pod: "one row and one column per pod",
  class: "one row and one column per class of pods (pods of a namespace whose verdicts from and to every other pod are the same); a cell's walk is that of one pair it stands for",
  namespace: "one row and one column per namespace (too many classes of pods to draw one each); a cell is shaded by the share of its pairs that are allowed, and each kind of pair in it has the walk of one pair",
};

function legend(view: MatrixView): string {
  const item = (cls: string, mark: string, text: string): string => `<span><span class="swatch ${cls}">${mark}</span>${escapeHtml(text)}</span>`;
  const items = view.changesOnly ? [] : view.states ? [item("allow", "", "allowed in both"), item("deny", "", "denied in both")] : [item("allow", "", "allowed"), item("deny", "", "denied")];
  if (view.states) {
    items.push(item("opened", "+", `opened (denied in ${view.states.base}, allowed in ${view.states.head})`), item("closed", "&#8722;", `closed (allowed in ${view.states.base}, denied in ${view.states.head})`));
  }
  if (view.states && view.slots?.includes("added")) {
    items.push(item("added", "&#8853;", `added (a pod of ${view.states.head} only, allowed there)`), item("removed", "&#8854;", `removed (a pod of ${view.states.base} only, allowed there)`));
  }
  if (view.changesOnly) {
    const groups = new Set(view.members.map((m) => m.namespace));
    if (groups.has("(hosts)")) items.push(`<span><b>(hosts)</b> ${escapeHtml("host:<node>: a node's host endpoints")}</span>`);
    if (groups.has("(outside the cluster)")) items.push(`<span><b>(outside the cluster)</b> ${escapeHtml("a CIDR a rule names")}</span>`);
  }
  if (view.level === "pod") items.push(item("self", "-", "same pod"));
  else items.push(`<span><span class="swatch" style="background:linear-gradient(90deg,var(--deny),var(--allow))"></span>mixed: shaded by the share allowed</span>`);
  items.push(item("none", "", view.changesOnly ? "no change" : "not probed (the destination has no such port)"));
  return `<div id="legend">${items.join("")}</div>`;
}

function summary(view: MatrixView): string {
  const count = (state: string, text: string): string => `<span>${text}: <b id="count-${state}">0</b></span>`;
  const counts = view.changesOnly ? [] : view.states ? [count("allow", "allowed in both"), count("deny", "denied in both")] : [count("allow", "allowed pairs"), count("deny", "denied pairs")];
  if (view.states) counts.push(count("opened", "opened"), count("closed", "closed"));
  if (view.states && view.slots?.includes("added")) counts.push(count("added", "added"), count("removed", "removed"));
  return `<div id="summary">${counts.join("")}</div>`;
}

/** The page for one view. */
export function renderMatrixHtml(view: MatrixView): string {
  const subtitle = view.subtitle.map((s) => `<p class="subtitle">${escapeHtml(s)}</p>`).join("\n");
  const sections = view.sections.map((s) => `<section class="report-section"><h2>${escapeHtml(s.title)}</h2>\n<pre>${escapeHtml(s.lines.join("\n"))}</pre></section>`).join("\n");
  const what = view.changesOnly ? "peer" : "pod";
  const podsText = `${view.pods} ${what}${view.pods === 1 ? "" : "s"}, ${view.members.length} row${view.members.length === 1 ? "" : "s"}: ${LEVEL_TEXT[view.level].replace(/\bpod\b/g, what)}.`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(view.title)}</title>
<style>${PAGE_STYLE}</style>
</head>
<body>
<header>
<h1>${escapeHtml(view.title)}</h1>
${subtitle}
<p class="subtitle">${escapeHtml(podsText)}</p>
</header>
<div id="controls"><label>probe <select id="probe"></select></label>${summary(view)}</div>
${legend(view)}
<div id="layout">
<div id="grid-wrap"><table id="grid"></table></div>
<div id="walk"><h2 id="walk-title">Click a cell to see its walk.</h2><div id="walk-body"></div></div>
</div>
${sections}
<script type="application/json" id="matrix-data">${scriptSafeJson(view)}</script>
<script>${PAGE_SCRIPT}</script>
</body>
</html>
`;
}
