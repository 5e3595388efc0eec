// The cursor codec every list shares: a position survives the round trip, and only within the list and query it
// was handed out for; anything else is `bad_cursor` on the `cursor` field.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cursor, stringRecord } from '#ledger/cursor';
import { LedgerError } from '#ledger/errors';

const keyOf = stringRecord(['pk', 'sk']);
const position = fc.record({ pk: fc.string(), sk: fc.string() });
const scope = fc.string({ minLength: 1, maxLength: 40 });

function badCursor(run: () => unknown) {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(LedgerError);
    expect(error).toMatchObject({ code: 'bad_cursor', field: 'cursor' });
    return;
  }
  expect.fail('decoded a cursor that should have been refused');
}

describe('cursor', () => {
  it('gives back the position it encoded, for the same scope (property)', () => {
    const seed = Date.now();
    process.stderr.write(`cursor round trip: seed ${seed}\n`);
    fc.assert(
      fc.property(scope, position, (s, p) => {
        const token = cursor.encode(s, p);
        expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
        expect(cursor.decode(token, s, keyOf)).toEqual(p);
      }),
      { seed },
    );
  });

  it('refuses a cursor of another list or another query (property)', () => {
    const seed = Date.now();
    process.stderr.write(`cursor scope binding: seed ${seed}\n`);
    fc.assert(
      fc.property(scope, scope, position, (a, b, p) => {
        fc.pre(a !== b);
        badCursor(() => cursor.decode(cursor.encode(a, p), b, keyOf));
      }),
      { seed },
    );
    badCursor(() => cursor.decode(cursor.encode('expiring|30', ['x', 'y']), 'expiring|31', Array.isArray));
  });

  it('reads no cursor as the first page', () => {
    expect(cursor.decode(undefined, 's', keyOf)).toBeUndefined();
    expect(cursor.decode('', 's', keyOf)).toBeUndefined();
  });

  it('refuses tampered and foreign tokens', () => {
    const token = cursor.encode('licenses|c1|live', { pk: 'a', sk: 'b' });
    const b64 = (text: string) => Buffer.from(text).toString('base64url');
    const tag = JSON.parse(Buffer.from(token, 'base64url').toString()).s as string;
    for (const bad of [
      token.slice(0, -3),
      'not a cursor',
      b64('null'),
      b64('[1,2]'),
      b64(JSON.stringify({ p: { pk: 'a', sk: 'b' } })),
      // The right tag around a position the list cannot use.
      b64(JSON.stringify({ s: tag, p: { pk: 'a' } })),
      b64(JSON.stringify({ s: tag, p: { pk: 'a', sk: 1 } })),
      b64(JSON.stringify({ s: tag, p: { pk: 'a', sk: 'b', extra: 'c' } })),
    ]) {
      badCursor(() => cursor.decode(bad, 'licenses|c1|live', keyOf));
    }
  });
});

describe('stringRecord', () => {
  it('takes exactly the named string fields', () => {
    expect(keyOf({ pk: 'a', sk: '' })).toBe(true);
    expect(keyOf({ sk: 'b', pk: 'a' })).toBe(true);
    expect(keyOf({ pk: 'a' })).toBe(false);
    expect(keyOf({ pk: 'a', sk: 'b', rev: 'c' })).toBe(false);
    expect(keyOf({ pk: 'a', other: 'b' })).toBe(false);
    expect(keyOf({ pk: 'a', sk: 2 })).toBe(false);
    expect(keyOf(['a', 'b'])).toBe(false);
    expect(keyOf(null)).toBe(false);
    expect(keyOf('pk')).toBe(false);
  });
});
