// Trials and sandboxes in the license view and the change kinds, from records alone (no store).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { changeItemKindOf, trialConversionOf } from '#ledger/change-kind';
import type { StoredLicense } from '#ledger/store/records';
import { licenseFacts, toLicenseView } from '#ledger/view';

const NOW = new Date('2026-06-15T12:00:00.000Z');
const DAY = 86_400_000;
const at = (days: number) => new Date(NOW.getTime() + days * DAY).toISOString();

function stored(raw: Record<string, unknown>, extra: Partial<StoredLicense> = {}): StoredLicense {
  return {
    ...licenseFacts('c1', raw),
    account: 'default',
    rawJson: JSON.stringify(raw),
    hash: 'h',
    rev: 1,
    firstSeenAt: at(-30),
    lastChangedAt: at(-30),
    lastSeenAt: at(-1),
    ...extra,
  };
}
const base = { _id: 'l1', expires: at(300), user: { email: 'a@b.example' } };

describe('the license view', () => {
  it('says sandbox (false without one), type, and the trial with its days', () => {
    const plain = toLicenseView(stored(base), { now: NOW });
    expect(plain.sandbox).toBe(false);
    expect(plain).not.toHaveProperty('trial');
    expect(plain).not.toHaveProperty('trialEndDate');
    expect(plain).not.toHaveProperty('daysToTrialEnd');
    expect(plain).not.toHaveProperty('type');

    const raw = { ...base, sandbox: true, type: 'integrationApp', trialEndDate: at(3.5) };
    expect(toLicenseView(stored(raw), { now: NOW })).toMatchObject({
      sandbox: true,
      type: 'integrationApp',
      trialEndDate: at(3.5),
      daysToTrialEnd: 3,
      trial: 'active',
    });
    // A string "true" is not a sandbox: only a JSON true says so.
    expect(toLicenseView(stored({ ...base, sandbox: 'true' }), { now: NOW }).sandbox).toBe(false);
  });

  it('counts whole days floored: 0 during the last day, negative once ended, and ended at the end itself', () => {
    fc.assert(
      fc.property(fc.integer({ min: -400 * 24, max: 400 * 24 }), (hours) => {
        const end = new Date(NOW.getTime() + hours * 3_600_000).toISOString();
        const view = toLicenseView(stored({ ...base, trialEndDate: end }), { now: NOW });
        expect(view.daysToTrialEnd).toBe(Math.floor(hours / 24));
        expect(view.trial).toBe(hours > 0 ? 'active' : 'ended');
      }),
      { seed: 22, verbose: true },
    );
  });

  it('is converted once a version dropped the trial end while the license lives on', () => {
    const view = toLicenseView(stored(base, { trialConvertedAt: at(-2) }), { now: NOW });
    expect(view).toMatchObject({ trial: 'converted', trialConvertedAt: at(-2) });
    expect(view).not.toHaveProperty('trialEndDate');
    // A new trial after a conversion is that trial's state.
    const again = toLicenseView(stored({ ...base, trialEndDate: at(5) }, { trialConvertedAt: at(-2) }), {
      now: NOW,
    });
    expect(again.trial).toBe('active');
    expect(again).not.toHaveProperty('trialConvertedAt');
  });
});

describe('change kinds of trials', () => {
  const facts = (raw: Record<string, unknown>) => licenseFacts('c1', { ...base, ...raw });
  it('started, extended, converted; and they win over renewed and installed', () => {
    const none = facts({});
    const trial = facts({ trialEndDate: at(7) });
    expect(changeItemKindOf('updated', none, trial)).toBe('trial-started');
    expect(changeItemKindOf('updated', trial, facts({ trialEndDate: at(14) }))).toBe('trial-extended');
    expect(changeItemKindOf('updated', trial, facts({ trialEndDate: at(3) }))).toBe('updated');
    // Celigo drops trialEndDate when a paid expiry is saved: a later expiry and the end gone at once.
    const paid = facts({ expires: at(700), user: { email: 'a@b.example', _id: 'u1' } });
    expect(changeItemKindOf('updated', trial, paid)).toBe('converted');
    expect(changeItemKindOf('updated', none, paid)).toBe('installed');
    expect(changeItemKindOf('created', undefined, trial)).toBe('created');
    expect(changeItemKindOf('deleted', trial, trial)).toBe('deleted');
  });

  it('a conversion is stamped when the end goes, carried while none comes back, cleared by a new trial', () => {
    const seen = at(0);
    expect(trialConversionOf({ trialEndDate: at(2) }, {}, seen)).toBe(seen);
    expect(trialConversionOf({ trialConvertedAt: at(-9) }, {}, seen)).toBe(at(-9));
    expect(trialConversionOf({ trialConvertedAt: at(-9) }, { trialEndDate: at(9) }, seen)).toBeUndefined();
    expect(trialConversionOf(undefined, {}, seen)).toBeUndefined();
    expect(trialConversionOf({}, {}, seen)).toBeUndefined();
  });
});
