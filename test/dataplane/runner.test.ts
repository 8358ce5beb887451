/** execaRunner: a large input goes through a file descriptor, intact, and leaves no file behind. */
import { readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { describe, expect, it } from "vitest";
import { execaRunner } from "../../src/dataplane/runner.js";

const leftovers = () => readdirSync(tmpdir()).filter((f) => f.startsWith(`policy-compile-${process.pid}-`));

describe("execaRunner", () => {
  it("hands a large input (here 1 MiB) to the program byte for byte, and removes its file", async () => {
    const input = Array.from({ length: 16_384 }, (_, i) => `add cali40s:x 10.${(i >> 8) & 255}.${i & 255}.1/32 ${"#".repeat(30)}`).join("\n") + "\n";
    expect(input.length).toBeGreaterThan(64 * 1024);
    const r = await execaRunner("sha256sum", [], input);
    const { createHash } = await import("node:crypto");
    expect(r.exitCode).toBe(0);
    expect(r.stdout.split(" ")[0]).toBe(createHash("sha256").update(input).digest("hex"));
    expect(leftovers()).toEqual([]);
  });

  it("a small input goes through the pipe as before", async () => {
    const r = await execaRunner("cat", [], "a\nb\n");
    expect(r).toEqual({ exitCode: 0, stdout: "a\nb\n", stderr: "" });
  });

  it("a program that cannot start is exit code 127, with a large input too", async () => {
    const r = await execaRunner("/nonexistent/tool", [], "x".repeat(100_000));
    expect(r.exitCode).toBe(127);
    expect(leftovers()).toEqual([]);
  });
});
