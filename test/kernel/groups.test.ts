/**
 * Policy-group chains in real kernels (iptables-legacy and iptables-nft): the cases of
 * cases/groups.ts compiled, loaded and probed. First, without a kernel, that the compiled rules
 * of each case really use group chains (and the six-member one its "Return on verdict"), so the
 * probes test groups and not the ungrouped layout.
 */
import { describe, expect, it } from "vitest";
import { GROUP_CASES } from "./cases/groups.js";
import { XYZ_FAMILY } from "./cases/xyz-family.js";
import { caseSources, compileNodes, loadModel } from "./harness/pipeline.js";
import { describeFamily } from "./harness/family-suite.js";
import { detectKernelSupport } from "./harness/preflight.js";

const family = { ...XYZ_FAMILY, name: "policy groups on the x/y/z cluster", tag: "grp" };

describe("the group cases compile to group chains", () => {
  it.each([
    [0, /^:cali-gi-/m, 7],
    [1, /^:cali-go-/m, 3],
  ])("case %i", (i, declared, jumps) => {
    const kcase = GROUP_CASES[i];
    if (kcase === undefined) throw new Error("no case");
    const node = compileNodes(loadModel(caseSources(family, kcase)), ["node-1"])[0];
    const text = node?.iptables ?? "";
    expect(text).toMatch(declared);
    const chain = /^:(cali-g[io]-\S+)/m.exec(text)?.[1] as string;
    const rules = text.split("\n").filter((l) => l.startsWith(`-A ${chain} `));
    expect(rules).toHaveLength(jumps);
    if (i === 0) expect(rules[5]).toContain('"Return on verdict" -m mark ! --mark 0/0x30000 --jump RETURN');
  });
});

describeFamily(family, GROUP_CASES, await detectKernelSupport());
