// Typed store errors: a stable code plus a one-line message fit for the CLI.
export type StoreErrorCode =
  | 'java_missing'
  | 'store_busy'
  | 'store_start_failed'
  | 'store_unreachable'
  | 'bad_store';

export class StoreError extends Error {
  override readonly name = 'StoreError';
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  toJSON() {
    return { code: this.code, message: this.message };
  }
}
