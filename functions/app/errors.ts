// What a use case refuses, as a value with a code: each edge maps its kind (HTTP status, CLI exit code).

/**
 * `invalid` the caller's input (400), `not_found` (404), `conflict` the ledger's state forbids it (409; exit 2 in
 * the CLI), `unavailable` a dependency is not configured (503), `failed` a step after the upstream one failed (500).
 */
export type AppErrorKind = 'invalid' | 'not_found' | 'conflict' | 'unavailable' | 'failed';

export class AppError extends Error {
  override readonly name = 'AppError';
  constructor(
    readonly kind: AppErrorKind,
    readonly code: string,
    message: string,
    readonly field?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export const notFound = (what: string, id: string) =>
  new AppError('not_found', 'not_found', `no ${what} ${id} in the ledger`);
