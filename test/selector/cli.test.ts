import { describe, expect, it } from "vitest";
import { run } from "../../src/cli/run.js";

async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await run(argv, {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    cwd: process.cwd(),
    env: {},
  });
  return { code, stdout, stderr };
}

describe("policy-compile selector", () => {
  it("prints the canonical form and the id", async () => {
    const r = await cli("selector", 'app=="web" && tier in {"b","a"}');
    expect(r).toEqual({
      code: 0,
      stdout: 'canonical: (app == "web" && tier in {"a", "b"})\nid: s:q7Y89cuW2fzP5-K5FKypomoIURCoQSaHiM0KNw\n',
      stderr: "",
    });
  });

  it("treats an empty selector as all()", async () => {
    const r = await cli("selector", "");
    expect(r.stdout).toBe("canonical: all()\nid: s:5y5I3VdRZfDU01O--xXAPx2yxCQQqMf0M6IWug\n");
    expect(r.code).toBe(0);
  });

  it.each([
    [['!has(quarantine) && app == "web"', "--labels", "app=web,tier=a"], "true\n"],
    [['!has(quarantine) && app == "web"', "--labels", "app=web,quarantine="], "false\n"],
    [['tier != "a"', "--labels", ""], "true\n"],
    [['a == "x=y"', "--labels", "a=x=y"], "true\n"],
    [['role != "db"', "--labels-json", '{"role": "db, primary"}'], "true\n"],
    [['role == "db, primary"', "--labels-json", '{"role": "db, primary"}'], "true\n"],
    [["has(toString)", "--labels-json", "{}"], "false\n"],
    [['constructor == "x"', "--labels-json", '{"constructor": "x"}'], "true\n"],
    [['has(__proto__)', "--labels-json", '{"__proto__": "x"}'], "true\n"],
    [['constructor == "x"', "--labels", "constructor=x"], "true\n"],
  ])("selector %j prints %j", async (args, expected) => {
    const r = await cli("selector", ...args);
    expect(r).toEqual({ code: 0, stdout: expected, stderr: "" });
  });

  it("exits 1 with a caret under the fault for an invalid selector", async () => {
    const r = await cli("selector", "a == b");
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe('error: invalid selector\na == b\n     ^\ncolumn 6: expected a quoted string, found label "b"\n');
  });

  it("exits 1 for a selector Calico rejects only because of a trailing newline", async () => {
    const r = await cli("selector", 'a == "b"\n');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("column 9: expected &&, || or end of selector, found a newline (U+000A)");
    expect(r.stderr).not.toContain("    at "); // no stack trace
  });

  it.each([
    [["a == 'x'", "--labels", "novalue"], "--labels: expected key=value"],
    [["a == 'x'", "--labels", "=v"], "--labels: expected key=value"],
    [["a == 'x'", "--labels", "a=1,a=2"], 'label "a" is given twice'],
    [["a == 'x'", "--labels-json", "{"], "--labels-json: not valid JSON"],
    [["a == 'x'", "--labels-json", '["a"]'], "expected a JSON object"],
    [["a == 'x'", "--labels-json", '{"a": 1}'], 'the value of "a" is not a string'],
    [["a == 'x'", "--labels-json", '{"a": "x", "a": "y"}'], '--labels-json: label "a" is given twice'],
    [["a == 'x'", "--labels-json", '{"a": "x", "\\u0061": "y"}'], '--labels-json: label "a" is given twice'],
    [["a == 'x'", "--labels", "a=1", "--labels-json", "{}"], "either --labels or --labels-json"],
  ])("rejects bad label arguments %j with exit 2", async (args, message) => {
    const r = await cli("selector", ...args);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stdout).toBe("");
  });

  it("exits 2 without a selector argument", async () => {
    const r = await cli("selector");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("missing required argument 'expr'");
  });

  it("--help describes the command with an example", async () => {
    const r = await cli("selector", "--help");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Usage: policy-compile selector [options] <expr>");
    expect(r.stdout).toContain("--labels <k=v,...>");
    expect(r.stdout).toContain("--labels-json <json>");
    expect(r.stdout).toContain(`$ policy-compile selector 'app=="web" && tier in {"b","a"}'`);
  });

  it("the example in --help is what the command prints", async () => {
    const help = (await cli("selector", "--help")).stdout;
    const r = await cli("selector", 'app=="web" && tier in {"b","a"}');
    for (const line of r.stdout.trimEnd().split("\n")) expect(help).toContain(`  ${line}\n`);
    const labels = await cli("selector", 'role != "db"', "--labels-json", '{"role": "db, primary"}');
    expect(labels.stdout).toBe("true\n");
  });
});
