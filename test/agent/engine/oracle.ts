/**
 * The engine's law as a test oracle: track the sources that should be in force after each batch
 * (independently of the engine) and compile them from scratch with the CLI's loader.
 */
import type { SourceChange } from "../../../src/agent/engine/index.js";
import type { SourceFile } from "../../../src/diagnostics/types.js";
import { hasErrors } from "../../../src/diagnostics/collect.js";
import { loadSources } from "../../../src/model/load.js";
import { compile, usesIpv6 } from "../../../src/render/compile.js";
import { CompileError } from "../../../src/render/errors.js";
import { renderRestore } from "../../../src/render/restore.js";
import type { DataplaneState } from "../../../src/render/types.js";

/** As the engine reads a source: JSON when it looks like JSON, whatever the name. */
export function source(file: string, text: string): SourceFile {
  return /^\s*[{[]/.test(text) ? { file, text, format: "json" } : { file, text };
}

export class Oracle {
  readonly inForce = new Map<string, string>();
  state: DataplaneState;
  /** compile(…, { ipVersion: 6 }) once IPv6 was in play in an accepted state (the engine keeps it from then on). */
  state6: DataplaneState | undefined;
  private ipv6 = false;

  constructor(private readonly node: string) {
    this.state = this.compileAll();
  }

  private compileAll(): DataplaneState {
    const sources = [...this.inForce].map(([file, text]) => source(file, text));
    const model = loadSources(sources).model;
    const state = compile(model, { node: this.node });
    this.ipv6 ||= usesIpv6(model);
    this.state6 = this.ipv6 ? compile(model, { node: this.node, ipVersion: 6 }) : undefined;
    return state;
  }

  /** Applies a batch as the contract says; returns the names it expects rejected. */
  apply(changes: readonly SourceChange[]): string[] {
    const before = new Map(this.inForce);
    const rejected = new Set<string>();
    for (const c of changes) {
      rejected.delete(c.name);
      if (c.kind === "delete") this.inForce.delete(c.name);
      else if (hasErrors(loadSources([source(c.name, c.text)]).diagnostics.filter((d) => d.span?.file === c.name && isFileLocal(d.code)))) rejected.add(c.name);
      else this.inForce.set(c.name, c.text);
    }
    try {
      this.state = this.compileAll();
    } catch (e) {
      if (!(e instanceof CompileError)) throw e;
      // compile() refuses whatever the family; the IPv6 state stays the last accepted one.
      for (const [name, text] of this.inForce) if (before.get(name) !== text) rejected.add(name);
      for (const name of before.keys()) if (!this.inForce.has(name)) rejected.add(name);
      this.inForce.clear();
      for (const [k, v] of before) this.inForce.set(k, v);
    }
    return [...rejected].sort();
  }

  restore(): string {
    const r = renderRestore(this.state);
    return r.ipsets + r.iptables;
  }
}

/** Diagnostics a text raises on its own (syntax, schema), as opposed to between resources. */
const crossResource = new Set<string>(["PC3007", "PC3013", "PC4005"]);
function isFileLocal(code: string): boolean {
  return !crossResource.has(code);
}

export function restoreOf(state: DataplaneState): string {
  const r = renderRestore(state);
  return r.ipsets + r.iptables;
}
