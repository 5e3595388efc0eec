// Signed webhooks against a real local receiver that verifies as the README shows: every POST signed over its exact
// body, stale or tampered ones refused; the Lambda's secret (URL or JSON with a signing secret); rules per webhook.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { signatureHeaders, webhookRules, webhookTarget } from '#alerts/signing';
import { webhookSink } from '#alerts/webhook';
import { loadConfig } from '#functions/config';
import { sinksFor } from '#functions/handlers/alerts';
import type { Alert, AlertSink } from '#watch/alert';
import { evaluateAlerts } from '#watch/evaluate';
import { alertLedger } from '../support/alert-ledger.ts';
import { fakeSns } from '../support/fake-sns.ts';

const SECRET = 'whsec-test-0123456789abcdef';

/** The README's receiver check, verbatim: a fresh timestamp, and the signature of "<timestamp>.<body>". */
function verify(secret: string, headers: IncomingHttpHeaders, body: string, now = Date.now()): boolean {
  const timestamp = String(headers['x-licensewatch-timestamp'] ?? '');
  const signature = String(headers['x-licensewatch-signature'] ?? '');
  if (!/^\d+$/.test(timestamp) || Math.abs(now / 1000 - Number(timestamp)) > 300) return false;
  const expected = `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
  return (
    signature.length === expected.length && timingSafeEqual(Buffer.from(signature), Buffer.from(expected))
  );
}

const servers: { close(): void }[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

async function receiver() {
  const posts: { headers: IncomingHttpHeaders; body: string }[] = [];
  const server = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    posts.push({ headers: req.headers, body });
    res.end('ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  servers.push({
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, posts };
}

describe('signed webhooks', () => {
  it('signs every POST (digest and chunks) over its exact body; the receiver refuses stale or tampered ones', async () => {
    const h = await alertLedger(60);
    const hook = await receiver();
    const sinks = [
      webhookSink(hook.url, { signingSecret: SECRET }),
      webhookSink(`${hook.url}?each`, { signingSecret: SECRET, format: 'each' }),
    ];
    await evaluateAlerts({ ledger: h.ledger, sinks });
    expect(hook.posts.length).toBe(3); // one digest, two chunks of at most 50
    for (const { headers, body } of hook.posts) {
      expect(verify(SECRET, headers, body)).toBe(true);
      expect(verify('another-secret', headers, body)).toBe(false);
      expect(verify(SECRET, headers, body.replace('"', ' "'))).toBe(false);
      expect(verify(SECRET, headers, body, Date.now() + 301_000)).toBe(false);
    }
    // The header names and formats the contract gives.
    const { headers } = hook.posts[0]!;
    expect(headers['x-licensewatch-timestamp']).toMatch(/^\d{10}$/);
    expect(headers['x-licensewatch-signature']).toMatch(/^v1=[0-9a-f]{64}$/);
  }, 120_000);

  it('sends no signature headers without a secret', async () => {
    const h = await alertLedger(2);
    const hook = await receiver();
    await evaluateAlerts({ ledger: h.ledger, sinks: [webhookSink(hook.url)] });
    expect(hook.posts).toHaveLength(1);
    expect(hook.posts[0]!.headers['x-licensewatch-signature']).toBeUndefined();
  });

  it('matches a known vector: HMAC-SHA256 of "<timestamp>.<body>"', () => {
    const headers = signatureHeaders('key', '{"a":1}', 1_700_000_000_123);
    expect(headers['X-Licensewatch-Timestamp']).toBe('1700000000');
    const expected = createHmac('sha256', 'key').update('1700000000.{"a":1}').digest('hex');
    expect(headers['X-Licensewatch-Signature']).toBe(`v1=${expected}`);
  });

  it('gives a webhook only the rules it names; another sink still gets every alert', async () => {
    const h = await alertLedger(4); // four not-installed alerts
    const hook = await receiver();
    const all: Alert[] = [];
    const everything: AlertSink = {
      id: 'console:all',
      async deliver({ alerts, accepted }) {
        all.push(...alerts);
        accepted(alerts.map((a) => a.alertId));
      },
    };
    const picky = webhookSink(hook.url, { format: 'each', rules: webhookRules('expiring, deleted') });
    const first = await evaluateAlerts({ ledger: h.ledger, sinks: [picky, everything] });
    expect(all).toHaveLength(4);
    expect(hook.posts).toHaveLength(0);
    expect(first.pending).toBe(0); // nothing left waiting for the webhook either
    const wanting = webhookSink(`${hook.url}?2`, { format: 'each', rules: webhookRules('not-installed') });
    await evaluateAlerts({ ledger: h.ledger, sinks: [wanting] });
    expect(hook.posts).toHaveLength(1);
    expect(JSON.parse(hook.posts[0]!.body).alerts).toHaveLength(4);
  });

  it('refuses an unknown rule name, naming it and the rules there are', () => {
    expect(() => webhookRules('expiring,expird')).toThrow(/unknown rule "expird" \(rules: expiring, expired/);
    expect(webhookRules('')).toBeUndefined();
    expect(webhookRules(' expired ,expired')).toEqual(['expired']);
  });

  it("in Lambda: the webhook's secret holds the URL alone (unsigned) or JSON with a signing secret", async () => {
    expect(webhookTarget('https://hooks.example/x')).toEqual({ url: 'https://hooks.example/x' });
    expect(webhookTarget(JSON.stringify({ url: 'https://hooks.example/x', signingSecret: SECRET }))).toEqual({
      url: 'https://hooks.example/x',
      signingSecret: SECRET,
    });
    expect(() => webhookTarget(`{"url": 1, "signingSecret": "${SECRET}"`)).toThrow(/neither a URL nor JSON/);
    try {
      webhookTarget(`{"signingSecret": "${SECRET}"}`);
    } catch (error) {
      expect(String(error)).not.toContain(SECRET);
    }

    const h = await alertLedger(3);
    const hook = await receiver();
    const config = loadConfig({
      TABLE_NAME: h.tableName,
      ALERT_TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:alerts',
      ALERT_WEBHOOK_SECRET_ARN: 'lw/webhook',
      ALERT_WEBHOOK_RULES: 'not-installed',
      // Ignored beside a secret ARN: the signing secret comes with the URL.
      ALERT_WEBHOOK_SECRET: 'not-this-one',
    });
    const read = async (id: string) => {
      expect(id).toBe('lw/webhook');
      return JSON.stringify({ url: hook.url, signingSecret: SECRET });
    };
    const sinks = await sinksFor(config, read, fakeSns().client)();
    await evaluateAlerts({ ledger: h.ledger, sinks });
    expect(hook.posts).toHaveLength(1);
    expect(verify(SECRET, hook.posts[0]!.headers, hook.posts[0]!.body)).toBe(true);
    expect(() => sinksFor({ ...config, alerts: { ...config.alerts, webhookRules: 'nope' } }, read)).toThrow(
      /unknown rule "nope"/,
    );
  });
});
