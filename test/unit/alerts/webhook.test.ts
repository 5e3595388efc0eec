// The webhook's per-alert chunks as a property: within Slack's limits (50 alerts, 30,000 characters of text per
// post), nothing lost or repeated, order kept, and each chunk closed only when the next alert would not fit.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WEBHOOK_LIMITS, webhookChunks, webhookPayload } from '#alerts/webhook';
import type { Alert } from '#watch/alert';

const alertOf = (i: number, message: string): Alert => ({
  alertId: `${i.toString(16).padStart(24, '0')}#expiring#2027-01-01T00:00:00.000Z#30`,
  rule: 'expiring',
  licenseId: i.toString(16).padStart(24, '0'),
  connectorId: 'c'.padEnd(24, '0'),
  raisedAt: '2026-12-01T00:00:00.000Z',
  message,
});

// Runs of short messages reach 50 alerts per post first; messages around the 1,000-character cut of a line reach
// the text limit first; a mix of both reaches either.
const lengths = fc.oneof(
  fc.array(fc.nat({ max: 40 }), { maxLength: 160, size: 'max' }),
  fc.array(
    fc.oneof(
      { arbitrary: fc.nat({ max: 40 }), weight: 1 },
      { arbitrary: fc.integer({ min: 900, max: 1_200 }), weight: 4 },
    ),
    { maxLength: 160, size: 'max' },
  ),
);
const alertList = lengths.map((ns) => ns.map((n, i) => alertOf(i, `${i} ${'m'.repeat(n)}`)));

describe('webhookChunks', () => {
  it('posts within the limits, loses nothing, keeps order, and fills each chunk (property)', () => {
    const seed = Date.now();
    process.stderr.write(`webhook chunks property: seed ${seed}\n`);
    fc.assert(
      fc.property(alertList, (alerts) => {
        const chunks = webhookChunks(alerts);
        expect(chunks.flat()).toEqual(alerts);
        for (const [i, chunk] of chunks.entries()) {
          expect(chunk.length).toBeGreaterThan(0);
          expect(chunk.length).toBeLessThanOrEqual(WEBHOOK_LIMITS.alertsPerPost);
          const payload = webhookPayload(chunk);
          expect(payload.text.length).toBeLessThanOrEqual(WEBHOOK_LIMITS.textChars);
          expect(payload.alertIds).toEqual(chunk.map((a) => a.alertId));
          const next = chunks[i + 1]?.[0];
          if (next) {
            const full = chunk.length === WEBHOOK_LIMITS.alertsPerPost;
            expect(full || webhookPayload([...chunk, next]).text.length >= WEBHOOK_LIMITS.textChars).toBe(
              true,
            );
          }
        }
      }),
      { seed, numRuns: 200 },
    );
  });

  it('fills a post to exactly 30,000 characters, and not one more', () => {
    // Text = header (25 characters from 10 alerts on) + a newline and a line ("• " + message) per alert.
    const filling = (last: number) => [
      ...Array.from({ length: 29 }, (_, i) => alertOf(i, 'm'.repeat(997))),
      alertOf(29, 'm'.repeat(last)),
    ];
    const exact = webhookChunks(filling(972));
    expect(exact.map((c) => c.length)).toEqual([30]);
    expect(webhookPayload(exact[0]!).text).toHaveLength(WEBHOOK_LIMITS.textChars);
    expect(webhookChunks(filling(973)).map((c) => c.length)).toEqual([29, 1]);
  });

  it('sends no post for no alerts', () => {
    expect(webhookChunks([])).toEqual([]);
  });
});

describe('webhookPayload', () => {
  it("is Slack's text (a header, a line per alert, each cut at 1,000 characters) with the ids and alerts beside it", () => {
    const alerts = [alertOf(1, 'first'), alertOf(2, 'x'.repeat(1_500))];
    const payload = webhookPayload(alerts);
    expect(payload.format).toBe('alert');
    const lines = payload.text.split('\n');
    expect(lines[0]).toBe('licensewatch: 2 alert(s)');
    expect(lines[1]).toBe('• first');
    expect(lines[2]).toHaveLength(1_000);
    expect(payload.alerts).toEqual(alerts);
    expect(payload.alertIds).toEqual(alerts.map((a) => a.alertId));
  });
});
