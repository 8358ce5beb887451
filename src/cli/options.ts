/**
 * The flags every command spells the same way, as kubectl and calicoctl users expect them:
 *
 * - `-f, --file PATH...`: several paths after one `-f` (`-f policies/*.yaml`, what a shell glob
 *   gives) and `-f` repeated (`-f a -f b`), in any mix.
 * - `-o, --output FORMAT` beside `--format FORMAT`: either spelling, each refusing (exit 2) a
 *   format the command cannot print; given both, they must agree.
 * - `--protocol P`: any case (`udp`, `Udp`, `UDP`), always shown upper case.
 *
 * A bad value is a usage error (exit 2) raised by commander, before anything is read.
 */
import { InvalidArgumentError, Option, type Command } from "commander";
import type { TraceProtocol } from "../trace/index.js";
import { UsageError } from "./io.js";

/** `-f, --file <path...>`: files and directories, repeatable and variadic. */
export function fileOption(description = "YAML/JSON files or directories (recursive); several after one -f, or -f repeated"): Option {
  return new Option("-f, --file <path...>", description);
}

/** The values `--format`/`-o` hold after parsing (no commander default: chosenFormat applies it). */
export interface FormatFlagValues {
  readonly format?: string;
  readonly output?: string;
}

/** Adds `--format <format>` and `-o, --output <format>`, both limited to `choices`. */
export function addFormatOptions(cmd: Command, choices: readonly string[], fallback: string): Command {
  const list = choices.join(", ");
  return cmd
    .addOption(new Option("--format <format>", `output format: ${list} (default ${fallback})`).choices(choices))
    .addOption(new Option("-o, --output <format>", "the same as --format").choices(choices));
}

/** The format asked for (`--format` or `-o`), else `fallback`; both given and different is a usage error. */
export function chosenFormat<T extends string>(o: FormatFlagValues, fallback: T, command: string): T {
  if (o.format !== undefined && o.output !== undefined && o.format !== o.output) {
    throw new UsageError(`${command}: --format ${o.format} and -o ${o.output} disagree; give one`);
  }
  return (o.format ?? o.output ?? fallback) as T;
}

export const TRACE_PROTOCOLS: readonly TraceProtocol[] = ["TCP", "UDP", "SCTP", "ICMP"];

/** `--protocol <p>`: TCP, UDP, SCTP or ICMP in any case, parsed to upper case. */
export function protocolOption(description: string, fallback?: TraceProtocol): Option {
  const option = new Option("--protocol <p>", `${description}: tcp, udp, sctp or icmp (any case)`).argParser((value: string): TraceProtocol => {
    const p = value.toUpperCase() as TraceProtocol;
    if (!TRACE_PROTOCOLS.includes(p)) throw new InvalidArgumentError(`expected one of tcp, udp, sctp, icmp (any case), found ${JSON.stringify(value)}`);
    return p;
  });
  return fallback === undefined ? option : option.default(fallback);
}

/** ICMP has no ports: a `--port` (or `--source-port`) with it is refused instead of ignored. */
export function refusePortWithIcmp(protocol: TraceProtocol | undefined, flags: { readonly port?: string; readonly sourcePort?: string }, command: string): void {
  if (protocol !== "ICMP") return;
  const given = flags.port !== undefined ? "--port" : flags.sourcePort !== undefined ? "--source-port" : undefined;
  if (given !== undefined) throw new UsageError(`${command}: ${given} does not go with --protocol ICMP (ICMP has no ports; the echo request is traced)`);
}
