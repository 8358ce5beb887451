/**
 * The html view's stylesheet and script, inlined into every page (no network: the page's
 * Content-Security-Policy forbids any fetch). The script reads the view (matrix-view.ts) from
 * the page's JSON and builds the grid with DOM calls and textContent only: no input text is
 * ever parsed as HTML. Kept as plain strings (not a compiled function's source) so what ships
 * is exactly what the browser tests ran.
 */

export const PAGE_STYLE = `
:root { --allow: #2f9e5a; --deny: #f2d4d4; --opened: #1f6feb; --closed: #e36209; --added: #7b3fc4; --removed: #6b7280; --none: #ffffff; --self: #d0d0d0; --line: #bbb; }
* { box-sizing: border-box; }
body { font: 13px/1.4 system-ui, sans-serif; margin: 16px; color: #1b1b1b; background: #fff; }
h1 { font-size: 20px; margin: 0 0 4px; }
h2 { font-size: 15px; margin: 16px 0 6px; }
.subtitle { margin: 0; color: #444; }
#controls { display: flex; gap: 24px; align-items: center; flex-wrap: wrap; margin: 12px 0; }
#summary span { margin-right: 14px; }
#legend { display: flex; gap: 14px; flex-wrap: wrap; margin: 0 0 10px; }
.swatch { display: inline-block; width: 14px; height: 14px; border: 1px solid var(--line); vertical-align: -3px; margin-right: 4px; text-align: center; font-size: 11px; line-height: 12px; color: #fff; }
#layout { display: flex; gap: 16px; align-items: flex-start; }
#grid-wrap { overflow: auto; max-width: 70vw; max-height: 80vh; border: 1px solid var(--line); }
#grid { border-collapse: collapse; font-size: 11px; }
#grid th { background: #fafafa; font-weight: normal; white-space: nowrap; position: sticky; }
#grid thead th { top: 0; z-index: 2; }
#grid thead tr.numbers th { top: 19px; writing-mode: vertical-rl; font-size: 10px; padding: 2px 0; line-height: 14px; }
#grid tbody th { left: 0; z-index: 1; text-align: left; padding: 0 6px; }
#grid thead th.corner { left: 0; z-index: 3; }
#grid td { width: 14px; min-width: 14px; height: 14px; padding: 0; border: 1px solid #fff; text-align: center; font-size: 11px; line-height: 12px; color: #fff; cursor: pointer; }
#grid.roomy td { width: 22px; min-width: 22px; height: 22px; font-size: 14px; line-height: 20px; }
#grid td.ns-start, #grid th.ns-start { border-left: 2px solid #555; }
#grid tr.ns-start td, #grid tr.ns-start th { border-top: 2px solid #555; }
#grid td.selected { outline: 2px solid #000; outline-offset: -2px; }
.allow { background: var(--allow); }
.deny { background: var(--deny); }
.opened { background: var(--opened); }
.closed { background: var(--closed); }
.added { background: var(--added); }
.removed { background: var(--removed); }
.self { background: var(--self); color: #555 !important; cursor: default !important; }
.none { background: var(--none); cursor: default !important; }
#walk { flex: 1; min-width: 360px; max-width: 760px; }
#walk pre, section pre { background: #f6f6f6; border: 1px solid #ddd; padding: 8px; overflow: auto; white-space: pre; font-size: 12px; }
#walk-empty { color: #666; }
`;

export const PAGE_SCRIPT = `
"use strict";
(function () {
  var view = JSON.parse(document.getElementById("matrix-data").textContent);
  // What each of a cell's four counts is: a review reuses the first two for added and removed.
  var STATES = view.slots || ["allow", "deny", "opened", "closed"];
  var MARKS = { opened: "+", closed: "\\u2212", added: "\\u2295", removed: "\\u2296" };
  var COLORS = { allow: [47, 158, 90], deny: [242, 212, 212] };
  var STATE_TEXT = view.states ? { allow: "allowed in both", deny: "denied in both", opened: "opened", closed: "closed", added: "added", removed: "removed" } : { allow: "allowed", deny: "denied", opened: "opened", closed: "closed" };
  var n = view.members.length;
  var select = document.getElementById("probe");
  var gridEl = document.getElementById("grid");
  var walkTitle = document.getElementById("walk-title");
  var walkBody = document.getElementById("walk-body");
  var selected = null;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function memberLabel(m) {
    if (view.level === "pod") return m.pods[0];
    if (view.level === "namespace") return m.namespace + " (" + m.pods.length + " pod" + (m.pods.length === 1 ? "" : "s") + ")";
    return m.pods[0] + (m.pods.length > 1 ? " +" + (m.pods.length - 1) + " alike" : "");
  }
  function countsAt(grid, r, c) {
    var at = (r * n + c) * 4;
    return grid.counts.slice(at, at + 4);
  }
  /** The cell's state: one of STATES when all its pairs share it, "mixed", "self" (a pod to itself) or "none" (not probed). */
  function cellState(counts, r, c) {
    var present = STATES.filter(function (s, i) { return counts[i] > 0; });
    if (present.length === 1) return present[0];
    if (present.length > 1) return "mixed";
    return r === c && view.members[r].pods.length === 1 ? "self" : "none";
  }
  /** Shaded by the share of pairs allowed (in head: allowed, opened, added). */
  function heat(counts) {
    var total = counts[0] + counts[1] + counts[2] + counts[3];
    var allowed = 0;
    STATES.forEach(function (s, i) { if (s === "allow" || s === "opened" || s === "added") allowed += counts[i]; });
    var f = allowed / total;
    var rgb = [0, 1, 2].map(function (i) { return Math.round(COLORS.deny[i] + (COLORS.allow[i] - COLORS.deny[i]) * f); });
    return "rgb(" + rgb.join(", ") + ")";
  }
  function describe(counts) {
    return STATES.map(function (s, i) { return counts[i] > 0 ? counts[i] + " " + STATE_TEXT[s] : ""; }).filter(Boolean).join(", ");
  }
  function totals(grid) {
    var t = [0, 0, 0, 0];
    for (var i = 0; i < grid.counts.length; i++) t[i % 4] += grid.counts[i];
    return t;
  }
  function showSummary(grid) {
    var t = totals(grid);
    STATES.forEach(function (s, i) {
      var e = document.getElementById("count-" + s);
      if (e) e.textContent = String(t[i]);
    });
  }
  function walkText(index) {
    return view.walks[index].map(function (l) { return view.lines[l]; }).join("\\n");
  }
  function showWalk(grid, r, c, td) {
    if (selected) selected.classList.remove("selected");
    selected = td;
    td.classList.add("selected");
    var counts = countsAt(grid, r, c);
    walkTitle.textContent = memberLabel(view.members[r]) + " -> " + memberLabel(view.members[c]) + " " + grid.probe + ": " + describe(counts);
    walkBody.replaceChildren();
    STATES.forEach(function (s, i) {
      if (counts[i] === 0) return;
      var w = grid.walks[(r * n + c) * 4 + i];
      var pairs = counts[i] === 1 ? "1 pair" : counts[i] + " pairs";
      walkBody.appendChild(el("h3", "walk-state walk-" + s, STATE_TEXT[s] + ": " + pairs + (counts[i] > 1 ? "; the walk of one of them:" : "")));
      walkBody.appendChild(el("pre", "walk-text", walkText(w)));
    });
  }
  function render(gi) {
    var grid = view.grids[gi];
    showSummary(grid);
    gridEl.replaceChildren();
    // Few rows: bigger cells.
    gridEl.className = n <= 40 ? "roomy" : "";
    walkTitle.textContent = "Click a cell to see its walk.";
    walkBody.replaceChildren();
    selected = null;
    var nsStart = view.members.map(function (m, i) { return i > 0 && view.members[i - 1].namespace !== m.namespace; });
    var thead = el("thead");
    var bands = el("tr", "namespaces");
    bands.appendChild(el("th", "corner", "from \\\\ to"));
    var i = 0;
    while (i < n) {
      var j = i;
      while (j < n && view.members[j].namespace === view.members[i].namespace) j++;
      var th = el("th", i > 0 ? "ns-start" : "", view.members[i].namespace);
      th.colSpan = j - i;
      th.title = view.members[i].namespace;
      bands.appendChild(th);
      i = j;
    }
    thead.appendChild(bands);
    var numbers = el("tr", "numbers");
    numbers.appendChild(el("th", "corner", ""));
    view.members.forEach(function (m, k) {
      var th = el("th", nsStart[k] ? "ns-start" : "", String(k + 1));
      th.title = memberLabel(m);
      numbers.appendChild(th);
    });
    thead.appendChild(numbers);
    gridEl.appendChild(thead);
    var tbody = el("tbody");
    for (var r = 0; r < n; r++) {
      var tr = el("tr", nsStart[r] ? "ns-start" : "");
      var rh = el("th", "", String(r + 1) + " " + memberLabel(view.members[r]));
      rh.title = view.members[r].pods.join("\\n");
      tr.appendChild(rh);
      for (var c = 0; c < n; c++) {
        var counts = countsAt(grid, r, c);
        var state = cellState(counts, r, c);
        var td = el("td", state + (nsStart[c] ? " ns-start" : ""), MARKS[state] || (state === "self" ? "-" : ""));
        td.dataset.row = String(r);
        td.dataset.col = String(c);
        td.dataset.state = state;
        td.dataset.counts = counts.join(",");
        if (state === "mixed") {
          td.style.background = heat(counts);
          var changes = STATES.filter(function (s, k) { return counts[k] > 0 && MARKS[s]; });
          if (changes.length > 0) {
            td.textContent = changes.length > 1 ? "\\u00b1" : MARKS[changes[0]];
            td.style.color = "#000";
          }
        }
        td.title = memberLabel(view.members[r]) + " -> " + memberLabel(view.members[c]) + ": " + (state === "self" ? "same pod" : state === "none" ? (view.changesOnly ? "no change" : "not probed") : describe(counts));
        tr.appendChild(td);
      }
      tbody.appendChild(tr);
    }
    gridEl.appendChild(tbody);
  }
  gridEl.addEventListener("click", function (ev) {
    var td = ev.target.closest("td");
    if (!td || td.dataset.state === "self" || td.dataset.state === "none") return;
    showWalk(view.grids[Number(select.value)], Number(td.dataset.row), Number(td.dataset.col), td);
  });
  view.grids.forEach(function (g, k) {
    var o = el("option", "", g.probe);
    o.value = String(k);
    select.appendChild(o);
  });
  select.addEventListener("change", function () { render(Number(select.value)); });
  if (view.grids.length > 0) render(0);
  document.body.dataset.ready = "true";
})();
`;
