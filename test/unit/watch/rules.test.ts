// The report ranges of the watch rules at their day boundaries: the expiring range holds exactly the licenses a view
// calls expiring within N days, the expired range exactly those that expired within the last N days.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DAY_MS } from '#functions/config';
import { daysToExpiry, expiryStatus } from '#ledger/view';
import { expiredRange, expiringRange, withinRange } from '#watch/rules';

const NOW = new Date('2027-03-10T12:00:00.000Z');
const ID = '64b7f0c2a1d3e4f5a6b7c8d9';
const at = (ms: number) => new Date(NOW.getTime() + ms).toISOString();
const inRange = (range: ReturnType<typeof expiringRange>, offsetMs: number, id = ID) =>
  withinRange(range, [at(offsetMs), id]);

describe('expiringRange', () => {
  it('starts just after now and ends at the last millisecond of day N', () => {
    const range = expiringRange(30, NOW);
    expect(inRange(range, 0)).toBe(false); // expired at this instant
    expect(inRange(range, 1)).toBe(true);
    expect(inRange(range, 31 * DAY_MS - 1)).toBe(true); // 30 whole days left
    expect(inRange(range, 31 * DAY_MS)).toBe(false); // 31
    // The id never moves a license across a boundary: '~' sorts after every id.
    expect(inRange(range, 31 * DAY_MS - 1, 'zzzzzzzzzzzzzzzzzzzzzzzz')).toBe(true);
    expect(inRange(range, 0, '')).toBe(false);
  });

  it('with 0 days holds the last day only', () => {
    const range = expiringRange(0, NOW);
    expect(inRange(range, 1)).toBe(true);
    expect(inRange(range, DAY_MS - 1)).toBe(true);
    expect(inRange(range, DAY_MS)).toBe(false);
  });

  it('agrees with the view: in range exactly when not expired and daysToExpiry <= N (property)', () => {
    const seed = Date.now();
    process.stderr.write(`expiringRange property: seed ${seed}\n`);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 400 }),
        fc.integer({ min: -3 * DAY_MS, max: 402 * DAY_MS }),
        (n, off) => {
          const expires = at(off);
          const expected = expiryStatus(expires, NOW) !== 'expired' && daysToExpiry(expires, NOW) <= n;
          expect(withinRange(expiringRange(n, NOW), [expires, ID])).toBe(expected);
        },
      ),
      { seed },
    );
  });
});

describe('expiredRange', () => {
  it('holds from N days ago through now, both ends included', () => {
    const range = expiredRange(30, NOW);
    expect(inRange(range, 0)).toBe(true);
    expect(inRange(range, 1)).toBe(false);
    expect(inRange(range, -30 * DAY_MS)).toBe(true);
    expect(inRange(range, -30 * DAY_MS - 1)).toBe(false);
  });

  it('and nothing of the expiring range, for the same now (property)', () => {
    const seed = Date.now();
    process.stderr.write(`expiredRange property: seed ${seed}\n`);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: -62 * DAY_MS, max: 62 * DAY_MS }),
        (n, off) => {
          const expired = withinRange(expiredRange(n, NOW), [at(off), ID]);
          expect(expired).toBe(off <= 0 && off >= -n * DAY_MS);
          if (expired) expect(withinRange(expiringRange(n, NOW), [at(off), ID])).toBe(false);
        },
      ),
      { seed },
    );
  });
});

describe('withinRange', () => {
  it('refuses an `after` key outside the report, so a cursor cannot widen it', () => {
    const range = expiringRange(7, NOW);
    expect(withinRange(range, [at(DAY_MS), ID])).toBe(true);
    expect(withinRange(range, ['0001-01-01T00:00:00.000Z', ID])).toBe(false);
    expect(withinRange(range, ['9999-12-31T23:59:59.999Z', ID])).toBe(false);
  });
});
