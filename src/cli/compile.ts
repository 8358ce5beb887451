/**
 * `policy-compile compile -f PATH... --node NAME`: the ipsets and filter-table rules that enforce
 * every policy on one node, as restore input.
 *
 * Output on stdout (default `--format restore`): a `# ipsets.restore` section, then a
 * `# iptables.restore` section. With `--out DIR` the two files are written instead (each to a
 * temporary name first, then renamed, so a failure never leaves half a file) and a one-line
 * summary is printed. `--format json` prints the DataplaneState.
 */
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { Option, type Command } from "commander";
import { formatDiagnostics } from "../diagnostics/index.js";
import { CompileError, compile, renderRestore, type DataplaneState, type EndpointToHostAction } from "../render/index.js";
import type { CliContext, RegisterCommand } from "./context.js";
import { InputError, UsageError } from "./io.js";
import { loadOrFail } from "./load.js";

interface CompileCommandOptions {
  readonly file: string[];
  readonly node: string;
  readonly out?: string;
  readonly format: "restore" | "json";
  readonly endpointToHostAction: EndpointToHostAction;
}

const HELP_AFTER = `
Output:
  restore (default)  "# ipsets.restore" then "# iptables.restore": input for
                     "ipset restore" and "iptables-restore --noflush", in that order.
  json               the DataplaneState (chains, hook rules, ipsets) as JSON.
  --out DIR          writes DIR/ipsets.restore and DIR/iptables.restore instead.

Only the filter table is emitted (raw, mangle and nat have nothing to do for workloads
without host endpoints). Host endpoints and preDNAT/doNotTrack/applyOnForward policies are
rejected (exit 1) until they are supported.

Examples:
  $ policy-compile compile -f policies/ -f cluster.yaml --node node-1
  $ policy-compile compile -f policies/ --node node-1 --out /tmp/node-1
  $ ipset restore < /tmp/node-1/ipsets.restore && iptables-restore --noflush < /tmp/node-1/iptables.restore
`;

export const registerCompile: RegisterCommand = (program: Command, ctx: CliContext) => {
  program
    .command("compile")
    .description("Compile policies into the ipsets and iptables filter chains that enforce them on one node.")
    .requiredOption("-f, --file <path...>", "YAML/JSON files or directories (recursive); repeatable")
    .requiredOption("--node <name>", "the node to compile for (Pod spec.nodeName / WorkloadEndpoint spec.node)")
    .option("--out <dir>", "write DIR/ipsets.restore and DIR/iptables.restore")
    .addOption(new Option("--format <format>", "what to print").choices(["restore", "json"]).default("restore"))
    .addOption(
      new Option("--endpoint-to-host-action <action>", "verdict for workload-to-host traffic that egress policy allowed")
        .choices(["ACCEPT", "DROP", "RETURN"])
        .default("ACCEPT"),
    )
    .addHelpText("after", HELP_AFTER)
    .action(async (options: CompileCommandOptions) => {
      if (options.node.trim() === "") throw new UsageError("policy-compile compile: --node must not be empty");
      const { model, sources } = await loadOrFail(options.file, ctx);
      let state: DataplaneState;
      try {
        state = compile(model, { node: options.node, endpointToHostAction: options.endpointToHostAction });
      } catch (e) {
        if (e instanceof CompileError) throw new InputError(formatDiagnostics(e.diagnostics, sources));
        throw e;
      }
      const text = renderRestore(state);
      if (options.out !== undefined) {
        const dir = resolve(ctx.io.cwd, options.out);
        await writeAtomically(dir, { "ipsets.restore": text.ipsets, "iptables.restore": text.iptables });
        ctx.io.stdout(`${summary(state, options.node)}; wrote ${join(options.out, "ipsets.restore")} and ${join(options.out, "iptables.restore")}\n`);
        return;
      }
      if (options.format === "json") ctx.io.stdout(`${JSON.stringify(state, null, 2)}\n`);
      else ctx.io.stdout(`# ipsets.restore\n${text.ipsets}# iptables.restore\n${text.iptables}`);
    });
};

function summary(state: DataplaneState, node: string): string {
  const rules = state.chains.reduce((n, c) => n + c.rules.length, 0);
  const members = state.ipsets.reduce((n, s) => n + s.members.length, 0);
  const tables = (state.tables ?? []).map((t) => `, ${t.table}: ${t.chains.length} chains, ${t.chains.reduce((n, c) => n + c.rules.length, 0)} rules`).join("");
  return `node ${node}: ${state.chains.length} chains, ${rules} rules${tables}, ${state.ipsets.length} ipsets, ${members} members`;
}

/** All files land, or none is changed: temporaries first, renames only after every write. */
async function writeAtomically(dir: string, files: Readonly<Record<string, string>>): Promise<void> {
  const plan = Object.entries(files).map(([name, content]) => ({
    tmp: join(dir, `.${name}.${process.pid}.tmp`),
    final: join(dir, name),
    content,
  }));
  try {
    await mkdir(dir, { recursive: true });
    for (const f of plan) await writeFile(f.tmp, f.content);
    for (const f of plan) await rename(f.tmp, f.final);
  } catch (e) {
    await Promise.all(plan.map((f) => rm(f.tmp, { force: true })));
    throw new UsageError(`policy-compile compile: cannot write to ${dir}: ${(e as Error).message}`);
  }
}
