// The digest with trials and sandboxes, without a store: production licenses first, trial alerts a section apart
// from expiries, each section under its heading.
import { describe, expect, it } from 'vitest';
import { buildDigest } from '#alerts/digest';
import type { Alert, RuleName } from '#watch/alert';

const alert = (id: string, rule: RuleName, extra: Partial<Alert> = {}): Alert => ({
  alertId: `${id}#${rule}#2026-07-01T00:00:00.000Z#-`,
  rule,
  licenseId: id,
  connectorId: 'c1',
  raisedAt: '2026-06-15T12:00:00.000Z',
  message: `license ${id}`,
  ...extra,
});

describe('digest with trials and sandboxes', () => {
  const all = [
    alert('sb-expiring', 'expiring', { sandbox: true, daysToExpiry: 0 }),
    alert('trial-3', 'trial-ending', { daysToTrialEnd: 3, sandbox: false }),
    alert('exp-10', 'expiring', { daysToExpiry: 10 }),
    alert('trial-ended-1', 'trial-ended', { daysToTrialEnd: -1 }),
    alert('trial-0', 'trial-ending', { daysToTrialEnd: 0 }),
    alert('exp-2', 'expiring', { daysToExpiry: 2, sandbox: false }),
    alert('sb-trial', 'trial-ending', { sandbox: true, daysToTrialEnd: 1 }),
    alert('expired', 'expired', { daysToExpiry: -4 }),
  ];

  it('lists production first, expiries then trials, each section headed', () => {
    const digest = buildDigest(all);
    expect(digest.lines.map((l) => l.alertId.split('#')[0])).toEqual([
      'exp-2',
      'exp-10',
      'expired',
      'trial-0',
      'trial-3',
      'trial-ended-1',
      'sb-expiring',
      'sb-trial',
    ]);
    expect(digest.counts).toMatchObject({ 'trial-ending': 3, 'trial-ended': 1, expiring: 3, expired: 1 });
    const text = digest.text.split('\n');
    const at = (line: string) => text.indexOf(line);
    const headings = [
      'Production: expiries',
      'Production: trials',
      'Sandbox: expiries',
      'Sandbox: trials',
    ].map(at);
    expect(headings.every((i) => i >= 0)).toBe(true);
    expect(headings).toEqual([...headings].sort((a, b) => a - b));
    // Each heading once: a section is one run of lines.
    expect(text.filter((l) => l === 'Production: trials')).toHaveLength(1);
    expect(at('• [trial-ending] license trial-0')).toBeGreaterThan(at('Production: trials'));
    expect(at('• [expiring] license exp-10')).toBeLessThan(at('Production: trials'));
  });

  it('shows production alerts before any sandbox one when lines run short', () => {
    const digest = buildDigest(all, { maxLines: 6 });
    expect(digest.lines.some((l) => l.alertId.startsWith('sb-'))).toBe(false);
    expect(digest.more).toBe(2);
  });
});
