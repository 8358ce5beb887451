/**
 * `review --git REF`: the base version is the same paths at a git revision, read from the local
 * repository (`git archive REF -- PATH...` into a temporary directory; no network, the working
 * tree untouched). Paths that do not exist at REF give an empty base for them (a change that adds
 * them). Outside a repository, or with a REF git does not know, it is a usage error (exit 2).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { execa } from "execa";
import { UsageError } from "./io.js";

export interface GitBase {
  /** The base paths inside the temporary checkout, one per head path that exists at REF. */
  readonly paths: string[];
  /** Where the checkout is (every SourceFile name is relative to it). */
  readonly dir: string;
  readonly dispose: () => Promise<void>;
}

const SAFE_REF = /^[A-Za-z0-9][A-Za-z0-9._/@{}~^-]*$/;

export async function gitBase(ref: string, paths: readonly string[], cwd: string): Promise<GitBase> {
  if (!SAFE_REF.test(ref) || ref.includes("..")) throw new UsageError(`policy-compile review: --git ${ref}: not a git revision name`);
  const top = await execa("git", ["rev-parse", "--show-toplevel"], { cwd, reject: false });
  if (top.exitCode !== 0) throw new UsageError(`policy-compile review: --git needs the paths inside a git repository (${cwd} is not in one)`);
  const root = top.stdout.trim();
  const commit = await execa("git", ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`], { cwd: root, reject: false });
  if (commit.exitCode !== 0) throw new UsageError(`policy-compile review: --git ${ref}: unknown revision in ${root}`);
  const sha = commit.stdout.trim();
  const rels: string[] = [];
  for (const p of paths) {
    const rel = relative(root, resolve(cwd, p));
    if (rel.startsWith("..") || resolve(root, rel) !== resolve(cwd, p)) throw new UsageError(`policy-compile review: --git: ${p} is outside the repository ${root}`);
    rels.push(rel === "" ? "." : rel);
  }
  const dir = await mkdtemp(join(tmpdir(), "policy-compile-review-"));
  const dispose = () => rm(dir, { recursive: true, force: true });
  try {
    const present: string[] = [];
    for (const rel of rels) {
      const exists = await execa("git", ["cat-file", "-e", `${sha}:${rel === "." ? "" : rel}`], { cwd: root, reject: false });
      if (exists.exitCode === 0) present.push(rel);
    }
    if (present.length > 0) {
      const archive = execa("git", ["archive", "--format=tar", sha, "--", ...present], { cwd: root, encoding: "buffer" });
      const tar = execa("tar", ["-x", "-C", dir], { input: (await archive).stdout });
      await tar;
    }
    // The base paths keep the head paths' shape relative to cwd, so file names read alike.
    const cwdRel = relative(root, cwd);
    return { paths: present.map((rel) => join(dir, rel)), dir: join(dir, cwdRel), dispose };
  } catch (e) {
    await dispose();
    throw e;
  }
}
