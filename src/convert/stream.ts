/**
 * One input file → the same file with every AdminNetworkPolicy and BaselineAdminNetworkPolicy
 * rewritten as a ClusterNetworkPolicy (admin-to-cnp.ts). Everything else passes through as it
 * was written: a document without an admin policy keeps its exact bytes; a document with one is
 * printed again by the `yaml` library, which keeps comments, key order, flow/block style and
 * quoting, and takes the document's sequence indentation and flow-brace padding from its source.
 *
 * Admin policies are found where the loader finds resources: a document's mapping, the items of
 * a `List` (each with its own apiVersion and kind), the items of a typed `AdminNetworkPolicyList`
 * or `BaselineAdminNetworkPolicyList` (which becomes a `ClusterNetworkPolicyList`; items that
 * omit apiVersion and kind still inherit them), and the items of a top-level sequence.
 *
 * A JSON file (no comments to keep) is printed as JSON again, two-space indented, keys in order.
 */
import { isMap, isScalar, isSeq, parseAllDocuments, type Document, type Node, type YAMLMap } from "yaml";
import type { Diagnostic, SourceFile, Span } from "../diagnostics/types.js";
import { CNP_API_VERSION, convertAdminPolicy, isAdminKind, type ConvertNote } from "./admin-to-cnp.js";

/** A ClusterNetworkPolicy name this file defines (converted or written as one), for clash checks. */
export interface CnpName {
  readonly name: string;
  readonly span: Span;
  readonly converted: boolean;
}

export interface ConvertedFile {
  readonly file: string;
  /** The file's new text (the input's bytes when nothing was converted). */
  readonly text: string;
  /** How many admin policies were rewritten. */
  readonly converted: number;
  readonly diagnostics: readonly Diagnostic[];
  readonly names: readonly CnpName[];
}

function str(map: YAMLMap, key: string): unknown {
  const n = map.get(key, true);
  return isScalar(n) ? n.value : undefined;
}

function spanOf(file: string, node: Node | undefined, fallback: Span): Span {
  const r = node?.range;
  return r ? { file, start: r[0], end: Math.max(r[1], r[0] + 1) } : fallback;
}

/** Sequence indentation and flow padding as the document's source writes them. */
function styleOf(source: string): { indent: number; indentSeq: boolean; flowCollectionPadding: boolean } {
  const m = /^( *)[^\s#-][^\n]*:[ \t]*(?:#[^\n]*)?\n(?:[ \t]*(?:#[^\n]*)?\n)*( *)- /m.exec(source);
  const indentSeq = m ? (m[2] as string).length > (m[1] as string).length : true;
  // The indentation step: a top-level key whose value is a block mapping, and its first key.
  const step = /^[^\s#-][^\n]*:[ \t]*(?:#[^\n]*)?\n(?:[ \t]*(?:#[^\n]*)?\n)*( +)[^\s#-]/m.exec(source)?.[1]?.length;
  const indent = step !== undefined && step >= 1 && step <= 8 ? step : 2;
  const flowCollectionPadding = /[{[] \S/.test(source) && !/[{[][^ \s}\]]/.test(source);
  return { indent, indentSeq, flowCollectionPadding };
}

interface Found {
  readonly resource: YAMLMap;
  readonly kind: "AdminNetworkPolicy" | "BaselineAdminNetworkPolicy";
  readonly explicitType: boolean;
}

/** The admin policies of one document, and the ClusterNetworkPolicies it already holds. */
function findResources(doc: Document, existing: YAMLMap[]): Found[] {
  const found: Found[] = [];
  const visit = (node: unknown, inherited?: { apiVersion: unknown; kind: unknown }): void => {
    if (!isMap(node)) return;
    const apiVersion = str(node, "apiVersion") ?? inherited?.apiVersion;
    const kind = str(node, "kind") ?? inherited?.kind;
    if (isAdminKind(apiVersion, kind)) {
      found.push({ resource: node, kind, explicitType: str(node, "apiVersion") !== undefined || str(node, "kind") !== undefined });
      return;
    }
    if (apiVersion === CNP_API_VERSION && kind === "ClusterNetworkPolicy") existing.push(node);
    if (inherited === undefined && typeof kind === "string" && kind.endsWith("List")) {
      const items = node.get("items", true);
      if (!isSeq(items)) return;
      const itemKind = kind === "List" ? undefined : kind.slice(0, -"List".length);
      const typed = itemKind !== undefined && isAdminKind(apiVersion, itemKind);
      for (const item of items.items) visit(item, itemKind !== undefined ? { apiVersion, kind: itemKind } : undefined);
      if (typed) {
        // The list itself becomes a ClusterNetworkPolicyList, so items that inherit stay right.
        (node.get("apiVersion", true) as { value: unknown }).value = CNP_API_VERSION;
        (node.get("kind", true) as { value: unknown }).value = "ClusterNetworkPolicyList";
      }
    }
  };
  if (isSeq(doc.contents)) for (const item of doc.contents.items) visit(item);
  else visit(doc.contents);
  return found;
}

function nameOf(file: string, resource: YAMLMap, converted: boolean, fallback: Span): CnpName | undefined {
  const meta = resource.get("metadata", true);
  if (!isMap(meta)) return undefined;
  const n = meta.get("name", true);
  if (!isScalar(n) || typeof n.value !== "string") return undefined;
  return { name: n.value, span: spanOf(file, n, fallback), converted };
}

export function convertSource(source: SourceFile): ConvertedFile {
  const { file, text } = source;
  const json = source.format === "json" || (source.format === undefined && file.endsWith(".json"));
  const docs = parseAllDocuments(text, { prettyErrors: false });
  const diagnostics: Diagnostic[] = [];
  const names: CnpName[] = [];
  const whole: Span = { file, start: 0, end: Math.min(1, text.length) };
  const toDiagnostic = (n: ConvertNote): Diagnostic => ({
    code: n.code.code,
    severity: n.code.severity,
    message: n.message,
    span: spanOf(file, n.node, whole),
  });
  let converted = 0;
  const pieces: string[] = [];
  let from = 0;
  const list = Array.isArray(docs) ? docs : [];
  list.forEach((doc, i) => {
    const end = i === list.length - 1 ? text.length : doc.range[2];
    const existing: YAMLMap[] = [];
    const found = findResources(doc, existing);
    for (const e of existing) {
      const n = nameOf(file, e, false, whole);
      if (n) names.push(n);
    }
    for (const f of found) {
      const n = nameOf(file, f.resource, true, whole);
      diagnostics.push(...convertAdminPolicy(doc, f.resource, f.kind, f.explicitType).map(toDiagnostic));
      if (n) names.push(n);
    }
    converted += found.length;
    if (found.length === 0 || json) {
      pieces.push(text.slice(from, end));
    } else {
      const own = text.slice(from, end);
      let printed = doc.toString({ ...styleOf(own), lineWidth: 0 });
      // The printer puts a blank line before a comment that ends the document; keep the source's
      // spacing when it had none.
      const trailing = /\n\n((?:#[^\n]*\n?)+)$/.exec(printed);
      if (trailing && doc.comment && !/\n[ \t]*\n/.test(text.slice(Math.max(0, doc.range[1] - 1), doc.range[2]))) printed = `${printed.slice(0, trailing.index)}\n${trailing[1]}`;
      // The last document: a file that did not end in a newline still does not, and text after the
      // document that the printed form does not hold is kept as it was.
      const tail = text.slice(doc.range[2], end);
      if (i === list.length - 1 && tail.trim() === "" && !own.endsWith("\n")) printed = printed.replace(/\n$/, "");
      else if (i === list.length - 1 && tail.trim() !== "" && !printed.includes(tail.trim())) printed += tail;
      pieces.push(printed);
    }
    from = end;
  });
  if (json && converted > 0) {
    const only = list[0];
    return { file, text: `${JSON.stringify(only?.toJS() ?? null, null, 2)}\n`, converted, diagnostics, names };
  }
  return { file, text: converted > 0 ? pieces.join("") : text, converted, diagnostics, names };
}
