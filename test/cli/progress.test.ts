/**
 * Progress bars of `review` and `matrix`: drawn on stderr only when it is a terminal and the run
 * is not in CI. Piped (a real child process whose stderr is a pipe), in CI, and in-process
 * without a terminal, stderr carries nothing but diagnostics.
 */
import { PassThrough } from "node:stream";
import { join, resolve } from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { run } from "../../src/cli/run.js";

const root = resolve(import.meta.dirname, "../..");
const cwd = join(root, "docs/examples/review");
const bin = join(root, "src/cli/bin.ts");

/** A stream that says it is a terminal, recording what is drawn on it. */
function fakeTerminal(): { tty: NodeJS.WriteStream; drawn: () => string } {
  let text = "";
  const s = new PassThrough() as unknown as NodeJS.WriteStream & { isTTY: boolean; columns: number };
  s.isTTY = true;
  s.columns = 100;
  (s as unknown as Record<string, unknown>).cursorTo = (_x: number, _y?: unknown, cb?: () => void) => (typeof cb === "function" && cb(), true);
  (s as unknown as Record<string, unknown>).clearLine = (_d: number, cb?: () => void) => (typeof cb === "function" && cb(), true);
  (s as unknown as Record<string, unknown>).moveCursor = (_x: number, _y: number, cb?: () => void) => (typeof cb === "function" && cb(), true);
  (s as unknown as Record<string, unknown>).clearScreenDown = (cb?: () => void) => (typeof cb === "function" && cb(), true);
  s.on("data", (c: Buffer) => (text += c.toString()));
  return { tty: s, drawn: () => text };
}

const commands = [
  ["review", "--base", "base", "--head", "head"],
  ["matrix", "--from", "base", "--to", "head"],
] as const;

describe.each(commands)("%s progress", (...argv) => {
  it("is silent when stderr is a pipe (a real process)", async () => {
    const r = await execa(process.execPath, ["--import", "tsx", bin, ...argv], { cwd, env: { ...process.env, CI: "" }, reject: false });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).not.toBe("");
    expect(r.stderr).toBe("");
  });

  it("draws on a terminal, and not in CI", async () => {
    for (const [env, draws] of [[{}, true], [{ CI: "true" }, false]] as const) {
      const t = fakeTerminal();
      let stderr = "";
      const code = await run([...argv], { stdout: () => undefined, stderr: (x) => (stderr += x), cwd, env, stderrTty: t.tty });
      await new Promise((r) => setImmediate(r));
      expect(code).toBe(0);
      expect(stderr).toBe("");
      if (draws) expect(t.drawn()).toMatch(/(tracing touched pods|compiling nodes).*\d+\/\d+/);
      else expect(t.drawn()).toBe("");
    }
  });
});
