/**
 * Every input file converted (stream.ts), plus the check only the whole set can make: converted
 * policies take the ANP/BANP name as their ClusterNetworkPolicy name, and CNPs are cluster-scoped,
 * so an ANP and the BANP both named `default`, or an ANP named like a CNP already in the inputs,
 * would clash. That is an error (PC3036) at the later definition, naming the first: renaming a
 * policy silently would change what other tools and users refer to.
 */
import { Codes } from "../diagnostics/codes.js";
import type { Diagnostic, SourceFile } from "../diagnostics/types.js";
import { convertSource, type CnpName, type ConvertedFile } from "./stream.js";

export interface ConvertResult {
  readonly files: readonly ConvertedFile[];
  readonly diagnostics: readonly Diagnostic[];
}

export function convertSources(sources: readonly SourceFile[]): ConvertResult {
  const files = sources.map(convertSource);
  const diagnostics: Diagnostic[] = files.flatMap((f) => f.diagnostics);
  const seen = new Map<string, CnpName>();
  for (const n of files.flatMap((f) => f.names)) {
    const first = seen.get(n.name);
    if (first === undefined) {
      seen.set(n.name, n);
      continue;
    }
    diagnostics.push({
      code: Codes.convertNameClash.code,
      severity: "error",
      message: `the ClusterNetworkPolicy ${JSON.stringify(n.name)} would be defined twice (${first.converted ? "a converted admin policy" : "a ClusterNetworkPolicy"} has that name already; a converted policy keeps its name and CNP names are cluster-wide): rename one of them first`,
      span: n.span,
      notes: [{ message: "first defined here", span: first.span }],
    });
  }
  return { files, diagnostics };
}
