/**
 * `-f` on files the CLI must not read, run in-process: each is named with its code, exit 1, no
 * stack trace, promptly (a FIFO once hung `validate` for ever), and nothing of a file a link
 * leads to out of the named directory is printed.
 */
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { nodeInputFs, type InputFs } from "../../src/agent/sources/input-tree.js";
import { readInputs, UnreadableInputs } from "../../src/cli/files.js";
import { makeTree, type Node, type Tree } from "../agent/tree.js";
import { cli, type CliResult } from "./helpers.js";

const policy = "apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: g}\nspec:\n  selector: all()\n";

let tree: Tree | null = null;
afterEach(async () => {
  await tree?.remove();
  tree = null;
});

/** Runs the CLI in a new tree; fails the test if it takes more than 5 s (a hang). */
async function run(nodes: Readonly<Record<string, Node>>, ...argv: string[]): Promise<CliResult> {
  tree = await makeTree(nodes);
  const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error("the CLI did not return within 5 s")), 5000));
  return Promise.race([cli(argv, tree.dir), timeout]);
}

const refused = (line: string): CliResult => ({ code: 1, stdout: "", stderr: `${line}\n` });

describe("-f with files that are not read", () => {
  it.each<[string, Record<string, Node>, string[], string]>([
    ["a FIFO in a directory", { "pol/a.yaml": policy, "pol/p.yaml": { fifo: true } }, ["-f", "pol"], "pol/p.yaml: error PC1010: a FIFO (named pipe), not a regular file: not read (only regular files are inputs)"],
    ["a FIFO named explicitly", { "p.yaml": { fifo: true } }, ["-f", "p.yaml"], "p.yaml: error PC1010: a FIFO (named pipe), not a regular file: not read (only regular files are inputs)"],
    ["a link to a FIFO, inside the directory", { "pol/f/fifo": { fifo: true }, "pol/p.yaml": { link: "f/fifo" } }, ["-f", "pol"], "pol/p.yaml: error PC1010: a FIFO (named pipe), not a regular file: not read (only regular files are inputs)"],
    ["a socket", { "pol/s.yaml": { socket: true } }, ["-f", "pol"], "pol/s.yaml: error PC1010: a socket, not a regular file: not read (only regular files are inputs)"],
    ["/dev/null named explicitly through a link", { "n.yaml": { link: "/dev/null" } }, ["-f", "n.yaml"], "n.yaml: error PC1010: a character device, not a regular file: not read (only regular files are inputs)"],
    ["a link in the directory to /etc/shadow", { "pol/s.yaml": { link: "/etc/shadow" } }, ["-f", "pol"], "pol/s.yaml: error PC1011: symbolic link leads outside pol (to /etc/shadow): not read; links inside an input directory must stay inside it"],
    ["a loop of links", { "pol/a.yaml": { link: "b.yaml" }, "pol/b.yaml": { link: "a.yaml" } }, ["-f", "pol"], "pol/a.yaml: error PC1012: symbolic link loop (ELOOP): the link cannot be resolved, nothing is read through it\npol/b.yaml: error PC1012: symbolic link loop (ELOOP): the link cannot be resolved, nothing is read through it"],
    ["a link to nothing", { "pol/a.yaml": { link: "gone.yaml" } }, ["-f", "pol"], "pol/a.yaml: error PC1013: cannot read: a symbolic link to nothing (its target does not exist) (ENOENT)"],
    ["a file over 64 MiB", { "big.yaml": { sparseBytes: 65 * 2 ** 20 } }, ["-f", "big.yaml"], "big.yaml: error PC1014: 65.0 MiB, larger than the 64 MiB limit for one input file: not read; split it into several files"],
  ])("validate: %s", async (_name, nodes, args, lines) => {
    expect(await run(nodes, "validate", ...args)).toEqual(refused(lines));
  });

  it("every command that reads -f stops the same way (compile, lint)", async () => {
    const nodes = { "pol/a.yaml": policy, "pol/p.yaml": { fifo: true } } as const;
    const line = "pol/p.yaml: error PC1010: a FIFO (named pipe), not a regular file: not read (only regular files are inputs)";
    expect(await run(nodes, "compile", "-f", "pol", "--node", "n1")).toEqual(refused(line));
    await tree?.remove();
    expect(await run(nodes, "lint", "-f", "pol")).toEqual(refused(line));
  });

  it("a link out of the directory is never read: the target's lines are printed nowhere", async () => {
    const r = await run({ "secret.yaml": "TOP-SECRET: 1\n  bad: [\n", "pol/a.yaml": policy, "pol/s.yaml": { link: "../secret.yaml" } }, "validate", "-f", "pol");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^pol\/s\.yaml: error PC1011: symbolic link leads outside pol \(to \/.*\/secret\.yaml\): not read/);
    expect(r.stdout + r.stderr).not.toContain("TOP-SECRET");
  });

  it("--format json gives the same problems as diagnostics on stdout", async () => {
    const r = await run({ "pol/p.yaml": { fifo: true } }, "validate", "-f", "pol", "--format", "json");
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toEqual([
      { file: "pol/p.yaml", line: null, column: null, code: "PC1010", severity: "error", message: "a FIFO (named pipe), not a regular file: not read (only regular files are inputs)" },
    ]);
  });
});

describe("readInputs", () => {
  it("a file that changes under every read (three tries) is refused, not read half-old, half-new", async () => {
    tree = await makeTree({ "pol/a.yaml": policy, "pol/b.yaml": policy });
    const dir = tree.dir;
    // Every look before the open finds another inode than the open: a writer replacing the file each time.
    const fs: InputFs = { ...nodeInputFs, stat: (p) => nodeInputFs.stat(p.endsWith("a.yaml") ? join(dir, "pol", "b.yaml") : p) };
    const error = await readInputs(["pol"], dir, fs).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnreadableInputs);
    expect((error as UnreadableInputs).message).toBe(
      "pol/a.yaml: error PC1015: kept changing while it was read: not read; write the new version under a temporary name and rename it into place\n",
    );
  });
});

describe("-f with links that are read", () => {
  it("a ConfigMap volume validates: each file once, under its own name", async () => {
    const r = await run(
      {
        "cm/..2026_12_07_10_00_00.1/g.yaml": policy,
        "cm/..2026_12_07_10_00_00.1/h.yaml": policy.replace("name: g", "name: h"),
        "cm/..data": { link: "..2026_12_07_10_00_00.1" },
        "cm/g.yaml": { link: "..data/g.yaml" },
        "cm/h.yaml": { link: "..data/h.yaml" },
      },
      "validate",
      "-f",
      "cm",
    );
    expect(r).toEqual({ code: 0, stdout: "valid: 2 files, 0 errors, 0 warnings\n", stderr: "" });
  });

  it("a linked directory inside the named one is read; a directory linking to its ancestor adds nothing", async () => {
    const r = await run({ "pol/shared/g.yaml": policy, "pol/team/common": { link: "../shared" }, "pol/team/up": { link: ".." } }, "validate", "-f", "pol");
    expect(r).toEqual({ code: 0, stdout: "valid: 1 file, 0 errors, 0 warnings\n", stderr: "" });
  });

  it("a file named explicitly is read wherever its link leads", async () => {
    const r = await run({ "elsewhere/g.yaml": policy, "pol/g.yaml": { link: "../elsewhere/g.yaml" } }, "validate", "-f", join("pol", "g.yaml"));
    expect(r).toEqual({ code: 0, stdout: "valid: 1 file, 0 errors, 0 warnings\n", stderr: "" });
  });
});
