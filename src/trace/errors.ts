/** A trace that cannot be done faithfully: an unknown peer, or rule text the interpreter does not know. */
export class TraceError extends Error {
  constructor(
    message: string,
    /** Stable code from the PC80xx block. */
    readonly code: string,
  ) {
    super(message);
    this.name = "TraceError";
  }
}
