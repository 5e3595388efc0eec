// Pages over lists the domain returns whole and sorted (connectors, not-installed): a keyset cursor in the shared codec.
import { cursor } from '#ledger/cursor';
import type { Page } from '#ledger/schemas';

/** Compares sort keys the way the domain sorts them: field by field, localeCompare. */
function compareKeys(a: string[], b: string[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const order = (a[i] ?? '').localeCompare(b[i] ?? '');
    if (order !== 0) return order;
  }
  return 0;
}

/** A sort-key tuple of `width` strings. */
export const keyTuple =
  (width: number) =>
  (p: unknown): p is string[] =>
    Array.isArray(p) && p.length === width && p.every((k) => typeof k === 'string');

/**
 * One page of `items`, which must be sorted by `keyOf` (ascending, compared field by field): the items after
 * the cursor's key, at most `limit` of them, and a cursor naming the last one when more follow.
 */
export function pageSorted<T>(
  items: T[],
  keyOf: (item: T) => string[],
  options: { limit: number; cursor?: string; scope: string; width: number },
): Page<T> {
  let start = 0;
  const after = cursor.decode(options.cursor, options.scope, keyTuple(options.width));
  if (after) {
    start = items.findIndex((item) => compareKeys(keyOf(item), after) > 0);
    if (start < 0) start = items.length;
  }
  const page = items.slice(start, start + options.limit);
  const last = page.at(-1);
  const more = start + options.limit < items.length;
  return {
    items: page,
    ...(more && last ? { nextCursor: cursor.encode(options.scope, keyOf(last)) } : {}),
  };
}
