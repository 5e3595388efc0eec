// Digests and formats without a store: what people get (one digest, counts, the most urgent lines, a pointer, an id)
// and what machines get (a message per alert with format, rule and connectorId), within SNS's and Slack's limits.
import { describe, expect, it } from 'vitest';
import { buildDigest, DIGEST_LINES } from '#alerts/digest';
import { snsSink } from '#alerts/sns';
import { WEBHOOK_LIMITS, webhookChunks, webhookPayload } from '#alerts/webhook';
import type { Alert, RuleName } from '#watch/alert';
import { fakeSns } from '../../support/fake-sns.ts';

const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:LicenseWatch-AlertingTopic';

function alerts(
  n: number,
  message = (i: number) => `user${i}@example.com (license ${i}) needs attention`,
): Alert[] {
  const rules: RuleName[] = ['not-installed', 'not-installed', 'expiring', 'expired', 'deleted'];
  return Array.from({ length: n }, (_, i) => {
    const rule = rules[i % rules.length]!;
    return {
      alertId: `${i.toString(16).padStart(24, '0')}#${rule}#2026-07-01T18:29:59.999Z#${rule === 'expiring' ? 30 : '-'}`,
      rule,
      licenseId: i.toString(16).padStart(24, '0'),
      connectorId: `c${i % 3}`.padEnd(24, '0'),
      daysToExpiry: rule === 'expiring' ? (i * 7) % 31 : rule === 'expired' ? -((i * 3) % 30) - 1 : 200,
      raisedAt: '2026-06-15T12:00:00.000Z',
      message: message(i),
    };
  });
}

describe('digest', () => {
  it('counts per rule, shows the most urgent lines, points at the full list, and has a stable id', () => {
    const all = alerts(10_000);
    const digest = buildDigest(all, { pointer: 'GET https://api.example/alerts' });
    expect(digest.total).toBe(10_000);
    expect(digest.counts).toEqual({
      'not-installed': 4_000,
      expiring: 2_000,
      expired: 2_000,
      deleted: 2_000,
    });
    expect(digest.lines).toHaveLength(DIGEST_LINES);
    expect(digest.more).toBe(10_000 - DIGEST_LINES);
    // Expiring soonest first.
    const days = digest.lines.map((l) => all.find((a) => a.alertId === l.alertId)!.daysToExpiry);
    expect(digest.lines.every((l) => l.rule === 'expiring')).toBe(true);
    expect(days).toEqual([...days].sort((a, b) => a! - b!));
    expect(digest.text).toContain('Full list: GET https://api.example/alerts');
    expect(digest.text).toContain('9,980 more alerts');
    expect(digest.subject).toMatch(/^[\x20-\x7e]{1,100}$/);
    expect(buildDigest([...all].reverse()).digestId).toBe(digest.digestId);
    expect(buildDigest(all.slice(1)).digestId).not.toBe(digest.digestId);
  });
});

describe('SNS', () => {
  it('publishes one digest (format=digest, e-mail gets text) and a message per alert (format, rule, connectorId)', async () => {
    const sns = fakeSns();
    const all = alerts(10_000);
    const accepted: string[] = [];
    await snsSink(sns.client, TOPIC).deliver({
      evaluationId: 'e1',
      alerts: all,
      accepted: (ids) => accepted.push(...ids),
    });
    expect(sns.digests).toHaveLength(1);
    const [digest] = sns.digests;
    expect(digest!.attributes).toEqual({ format: 'digest' });
    expect(digest!.message).toMatchObject({
      format: 'digest',
      total: 10_000,
      evaluationId: 'e1',
      more: 9_980,
    });
    expect(digest!.message.alertIds).toHaveLength(DIGEST_LINES);
    expect(digest!.email).toContain('licensewatch: 10,000 alerts');
    expect(
      Buffer.byteLength(JSON.stringify({ default: JSON.stringify(digest!.message), email: digest!.email })),
    ).toBeLessThan(256 * 1024);
    expect(sns.entries).toHaveLength(10_000);
    for (const [i, e] of sns.entries.entries()) {
      expect(e.attributes).toEqual({ format: 'alert', rule: all[i]!.rule, connectorId: all[i]!.connectorId });
      expect(e.message).toMatchObject({ format: 'alert', alertId: all[i]!.alertId });
    }
    expect(accepted.sort()).toEqual(all.map((a) => a.alertId).sort());
  });

  it('accepts nothing when the digest is refused: no alert is marked done that people never heard of', async () => {
    const sns = fakeSns();
    const refusing = {
      send: async (command: unknown) => {
        if ((command as { constructor: { name: string } }).constructor.name === 'PublishCommand')
          throw new Error('KMS key disabled');
        return sns.client.send(command as never);
      },
    } as unknown as typeof sns.client;
    const accepted: string[] = [];
    await expect(
      snsSink(refusing, TOPIC).deliver({
        evaluationId: 'e',
        alerts: alerts(3),
        accepted: (ids) => accepted.push(...ids),
      }),
    ).rejects.toThrow('KMS key disabled');
    expect(accepted).toEqual([]);
    expect(sns.entries).toEqual([]);
  });
});

describe('webhook chunks', () => {
  it('hold at most 50 alerts and stay well under 40,000 characters of text, however long the messages', () => {
    const long = alerts(333, (i) => `${'x'.repeat(900)} ${i}`);
    const chunks = webhookChunks(long);
    expect(chunks.flat()).toEqual(long);
    for (const chunk of chunks) {
      expect(chunk.length).toBeLessThanOrEqual(WEBHOOK_LIMITS.alertsPerPost);
      const payload = webhookPayload(chunk);
      expect(payload.text.length).toBeLessThanOrEqual(WEBHOOK_LIMITS.textChars);
      expect(payload.alertIds).toEqual(chunk.map((a) => a.alertId));
    }
    expect(webhookChunks(alerts(120)).map((c) => c.length)).toEqual([50, 50, 20]);
  });
});
