// The CLI end to end: a Partner API (the emulator) and a DynamoDB endpoint it has not seen before.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type Emulator, startEmulator } from '#local/emulator/index';
import { cli } from '../support/cli.ts';
import { smallDemo } from '../support/demo-data.ts';

const TOKEN = 'cli-test-token-s3cr3t';
let emu: Emulator;
let env: Record<string, string>;
let big: string;
let empty: string;

/** The emulator's page (the API's 1000): the big connector's 250 licenses come in three pages. */
const PAGE = 100;

beforeAll(async () => {
  emu = await startEmulator({ token: TOKEN, pageCap: PAGE, dataSet: smallDemo(new Date(), 250) });
  // Throttled at first: the CLI must honour Retry-After and still get every page.
  emu.throttle(2, 1);
  env = {
    CELIGO_API_URL: emu.url,
    CELIGO_API_TOKEN: TOKEN,
    LICENSEWATCH_STORE: inject('dynamoEndpoint'),
    LICENSEWATCH_TABLE: `cli-${randomBytes(4).toString('hex')}`,
  };
  const counts = emu.connectors().map((c) => ({ id: c._id, n: emu.licenses(c._id).length }));
  big = counts.find((c) => c.n > 2 * PAGE)!.id;
  empty = counts.find((c) => c.n === 0)!.id;
});
afterAll(() => emu.close());

const noToken = (r: { stdout: string; stderr: string }) =>
  expect(`${r.stdout}${r.stderr}`).not.toContain(TOKEN);

describe('fetch (live, nothing stored)', () => {
  it('prints every page of a connector as one JSON document, honouring Retry-After', async () => {
    const started = Date.now();
    const r = await cli(['fetch', 'licenses', big, '--json'], env);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(emu.licenses(big));
    const pages = emu.requests().filter((q) => q.path.endsWith(`${big}/licenses`) && q.status === 200);
    expect(pages).toHaveLength(3);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
    noToken(r);
    expect(emu.requests().every((q) => q.auth === 'valid' || q.status === 429)).toBe(true);
  });

  it('prints an empty connector and the connectors as tables', async () => {
    const none = await cli(['fetch', 'licenses', empty], env);
    expect(none.code).toBe(0);
    expect(none.stderr).toMatch(/0 license/);
    const list = await cli(['fetch', 'connectors'], env);
    expect(list.stdout.split('\n')[0]).toMatch(/^ID\s+NAME/);
    for (const c of emu.connectors()) expect(list.stdout).toContain(c._id);
  });

  it('fails with one line naming the cause, and no stack', async () => {
    const bad = await cli(['fetch', 'connectors'], { ...env, CELIGO_API_TOKEN: 'wrong-token' });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/401 unauthorized: check CELIGO_API_TOKEN/);
    expect(bad.stdout).toBe('');
    const missing = await cli(['fetch', 'connectors'], { ...env, CELIGO_API_TOKEN: '' });
    expect(missing.stderr).toMatch(/no Partner API token/);
    const down = await cli(['fetch', 'connectors', '--api-url', 'http://127.0.0.1:9/v1'], env);
    expect(down.stderr.trim().split('\n').at(-1)).toMatch(
      /cannot reach http:\/\/127\.0\.0\.1:9\/v1\/connectors/,
    );
    expect(down.stderr).not.toMatch(/\bat .*\.ts:\d+/);
  });
});

describe('ledger through the CLI', () => {
  it('syncs, reports, and a second sync changes nothing', async () => {
    const first = await cli(['sync', '--json'], env);
    expect(first.code).toBe(0);
    const run = JSON.parse(first.stdout);
    const total = emu.connectors().reduce((n, c) => n + emu.licenses(c._id).length, 0);
    expect(run.counts).toMatchObject({ seen: total, created: total });
    expect(run.status).toBe('completed');
    noToken(first);

    const second = JSON.parse((await cli(['sync', '--json'], env)).stdout);
    expect(second.counts).toMatchObject({
      seen: total,
      created: 0,
      updated: 0,
      deleted: 0,
      unchanged: total,
    });

    const connectors = JSON.parse((await cli(['connectors', '--json'], env)).stdout).items;
    expect(connectors.find((c: { id: string }) => c.id === big).licenses).toBe(emu.licenses(big).length);

    const lic = emu.licenses(big)[0]!;
    const view = JSON.parse((await cli(['license', lic._id, '--json'], env)).stdout);
    expect(view).toMatchObject({ id: lic._id, connectorId: big, email: lic.user.email, raw: lic });
    for (const k of [
      'installed',
      'daysToExpiry',
      'expiry',
      'firstSeenAt',
      'lastSeenAt',
      'edition',
      'addonLicenses',
    ]) {
      expect(view).toHaveProperty(k);
    }
  });

  it('records an upstream change as one version and shows it in history; deleted licenses on request', async () => {
    const lic = emu.licenses(big)[10]!;
    emu.mutateLicense(big, lic._id, { expires: '2031-01-01T18:29:59.999Z' });
    const gone = emu.licenses(big)[11]!;
    emu.deleteLicense(big, gone._id);
    const r = JSON.parse((await cli(['sync', '--json'], env)).stdout);
    expect(r.counts).toMatchObject({ updated: 1, deleted: 1 });
    const history = JSON.parse((await cli(['history', lic._id, '--json'], env)).stdout).items;
    expect(history.map((v: { change: string }) => v.change)).toEqual(['updated', 'created']);
    expect(history[0].changes).toEqual(['expires']);
    const live = JSON.parse((await cli(['licenses', '--connector', big, '--json'], env)).stdout).items;
    expect(live.some((l: { id: string }) => l.id === gone._id)).toBe(false);
    const all = JSON.parse(
      (await cli(['licenses', '--connector', big, '--include-deleted', '--json'], env)).stdout,
    ).items;
    expect(all.find((l: { id: string }) => l.id === gone._id).deletedAt).toBeDefined();
  });

  it('exits 2 when a connector fails, and says which', async () => {
    emu.failConnector(big, { status: 500, afterPages: 1 });
    const r = await cli(['sync'], env);
    emu.clearFailures();
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(big);
    expect(r.stdout).toMatch(/failed/);
  });

  it('answers unknown ids and bad flags with one line and a non-zero exit', async () => {
    const unknown = await cli(['license', 'ffffffffffffffffffffffff'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no license ffffffffffffffffffffffff/);
    const both = await cli(['licenses', '--json', '--csv'], env);
    expect(both.code).not.toBe(0);
    expect(both.stderr).toMatch(/--json and --csv/);
    const days = await cli(['report', 'expiring', '--within-days', 'soon'], env);
    expect(days.code).not.toBe(0);
    expect(days.stderr).toMatch(/--within-days must be a whole number/);
  });
});

describe('watch through the CLI', () => {
  it('reports expiring licenses soonest first, as JSON and CSV', async () => {
    const json = JSON.parse(
      (await cli(['report', 'expiring', '--within-days', '30', '--json'], env)).stdout,
    ).items;
    expect(json.length).toBeGreaterThan(5);
    expect(json.every((l: { daysToExpiry: number }) => l.daysToExpiry >= 0 && l.daysToExpiry <= 30)).toBe(
      true,
    );
    const expires = json.map((l: { expires: string }) => l.expires);
    expect(expires).toEqual([...expires].sort());
    const csv = await cli(['report', 'expiring', '--csv'], env);
    const lines = csv.stdout.trimEnd().split('\r\n');
    expect(lines[0]).toMatch(/^id,connectorId,email,/);
    expect(lines).toHaveLength(json.length + 1);
    const notInstalled = JSON.parse((await cli(['report', 'not-installed', '--json'], env)).stdout).items;
    expect(notInstalled.length).toBeGreaterThan(0);
    expect(notInstalled.every((l: { installed: boolean }) => !l.installed)).toBe(true);
  });

  it('quotes commas, quotes and non-ASCII in CSV (RFC 4180, UTF-8)', async () => {
    const lic = emu.licenses(big)[20]!;
    emu.mutateLicense(big, lic._id, {
      expires: new Date(Date.now() + 3 * 86_400_000).toISOString(),
      user: { ...lic.user, name: 'Doe, "JJ" Zoë 山田' },
    });
    await cli(['sync'], env);
    const csv = (await cli(['report', 'expiring', '--csv'], env)).stdout;
    expect(csv).toContain('"Doe, ""JJ"" Zoë 山田"');
  });

  it('raises alerts once: a second run raises nothing', async () => {
    const first = await cli(['alerts', '--json'], env);
    expect(first.code).toBe(0);
    const doc = JSON.parse(first.stdout);
    expect(doc).toMatchObject({ retried: 0, pending: 0, sinks: [{ sink: 'console' }] });
    const items = doc.items;
    expect(items.length).toBeGreaterThan(0);
    expect(items[0]).toMatchObject({
      licenseId: expect.any(String),
      connectorId: expect.any(String),
      rule: expect.any(String),
    });
    expect(first.stderr).toMatch(/ALERT/);
    const again = JSON.parse((await cli(['alerts', '--json'], env)).stdout);
    expect(again.items).toEqual([]);
  });

  it('refuses a bad --alert-format or ALERT_FORMAT in one line, before opening the store', async () => {
    for (const [args, extra] of [
      [['alerts', '--alert-format', 'digests'], {}],
      [['alerts'], { ALERT_FORMAT: 'every' }],
    ] as const) {
      const r = await cli([...args], { ...env, ...extra, LICENSEWATCH_STORE: 'http://127.0.0.1:9' });
      expect(r.code).not.toBe(0);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/--alert-format must be digest or each, got (digests|every)/);
    }
  });
});
