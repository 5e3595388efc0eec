// The one cursor codec every list shares: an opaque token bound to its list and parameters, checked on the way back in.
import { createHash } from 'node:crypto';
import { LedgerError } from './errors.ts';

/** A cursor this API never handed out, or one that no longer fits its list. */
export const badCursor = () =>
  new LedgerError('bad_cursor', 'the cursor is not one this API handed out', 'cursor');

/** A short tag of the list and its parameters: a cursor from another list, or another query, does not decode. */
const tagOf = (scope: string) => createHash('sha256').update(scope).digest('base64url').slice(0, 12);

export const cursor = {
  /** `scope` names the list and every parameter that shapes it, e.g. `licenses|<cid>|live`. */
  encode(scope: string, position: unknown): string {
    return Buffer.from(JSON.stringify({ s: tagOf(scope), p: position }), 'utf8').toString('base64url');
  },
  /**
   * The position a cursor names, or undefined without one. Throws `bad_cursor` when it does not decode, belongs
   * to another list or query, or `valid` refuses it (a position outside the request's own range).
   */
  decode<T>(
    value: string | undefined,
    scope: string,
    valid: (position: unknown) => position is T,
  ): T | undefined {
    if (value === undefined || value === '') return undefined;
    let parsed: { s?: unknown; p?: unknown };
    try {
      parsed = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
    } catch {
      throw badCursor();
    }
    if (!parsed || typeof parsed !== 'object' || parsed.s !== tagOf(scope) || !valid(parsed.p))
      throw badCursor();
    return parsed.p;
  },
};

/** A position made of string fields only, each named in `fields` (a DynamoDB key, a sort key tuple). */
export function stringRecord(fields: readonly string[]) {
  return (p: unknown): p is Record<string, string> =>
    typeof p === 'object' &&
    p !== null &&
    !Array.isArray(p) &&
    Object.keys(p).length === fields.length &&
    fields.every((f) => typeof (p as Record<string, unknown>)[f] === 'string');
}
