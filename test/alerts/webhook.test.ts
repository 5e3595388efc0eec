// The webhook sink against a real local HTTP server, its deliveries kept in DynamoDB Local: a receiver that fails
// after taking a message gets it once per evaluation (ids to drop the repeat by), chunks are recorded one by one.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WEBHOOK_LIMITS, webhookSink, webhookSinkId } from '#alerts/webhook';
import { evaluateAlerts } from '#watch/evaluate';
import { alertLedger } from '../support/alert-ledger.ts';

interface Post {
  format: string;
  text: string;
  alertIds: string[];
  digestId?: string;
  total?: number;
  alerts?: unknown[];
}

type Answer = (post: Post, res: ServerResponse, n: number) => void | Promise<void>;
const servers: { close(): void }[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

/** A receiver that keeps every body it read (it took the message) and answers as told. */
async function receiver(
  answer: Answer = (_p, res) => {
    res.end('ok');
  },
) {
  const posts: Post[] = [];
  const server = createServer(async (req: IncomingMessage, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    const post = JSON.parse(body) as Post;
    posts.push(post);
    await answer(post, res, posts.length);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  servers.push({
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/services/T0/B0/secret-token`;
  return { url, posts };
}

describe('webhook delivery', () => {
  it('a 5xx after the receiver took the digest: not repeated in the run, sent again next run with the same ids', async () => {
    const h = await alertLedger(7);
    const hook = await receiver((_p, res, n) => {
      res.statusCode = n === 1 ? 500 : 200;
      res.end();
    });
    const sinks = () => [webhookSink(hook.url, { backoffMs: 1 })];
    const first = await evaluateAlerts({ ledger: h.ledger, sinks: sinks() });
    expect(hook.posts).toHaveLength(1);
    expect(first.pending).toBe(7);
    expect(first.errors[0]!.message).toBe('webhook delivery failed with HTTP 500');
    expect(JSON.stringify(first)).not.toContain('secret-token');

    const second = await evaluateAlerts({ ledger: h.ledger, sinks: sinks() });
    expect(second).toMatchObject({ retried: 7, pending: 0, errors: [] });
    expect(hook.posts).toHaveLength(2);
    const [a, b] = hook.posts;
    expect(a).toMatchObject({ format: 'digest', total: 7 });
    expect(b!.digestId).toBe(a!.digestId);
    expect(b!.alertIds).toEqual(a!.alertIds);
    await evaluateAlerts({ ledger: h.ledger, sinks: sinks() });
    expect(hook.posts).toHaveLength(2);
  });

  it('per-alert chunks: one that times out stops the run, those before it stay delivered, the rest goes next run', async () => {
    const h = await alertLedger(120);
    const hook = await receiver(async (_p, res, n) => {
      if (n === 2) await new Promise((r) => setTimeout(r, 1_500));
      if (!res.destroyed) res.end('ok');
    });
    const sinks = () => [webhookSink(hook.url, { format: 'each', timeoutMs: 400, backoffMs: 1 })];
    const first = await evaluateAlerts({ ledger: h.ledger, sinks: sinks() });
    expect(hook.posts.map((p) => p.alertIds.length)).toEqual([50, 50]);
    expect(first.sinks[0]).toMatchObject({ due: 120, accepted: 50, pending: 70 });
    expect(first.errors[0]!.message).toMatch(/timed out after 400 ms/);

    await evaluateAlerts({ ledger: h.ledger, sinks: sinks() });
    const next = hook.posts.slice(2);
    expect(next.map((p) => p.alertIds.length)).toEqual([50, 20]);
    // The chunk that timed out came again (same ids: the receiver can drop it); nothing accepted came twice.
    expect(next[0]!.alertIds).toEqual(hook.posts[1]!.alertIds);
    const all = hook.posts.flatMap((p) => p.alertIds);
    expect(new Set(all).size).toBe(120);
    expect(all).toHaveLength(170);
    for (const p of hook.posts) {
      expect(p.alertIds).toEqual((p.alerts as { alertId: string }[]).map((a) => a.alertId));
      expect(p.text.length).toBeLessThan(40_000);
      expect(p.alertIds.length).toBeLessThanOrEqual(WEBHOOK_LIMITS.alertsPerPost);
    }
  });

  it('a 429 is repeated at once (the receiver did not take it), honouring Retry-After', async () => {
    const h = await alertLedger(3);
    const hook = await receiver((_p, res, n) => {
      if (n === 1) res.writeHead(429, { 'retry-after': '0' });
      res.end();
    });
    const result = await evaluateAlerts({
      ledger: h.ledger,
      sinks: [webhookSink(hook.url, { backoffMs: 1 })],
    });
    expect(result).toMatchObject({ pending: 0, errors: [] });
    expect(hook.posts).toHaveLength(2);
    expect(result.sinks).toEqual([{ sink: webhookSinkId(hook.url), due: 3, accepted: 3, pending: 0 }]);
  });

  it('is named by a hash of its URL, never the URL', () => {
    const id = webhookSinkId('https://hooks.slack.com/services/T0/B0/secret-token');
    expect(id).toMatch(/^webhook:[0-9a-f]{16}$/);
    expect(id).not.toContain('secret');
  });
});
