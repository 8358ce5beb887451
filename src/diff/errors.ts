/** Errors of the diff stage. Each carries enough context to be printed as one clear line. */

/** Saved text (iptables-save / ipset save output) that could not be understood. */
export class SaveParseError extends Error {
  constructor(
    readonly source: "iptables-save" | "ipset save" | "ipset list" | "nft --json",
    readonly line: number,
    readonly detail: string,
  ) {
    super(`${source} output, line ${line}: ${detail}`);
    this.name = "SaveParseError";
  }
}

/** A desired state the kernel would refuse (a jump to a chain that is not desired, ...). */
export class DiffError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DiffError";
  }
}
