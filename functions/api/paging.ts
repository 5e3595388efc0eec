// Pages over lists the domain returns whole and sorted (reports, connectors): a keyset cursor, so pages stay right as data changes.
import { badCursor } from './errors.ts';

export interface Page<T> {
  items: T[];
  nextCursor?: string;
}

/** Compares sort keys the way the domain sorts them: field by field, localeCompare. */
function compareKeys(a: string[], b: string[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const order = (a[i] ?? '').localeCompare(b[i] ?? '');
    if (order !== 0) return order;
  }
  return 0;
}

/** The sort key a keyset cursor points after; a bad cursor is a 400. */
export function decode(cursor: string, width: number): string[] {
  let after: unknown;
  try {
    after = (JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { after?: unknown }).after;
  } catch {
    throw badCursor();
  }
  if (!Array.isArray(after) || after.length !== width || after.some((k) => typeof k !== 'string'))
    throw badCursor();
  return after;
}

/** A keyset cursor naming the last key of a page. */
export const encode = (after: string[]) =>
  Buffer.from(JSON.stringify({ after }), 'utf8').toString('base64url');

/**
 * One page of `items`, which must be sorted by `keyOf` (ascending, compared field by field): the items after
 * the cursor's key, at most `limit` of them, and a cursor naming the last one when more follow.
 */
export function pageSorted<T>(
  items: T[],
  keyOf: (item: T) => string[],
  options: { limit: number; cursor?: string; width: number },
): Page<T> {
  let start = 0;
  if (options.cursor) {
    const after = decode(options.cursor, options.width);
    start = items.findIndex((item) => compareKeys(keyOf(item), after) > 0);
    if (start < 0) start = items.length;
  }
  const page = items.slice(start, start + options.limit);
  const last = page.at(-1);
  const more = start + options.limit < items.length;
  return {
    items: page,
    ...(more && last ? { nextCursor: encode(keyOf(last)) } : {}),
  };
}
