// What the install and push use cases refuse, as a value with a code: the HTTP edge maps its kind to a status, the
// CLI to one line and a non-zero exit.

/** `invalid` the caller's input (400), `not_found` (404), `conflict` the ledger's state forbids it (409). */
export type InstallsErrorKind = 'invalid' | 'not_found' | 'conflict';

export class InstallsError extends Error {
  override readonly name = 'InstallsError';
  constructor(
    readonly kind: InstallsErrorKind,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}
