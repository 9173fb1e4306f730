/**
 * The user-facing error of the remote platforms (ssh, adb, offline bundle): a one-line message that says
 * what went wrong and the way out. The CLI prints these without a stack; anything else is a bug.
 */

/** A mistake or an environment problem the user can fix (unreachable host, no phone, tampered bundle). */
export class PlatformError extends Error {
  /** Marks the error as the user's to fix, so a CLI can print only the message (duck-typed on purpose). */
  readonly userError = true;

  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
}
