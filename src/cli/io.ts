/**
 * The CLI's only contact with the outside world besides the file system helpers in files.ts:
 * where output goes. Tests pass an in-memory Io and run commands in-process.
 */
export interface Io {
  readonly stdout: (text: string) => void;
  /** Resolves when stdout can take more (streamed output waits on it); absent: always ready. */
  readonly stdoutReady?: () => Promise<void>;
  readonly stderr: (text: string) => void;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /**
   * The terminal stderr is, when it is one (progress bars draw on it); absent when stderr is a
   * pipe or a file, and in tests.
   */
  readonly stderrTty?: NodeJS.WriteStream;
}

export const ExitCode = {
  ok: 0,
  /** Invalid input: diagnostics were printed. */
  invalidInput: 1,
  /** Bad command line. */
  usage: 2,
  /** The kernel (iptables / ipset) could not be brought into the desired state, or the datastore (etcd) failed. */
  dataplane: 3,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** "The check failed": the user's input is wrong. Its message is already fully rendered. */
export class InputError extends Error {
  readonly exitCode = ExitCode.invalidInput;
}

/** "The tool was misused": bad flags or arguments. */
export class UsageError extends Error {
  readonly exitCode = ExitCode.usage;
}

/** "The kernel refused": a dataplane operation failed after its retries. */
export class DataplaneFailure extends Error {
  readonly exitCode = ExitCode.dataplane;
}

/** "The datastore failed": etcd could not be reached, refused the credentials, or lost quorum. */
export class DatastoreFailure extends Error {
  readonly exitCode = ExitCode.dataplane;
}

export type CliError = InputError | UsageError | DataplaneFailure | DatastoreFailure;

export function isCliError(e: unknown): e is CliError {
  return e instanceof InputError || e instanceof UsageError || e instanceof DataplaneFailure || e instanceof DatastoreFailure;
}
