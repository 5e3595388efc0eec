// Building the license view without a store: facts read from a raw Partner API record (valid or not), whole days to
// expiry at the day boundaries, the expiry status, and toLicenseView on hand-built stored items.
import { describe, expect, it } from 'vitest';
import { DAY_MS } from '#functions/config';
import type { StoredLicense } from '#ledger/store/records';
import { daysToExpiry, expiryStatus, licenseFacts, toLicenseView } from '#ledger/view';

const NOW = new Date('2027-03-10T12:00:00.000Z');
const at = (ms: number) => new Date(NOW.getTime() + ms).toISOString();

describe('licenseFacts', () => {
  it('reads the facts of a valid record, normalising dates, and counts a user or an integration as installed', () => {
    const raw = {
      _id: 'l1',
      expires: '2027-06-01T00:00:00Z',
      created: '2026-01-02T03:04:05.000Z',
      opts: { connectorEdition: 'premium', addonLicenses: [{ type: 'store', licenses: [] }] },
      user: { _id: 'u1', email: 'a@example.com', name: 'Ann' },
      _integrationId: 'i1',
    };
    expect(licenseFacts('c1', raw)).toEqual({
      licenseId: 'l1',
      connectorId: 'c1',
      email: 'a@example.com',
      userId: 'u1',
      userName: 'Ann',
      integrationId: 'i1',
      edition: 'premium',
      addonLicenses: [{ type: 'store', licenses: [] }],
      expires: '2027-06-01T00:00:00.000Z',
      created: '2026-01-02T03:04:05.000Z',
      installed: true,
      // No trial, production: a record without Integration App 2.0 fields.
      sandbox: false,
      licenseType: undefined,
      trialEndDate: undefined,
    });
    expect(licenseFacts('c1', { _id: 'l2', _integrationId: 'i2' }).installed).toBe(true);
    expect(licenseFacts('c1', { _id: 'l3', user: { email: 'b@example.com' } }).installed).toBe(false);
    expect(licenseFacts('c1', { _id: 'l4', user: { _id: '' }, _integrationId: '' }).installed).toBe(false);
  });

  it('still reads what it can of an invalid record, and names its issues', () => {
    const facts = licenseFacts('c1', {
      _id: 'l5',
      expires: 'soon',
      opts: 'none',
      user: { email: 'c@example.com' },
    });
    expect(facts).toMatchObject({
      licenseId: 'l5',
      email: 'c@example.com',
      addonLicenses: [],
      installed: false,
    });
    expect(facts.expires).toBeUndefined();
    expect(facts.invalid?.some((issue) => issue.startsWith('expires: '))).toBe(true);
    expect(facts.invalid?.some((issue) => issue.startsWith('opts: '))).toBe(true);
    expect(licenseFacts('c1', { _id: 'l6' }).invalid).toBeUndefined();
  });
});

describe('daysToExpiry', () => {
  it('counts whole days, floored: 0 during the last day, negative once expired', () => {
    expect(daysToExpiry(at(DAY_MS), NOW)).toBe(1);
    expect(daysToExpiry(at(DAY_MS - 1), NOW)).toBe(0);
    expect(daysToExpiry(at(1), NOW)).toBe(0);
    expect(daysToExpiry(at(0), NOW)).toBe(0);
    expect(daysToExpiry(at(-1), NOW)).toBe(-1);
    expect(daysToExpiry(at(-DAY_MS), NOW)).toBe(-1);
    expect(daysToExpiry(at(-DAY_MS - 1), NOW)).toBe(-2);
  });
});

describe('expiryStatus', () => {
  it('is expired from the instant of expiry, expiring within N whole days, ok after', () => {
    expect(expiryStatus(at(0), NOW)).toBe('expired');
    expect(expiryStatus(at(1), NOW)).toBe('expiring');
    expect(expiryStatus(at(31 * DAY_MS - 1), NOW)).toBe('expiring');
    expect(expiryStatus(at(31 * DAY_MS), NOW)).toBe('ok');
    expect(expiryStatus(at(8 * DAY_MS - 1), NOW, 7)).toBe('expiring');
    expect(expiryStatus(at(8 * DAY_MS), NOW, 7)).toBe('ok');
    expect(expiryStatus(at(DAY_MS), NOW, 0)).toBe('ok');
    expect(expiryStatus(at(DAY_MS - 1), NOW, 0)).toBe('expiring');
  });
});

const stored = (over: Partial<StoredLicense> = {}): StoredLicense => ({
  licenseId: 'l1',
  connectorId: 'c1',
  account: 'us',
  email: 'a@example.com',
  edition: 'standard',
  addonLicenses: [],
  expires: at(10 * DAY_MS),
  created: '2026-01-01T00:00:00.000Z',
  installed: false,
  rawJson: '{"_id":"l1","note":"kept"}',
  hash: 'h',
  rev: 3,
  firstSeenAt: '2026-01-01T00:00:00.000Z',
  lastChangedAt: '2026-02-01T00:00:00.000Z',
  lastSeenAt: '2026-03-01T00:00:00.000Z',
  ...over,
});

describe('toLicenseView', () => {
  it('shows the stored facts with the expiry derived at read time, and the raw record parsed', () => {
    const view = toLicenseView(stored(), { now: NOW });
    expect(view).toEqual({
      id: 'l1',
      connectorId: 'c1',
      account: 'us',
      email: 'a@example.com',
      edition: 'standard',
      addonLicenses: [],
      expires: at(10 * DAY_MS),
      created: '2026-01-01T00:00:00.000Z',
      installed: false,
      daysToExpiry: 10,
      expiry: 'expiring',
      firstSeenAt: '2026-01-01T00:00:00.000Z',
      lastSeenAt: '2026-03-01T00:00:00.000Z',
      raw: { _id: 'l1', note: 'kept' },
      sandbox: false,
    });
    // Storage fields stay out; absent facts are absent keys, not undefined values.
    expect(Object.keys(view)).not.toContain('rev');
    expect(Object.keys(view)).not.toContain('userId');
    expect(toLicenseView(stored(), { now: NOW, expiringDays: 5 }).expiry).toBe('ok');
  });

  it('has no expiry fields for a license without expiry, and [] for missing add-ons', () => {
    const view = toLicenseView(
      stored({ expires: undefined, addonLicenses: undefined as unknown as unknown[] }),
      { now: NOW },
    );
    expect(view).not.toHaveProperty('daysToExpiry');
    expect(view).not.toHaveProperty('expiry');
    expect(view.addonLicenses).toEqual([]);
  });

  it("reads lastSeenAt from the connector's last complete walk when later, except for a deleted license", () => {
    const walk = '2026-03-05T00:00:00.000Z';
    expect(toLicenseView(stored(), { now: NOW, lastCompleteWalkAt: walk }).lastSeenAt).toBe(walk);
    expect(
      toLicenseView(stored(), { now: NOW, lastCompleteWalkAt: '2026-02-01T00:00:00.000Z' }).lastSeenAt,
    ).toBe('2026-03-01T00:00:00.000Z');
    const deleted = toLicenseView(stored({ deletedAt: '2026-03-02T00:00:00.000Z' }), {
      now: NOW,
      lastCompleteWalkAt: walk,
    });
    expect(deleted.lastSeenAt).toBe('2026-03-01T00:00:00.000Z');
    expect(deleted.deletedAt).toBe('2026-03-02T00:00:00.000Z');
  });
});
