/**
 * Golden scenarios: every `golden/<name>/` holds `input/` (YAML as users write it), an optional
 * one-line `node` file (default `node-1`), and the exact output `ipsets.restore` and
 * `iptables.restore` (and `ip6tables.restore` when IPv6 is in play; the ipsets file then holds
 * the cali6 sets after the cali4 ones) that `policy-compile compile --out` writes, and `matrix.txt`, the
 * reachability matrix `policy-compile matrix` prints (traced through the compiled rules of every
 * node), so a change shows the connectivity it changes beside the rule diff; when some pod has an
 * IPv6 address also `matrix6.txt`, the IPv6 matrix (`matrix --ip-version 6`, IPv6 pods only); when
 * the input has staged policies also `matrix-staged.txt`, what `matrix --staged` (the pending grid,
 * staged policies promoted) and `matrix --staged --changes` print. The files are reviewed in pull
 * requests; they change only on purpose, with `npx vitest run test/golden -u`.
 *
 * A scenario with host endpoints that give only expectedIPs holds a `host-interfaces` file, one
 * `NAME=IP[,IP...]` per line (the CLI's --host-interface values), passed as
 * CompileOptions.hostInterfaces to the compile and the matrix.
 *
 * Every scenario also holds `calico.nft`, what `compile --dataplane nftables --out` writes (the
 * `nft -f` script of tables `ip calico` and, with IPv6 in play, `ip6 calico`); the kernel test
 * test/kernel/nft-load.test.ts loads each into a network namespace.
 *
 * Each scenario is also compiled from its documents split apart and shuffled: the bytes must not
 * change (determinism over document and file order), in both dataplanes.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { readInputs } from "../../src/cli/files.js";
import type { SourceFile } from "../../src/diagnostics/types.js";
import { formatDiagnostics, hasErrors } from "../../src/diagnostics/index.js";
import { loadSources } from "../../src/model/index.js";
import { compileBoth, compileNftBoth, renderNftScript, renderRestore } from "../../src/render/index.js";
import { parseHostInterfaces } from "../../src/cli/host-interface-flags.js";
import type { HostInterface } from "../../src/resolve/index.js";
import { reachabilityMatrix, renderMatrixText, stagedChanges, stagedChangesText, stagedMatrix, stagedMatrixHeader } from "../../src/trace/index.js";

const root = resolve(import.meta.dirname, "../..");
const goldenDir = join(root, "golden");
const scenarios = readdirSync(goldenDir, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(goldenDir, d.name, "input")))
  .map((d) => d.name)
  .sort();

function hostInterfacesOf(dir: string): { hostInterfaces?: HostInterface[] } {
  const file = join(dir, "host-interfaces");
  if (!existsSync(file)) return {};
  return { hostInterfaces: parseHostInterfaces(readFileSync(file, "utf8").split("\n").filter((l) => l.trim() !== "")) };
}

function compileSources(sources: readonly SourceFile[], node: string, extra: { hostInterfaces?: HostInterface[] } = {}): { ipsets: string; iptables: string; ip6tables?: string } {
  const { model, diagnostics } = loadSources(sources);
  if (hasErrors(diagnostics)) throw new Error(formatDiagnostics(diagnostics, sources));
  const { v4, v6 } = compileBoth(model, { node, ...extra });
  const r4 = renderRestore(v4);
  if (!v6) return r4;
  const r6 = renderRestore(v6);
  return { ipsets: r4.ipsets + r6.ipsets, iptables: r4.iptables, ip6tables: r6.iptables };
}

function compileNftSources(sources: readonly SourceFile[], node: string, extra: { hostInterfaces?: HostInterface[] } = {}): string {
  const { model, diagnostics } = loadSources(sources);
  if (hasErrors(diagnostics)) throw new Error(formatDiagnostics(diagnostics, sources));
  const { v4, v6 } = compileNftBoth(model, { node, ...extra });
  return renderNftScript(v6 ? [v4, v6] : [v4]);
}

/** Every YAML document as its own file, in a scrambled (but fixed) order. */
function shuffledDocuments(sources: readonly SourceFile[]): SourceFile[] {
  const docs = sources.flatMap((s) =>
    s.text
      .split(/^---\s*$/m)
      .filter((t) => t.trim() !== "")
      .map((text, i) => ({ file: `${s.file}#${i}`, text })),
  );
  return docs.map((d, i) => ({ d, k: (i * 7919 + 13) % 101 })).sort((a, b) => a.k - b.k || (a.d.file < b.d.file ? 1 : -1)).map((x) => x.d);
}

describe("golden scenarios", () => {
  it("there are at least 15", () => {
    expect(scenarios.length).toBeGreaterThanOrEqual(15);
  });

  describe.each(scenarios)("%s", (name) => {
    const dir = join(goldenDir, name);
    const nodeFile = join(dir, "node");
    const node = existsSync(nodeFile) ? readFileSync(nodeFile, "utf8").trim() : "node-1";

    it("compiles to the reviewed restore files", async () => {
      const sources = await readInputs([join("golden", name, "input")], root);
      const out = compileSources(sources, node, hostInterfacesOf(dir));
      await expect(out.ipsets).toMatchFileSnapshot(join(dir, "ipsets.restore"));
      await expect(out.iptables).toMatchFileSnapshot(join(dir, "iptables.restore"));
      // A scenario without IPv6 has no ip6tables.restore; one with IPv6 must have it.
      if (out.ip6tables !== undefined) await expect(out.ip6tables).toMatchFileSnapshot(join(dir, "ip6tables.restore"));
      else expect(existsSync(join(dir, "ip6tables.restore"))).toBe(false);
    });

    it("compiles to the reviewed nft script (calico.nft)", async () => {
      const sources = await readInputs([join("golden", name, "input")], root);
      await expect(compileNftSources(sources, node, hostInterfacesOf(dir))).toMatchFileSnapshot(join(dir, "calico.nft"));
    });

    it("has the reviewed reachability matrix (matrix.txt: every pod pair on its declared ports)", async () => {
      const sources = await readInputs([join("golden", name, "input")], root);
      const { model } = loadSources(sources);
      await expect(renderMatrixText(reachabilityMatrix(model, hostInterfacesOf(dir)))).toMatchFileSnapshot(join(dir, "matrix.txt"));
    });

    it("has the reviewed IPv6 matrix when some pod has an IPv6 address (matrix6.txt), and none otherwise", async () => {
      const sources = await readInputs([join("golden", name, "input")], root);
      const { model } = loadSources(sources);
      const m6 = reachabilityMatrix(model, { ipVersion: 6, ...hostInterfacesOf(dir) });
      if (m6.pods.length > 0) await expect(renderMatrixText(m6)).toMatchFileSnapshot(join(dir, "matrix6.txt"));
      else expect(existsSync(join(dir, "matrix6.txt"))).toBe(false);
    });

    it("has the reviewed pending matrix when the scenario has staged policies (matrix-staged.txt), and none otherwise", async () => {
      const sources = await readInputs([join("golden", name, "input")], root);
      const { model } = loadSources(sources);
      const file = join(dir, "matrix-staged.txt");
      if (!model.policies.some((p) => p.stagedAction !== undefined)) {
        expect(existsSync(file)).toBe(false);
        return;
      }
      // What `matrix --staged` and `matrix --staged --changes` print, one after the other.
      const options = { ...hostInterfacesOf(dir), sources };
      const sm = stagedMatrix(model, options);
      const text = `${stagedMatrixHeader(sm)}${renderMatrixText(sm.pending)}\n$ matrix --staged --changes\n${stagedChangesText([...stagedChanges(model, sm, options)])}`;
      await expect(text).toMatchFileSnapshot(file);
    });

    it("gives the same bytes from shuffled documents", async () => {
      const sources = await readInputs([join("golden", name, "input")], root);
      expect(compileSources(shuffledDocuments(sources), node, hostInterfacesOf(dir))).toEqual(compileSources(sources, node, hostInterfacesOf(dir)));
      expect(compileNftSources(shuffledDocuments(sources), node, hostInterfacesOf(dir))).toBe(compileNftSources(sources, node, hostInterfacesOf(dir)));
    });
  });
});
