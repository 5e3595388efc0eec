// Ledger errors as values with a code, mapped to HTTP statuses and exit codes at the edges.
export type LedgerErrorCode =
  | 'bad_cursor'
  | 'bad_id'
  | 'not_found'
  | 'conflict'
  /** A parameter the domain judges (it needs the clock, or the ledger): answered 400 naming `field`. */
  | 'invalid_parameter'
  | 'unknown_account';

export class LedgerError extends Error {
  override readonly name = 'LedgerError';
  constructor(
    readonly code: LedgerErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}
