// The portfolio over time without a store: asOf parsing, and a customer's row and status from hand-built licenses at
// the thresholds (30 days for a production expiry, 7 for a trial's end, sandboxes apart).
import { describe, expect, it } from 'vitest';
import { resolveAsOf } from '#app/asof';
import { customerRowOf } from '#app/customers';
import { DAY_MS } from '#functions/config';
import { LedgerError } from '#ledger/errors';
import type { StoredLicense } from '#ledger/store/records';

const NOW = new Date('2027-03-10T12:00:00.000Z');
const at = (days: number) => new Date(NOW.getTime() + days * DAY_MS).toISOString();

let n = 0;
function license(
  expiresInDays: number,
  raw: Record<string, unknown> = {},
  extra: Partial<StoredLicense> = {},
) {
  const id = `l${++n}`;
  return {
    licenseId: id,
    connectorId: 'c1',
    email: `x${n}@example.com`,
    addonLicenses: [],
    expires: at(expiresInDays),
    installed: false,
    account: 'default',
    rawJson: JSON.stringify({ _id: id, ...raw }),
    hash: 'h',
    rev: 1,
    firstSeenAt: NOW.toISOString(),
    lastChangedAt: NOW.toISOString(),
    lastSeenAt: NOW.toISOString(),
    ...extra,
  } satisfies StoredLicense;
}

const status = (...items: StoredLicense[]) => customerRowOf('example.com', items, NOW).status;

describe('customer status', () => {
  it('is at-risk when the soonest unexpired production license expires within 30 days, active past that', () => {
    expect(status(license(30))).toBe('at-risk');
    expect(status(license(30.01))).toBe('active');
    expect(status(license(200), license(5))).toBe('at-risk');
  });

  it('is lapsed with no live production license unexpired: expired, deleted, or sandbox only', () => {
    expect(status(license(-1))).toBe('lapsed');
    expect(status(license(100, {}, { deletedAt: NOW.toISOString() }))).toBe('lapsed');
    expect(status(license(100, { sandbox: true }))).toBe('lapsed');
    expect(status()).toBe('lapsed');
  });

  it('is at-risk when a live trial ends within 7 days, whatever the expiries', () => {
    expect(status(license(200), license(200, { trialEndDate: at(7) }))).toBe('at-risk');
    expect(status(license(200), license(200, { trialEndDate: at(8) }))).toBe('active');
    expect(status(license(200), license(200, { trialEndDate: at(-1) }))).toBe('active');
    expect(status(license(200), license(200, { trialEndDate: 'soon' }))).toBe('active');
  });

  it('counts live, installed and sandbox licenses, the next unexpired expiry, and every account', () => {
    const row = customerRowOf(
      'example.com',
      [
        license(-3, {}, { installed: true }),
        license(40, { sandbox: true }, { account: 'eu' }),
        license(60, {}, { installed: true }),
        license(10, {}, { deletedAt: NOW.toISOString(), account: 'us' }),
      ],
      NOW,
    );
    expect(row).toEqual({
      domain: 'example.com',
      licenses: 3,
      installed: 2,
      sandbox: 1,
      nextExpiry: at(40),
      accounts: ['default', 'eu', 'us'],
      status: 'active',
    });
  });
});

describe('asOf', () => {
  it('takes an ISO date (midnight UTC) or an instant with an offset, never a moment in the future', () => {
    expect(resolveAsOf('2027-03-01', NOW)).toBe('2027-03-01T00:00:00.000Z');
    expect(resolveAsOf('2027-03-01T02:00:00+02:00', NOW)).toBe('2027-03-01T00:00:00.000Z');
    for (const bad of ['yesterday', '2027-02-30', '2027-03-01T00:00', '1717200000', '', '2027-03-11'])
      expect(() => resolveAsOf(bad, NOW), bad).toThrow(LedgerError);
    try {
      resolveAsOf('2999-01-01', NOW);
    } catch (error) {
      expect(error).toMatchObject({ code: 'invalid_parameter', field: 'asOf' });
    }
  });
});
