// `licensewatch alerts` with a signed webhook: the secret from --webhook-secret-file signs every POST and is never
// printed; --webhook-rules picks the rules the webhook gets; a misspelt rule is one line on stderr.
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type Emulator, startEmulator } from '#local/emulator/index';
import { cli } from '../support/cli.ts';

const TOKEN = 'cli-webhook-token';
const SECRET = `whsec-${randomBytes(12).toString('hex')}`;
let emu: Emulator;
let env: Record<string, string>;
let dir: string;
let server: Server;
let url: string;
const posts: { headers: IncomingHttpHeaders; body: string }[] = [];

beforeAll(async () => {
  emu = await startEmulator({ token: TOKEN, dataSet: 'empty' });
  const c = emu.addConnector();
  for (let i = 0; i < 3; i++)
    emu.addLicense(c._id, { expires: new Date(Date.now() + (5 + i) * 86_400_000).toISOString() });
  emu.addLicense(c._id, {
    created: new Date(Date.now() - 30 * 86_400_000).toISOString(),
    user: { _id: undefined, name: undefined },
    _integrationId: undefined,
  });
  env = {
    CELIGO_API_URL: emu.url,
    CELIGO_API_TOKEN: TOKEN,
    LICENSEWATCH_STORE: inject('dynamoEndpoint'),
    LICENSEWATCH_TABLE: `webhook-${randomBytes(4).toString('hex')}`,
  };
  dir = mkdtempSync(join(tmpdir(), 'lw-webhook-'));
  writeFileSync(join(dir, 'secret'), `${SECRET}\n`);
  server = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    posts.push({ headers: req.headers, body });
    res.end('ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  expect((await cli(['sync', '--json'], env)).code).toBe(0);
}, 120_000);
afterAll(async () => {
  server?.closeAllConnections();
  server?.close();
  await emu?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('licensewatch alerts with a signed webhook', { timeout: 120_000 }, () => {
  it('signs each POST with the secret file, sends only the chosen rules, and never prints the secret', async () => {
    const args = ['alerts', '--json', '--alert-format', 'each', '--webhook-url', url];
    const r = await cli(
      [...args, '--webhook-secret-file', join(dir, 'secret'), '--webhook-rules', 'expiring'],
      env,
    );
    expect(r.code).toBe(0);
    expect(r.stdout + r.stderr).not.toContain(SECRET);
    const printed = JSON.parse(r.stdout) as { items: { rule: string }[] };
    expect(printed.items.map((a) => a.rule)).toContain('not-installed'); // raised, printed, not sent to the webhook
    expect(posts.length).toBeGreaterThan(0);
    const sent = posts.flatMap((p) => (JSON.parse(p.body) as { alerts: { rule: string }[] }).alerts);
    expect(sent.length).toBe(printed.items.filter((a) => a.rule === 'expiring').length);
    expect(sent.every((a) => a.rule === 'expiring')).toBe(true);
    for (const { headers, body } of posts) {
      const timestamp = String(headers['x-licensewatch-timestamp']);
      expect(Math.abs(Date.now() / 1000 - Number(timestamp))).toBeLessThan(300);
      const mac = createHmac('sha256', SECRET).update(`${timestamp}.${body}`).digest('hex');
      expect(headers['x-licensewatch-signature']).toBe(`v1=${mac}`);
    }
  });

  it('takes the secret itself from ALERT_WEBHOOK_SECRET and the rules from ALERT_WEBHOOK_RULES', async () => {
    posts.length = 0;
    const r = await cli(['alerts', '--json', '--webhook-url', `${url}?2`], {
      ...env,
      ALERT_WEBHOOK_SECRET: SECRET,
      ALERT_WEBHOOK_RULES: 'not-installed',
    });
    expect(r.code).toBe(0);
    expect(r.stdout + r.stderr).not.toContain(SECRET);
    expect(posts).toHaveLength(1); // the digest of the one not-installed alert
    const { headers, body } = posts[0]!;
    const mac = createHmac('sha256', SECRET)
      .update(`${headers['x-licensewatch-timestamp']}.${body}`)
      .digest('hex');
    expect(headers['x-licensewatch-signature']).toBe(`v1=${mac}`);
  });

  it('answers a misspelt rule or a missing secret file with one line on stderr', async () => {
    for (const extra of [
      ['--webhook-rules', 'expiring,expird'],
      ['--webhook-secret-file', join(dir, 'missing')],
    ]) {
      const r = await cli(['alerts', '--webhook-url', url, ...extra], env);
      expect(r.code).not.toBe(0);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    const bad = await cli(['alerts', '--webhook-url', url, '--webhook-rules', 'expird'], env);
    expect(bad.stderr).toMatch(/--webhook-rules: unknown rule "expird" \(rules: expiring, expired/);
  });
});
