// Over real HTTP, with two partner accounts (the emulator's US and EU tokens) and a ledger on DynamoDB Local: find by
// customer, the change feed as JSON and CSV pages, ?account= on lists, writes to the connector's account, and the
// dashboard's search and recent changes; bad input answers 400 in the error shape.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { createApp } from '#api/app';
import { AlertPage, ChangePage, ConnectorPage, LicensePage } from '#api/schemas';
import { createPartnerApi } from '#celigo/client';
import { createDynamoStore } from '#ledger/store/dynamo/index';
import type { LedgerStore } from '#ledger/store/port';
import { planSync, runPlan } from '#ledger/sync';
import { type Emulator, startEmulator } from '#local/emulator/index';
import { type ServedApp, serveApp } from '#local/serve/server';
import { evaluateAlerts } from '#watch/evaluate';
import { errorsOf, NOW } from '../support/api-harness.ts';
import { freshTable } from '../support/tables.ts';

const US = 'api-us-token';
const EU = 'api-eu-token';
const DOMAIN = 'acme-supply.example';
let emu: Emulator;
let ledger: LedgerStore;
let server: ServedApp;
let clock = NOW.getTime();
let euCid: string;
let usCid: string;
const changed = {} as Record<'renewed' | 'edition' | 'deleted', string>;

const call = (path: string, init?: RequestInit) => fetch(`${server.url}${path}`, init);
async function json<T extends z.ZodType>(path: string, schema: T): Promise<z.infer<T>> {
  const res = await call(path);
  expect(res.status, `${path}: ${res.status}`).toBe(200);
  return schema.parse(await res.json());
}
/** Every page of a list, following nextCursor with the same query. */
async function pages<T extends z.ZodType<{ items: unknown[]; nextCursor?: string }>>(
  path: string,
  schema: T,
) {
  const items: z.infer<T>['items'] = [];
  let cursor: string | undefined;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const page = await json(`${path}${cursor ? `${sep}cursor=${encodeURIComponent(cursor)}` : ''}`, schema);
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return items;
}

beforeAll(async () => {
  emu = await startEmulator({
    now: NOW,
    token: US,
    dataSet: { connectors: 2, licensesPerConnector: 60 },
    accounts: [{ token: EU, dataSet: { connectors: 1, licensesPerConnector: 40 }, seed: 'eu' }],
  });
  const { client, tableName } = await freshTable('portfolio');
  ledger = createDynamoStore(client, tableName, { now: () => new Date(clock++) });
  const clients = {
    us: createPartnerApi({ apiUrl: emu.url, token: US, backoffMs: 5, retries: 1 }),
    eu: createPartnerApi({ apiUrl: emu.url, token: EU, backoffMs: 5, retries: 1 }),
  };
  const api = (name: string) => clients[name as keyof typeof clients];
  const sync = async () => {
    const plan = await planSync({
      ledger,
      accounts: ['us', 'eu'].map((name) => ({ name, api: () => api(name) })),
    });
    await runPlan({ ledger, api }, plan, 2);
  };
  const app = createApp({ ledger, partnerApi: api, accounts: ['us', 'eu'], log: () => undefined });
  server = await serveApp(app, { port: 0 });
  usCid = emu.connectors()[0]!._id;
  euCid = emu.account(EU).connectors()[0]!._id;
  emu.addLicense(usCid, { user: { email: `Jane.Customer@${DOMAIN}` } });
  emu.account(EU).addLicense(euCid, { user: { email: `jane.customer@${DOMAIN}` } });
  await sync();
  clock += 3_600_000;
  const [a, b] = emu.licenses(usCid);
  emu.mutateLicense(usCid, a!._id, { expires: '2031-01-01T18:29:59.999Z' });
  emu.deleteLicense(usCid, b!._id);
  const eu = emu.account(EU).licenses(euCid)[0]!;
  const edition = eu.opts.connectorEdition === 'premium' ? 'starter' : 'premium';
  emu.account(EU).mutateLicense(euCid, eu._id, { opts: { connectorEdition: edition } });
  Object.assign(changed, { renewed: a!._id, deleted: b!._id, edition: eu._id });
  await sync();
  // An alert is listed once a sink took it (or failed to).
  await evaluateAlerts({
    ledger,
    sinks: [{ id: 'test', deliver: async ({ alerts, accepted }) => accepted(alerts.map((a) => a.alertId)) }],
  });
}, 120_000);
afterAll(async () => {
  await server?.close();
  await emu?.close();
});

describe('GET /licenses (find by customer)', () => {
  it('finds an e-mail in any case, across accounts, or in one', async () => {
    const items = await pages(`/licenses?email=JANE.CUSTOMER%40${DOMAIN.toUpperCase()}`, LicensePage);
    expect(items.map((l) => l.account).sort()).toEqual(['eu', 'us']);
    const eu = await pages(`/licenses?email=jane.customer%40${DOMAIN}&account=eu`, LicensePage);
    expect(eu.map((l) => [l.account, l.connectorId])).toEqual([['eu', euCid]]);
  });

  it('pages a domain, live licenses unless includeDeleted', async () => {
    const all = [...emu.connectors().flatMap((c) => emu.licenses(c._id)), ...emu.account(EU).licenses(euCid)];
    const expected = all.filter((l) => l.user.email.toLowerCase().endsWith(`@${DOMAIN}`)).map((l) => l._id);
    const found = await pages(`/licenses?domain=${DOMAIN}&limit=2`, LicensePage);
    expect(found.map((l) => l.id).sort()).toEqual(expected.sort());
    const deletedEmail = (await json(`/licenses/${changed.deleted}`, LicensePage.shape.items.element)).email!;
    const q = `email=${encodeURIComponent(deletedEmail)}`;
    expect((await pages(`/licenses?${q}`, LicensePage)).map((l) => l.id)).not.toContain(changed.deleted);
    expect((await pages(`/licenses?${q}&includeDeleted=true`, LicensePage)).map((l) => l.id)).toContain(
      changed.deleted,
    );
  });
});

describe('GET /changes and /changes.csv', () => {
  it('lists one item per version newest first, without the baseline; with it on request, paged', async () => {
    const news = await pages('/changes', ChangePage);
    expect(news.map((c) => [c.licenseId, c.kind, c.account])).toEqual(
      expect.arrayContaining([
        [changed.renewed, 'renewed', 'us'],
        [changed.deleted, 'deleted', 'us'],
        [changed.edition, 'edition-changed', 'eu'],
      ]),
    );
    expect(news).toHaveLength(3);
    expect(news.map((c) => c.observedAt)).toEqual(
      news
        .map((c) => c.observedAt)
        .sort()
        .reverse(),
    );
    const all = await pages('/changes?includeBaseline=true&limit=25', ChangePage);
    expect(all).toHaveLength(3 + 60 * 2 + 40 + 2);
    expect(await pages('/changes?account=eu', ChangePage)).toHaveLength(1);
    expect(await pages('/changes?kind=renewed', ChangePage)).toHaveLength(1);
    expect(await pages(`/changes?connector=${euCid}&since=30d`, ChangePage)).toHaveLength(1);
  });

  it('pages the CSV with a Link header while more follow, a header row on each page', async () => {
    const json = await pages('/changes?includeBaseline=true&limit=1000', ChangePage);
    const rows: string[] = [];
    let next: string | undefined = '/changes.csv?includeBaseline=true&limit=50';
    let count = 0;
    while (next) {
      const res = await call(next);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
      const lines = (await res.text()).trimEnd().split('\r\n');
      expect(lines[0]).toBe('observedAt,kind,licenseId,connectorId,account,email,changes');
      rows.push(...lines.slice(1));
      next = /<([^>]+)>; rel="next"/.exec(res.headers.get('link') ?? '')?.[1];
      count++;
    }
    expect(count).toBe(Math.ceil(json.length / 50));
    expect(rows.map((r) => r.split(',')[2])).toEqual(json.map((c) => c.licenseId));
  });
});

describe('?account= on lists', () => {
  it('keeps connectors, reports and alerts to one account', async () => {
    const eu = await pages('/connectors?account=eu', ConnectorPage);
    expect(eu.map((c) => [c.id, c.account])).toEqual([[euCid, 'eu']]);
    const expiring = await pages('/reports/expiring?withinDays=365&account=eu', LicensePage);
    expect(expiring.length).toBeGreaterThan(0);
    expect(expiring.every((l) => l.account === 'eu')).toBe(true);
    const alerts = await pages('/alerts?account=eu', AlertPage);
    expect(alerts.length).toBeGreaterThan(0);
    expect(alerts.every((a) => a.account === 'eu' && a.connectorId === euCid)).toBe(true);
    const csv = await (await call('/reports/expiring.csv?withinDays=365&account=us')).text();
    expect(csv).not.toContain(euCid);
    expect(await pages(`/connectors/${euCid}/licenses?account=eu`, LicensePage)).toHaveLength(41);
    expect((await call(`/connectors/${euCid}/licenses?account=us`)).status).toBe(404);
  });
});

describe('writes', () => {
  it("go to the connector's account's client", async () => {
    const lid = emu.account(EU).licenses(euCid)[3]!._id;
    const res = await call(`/connectors/${euCid}/licenses/${lid}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ expires: '2032-02-02T18:29:59.999Z' }),
    });
    expect(res.status).toBe(200);
    expect(emu.lastAuthorization).toBe(`Bearer ${EU}`);
    expect(emu.account(EU).licenses(euCid)[3]!.expires).toBe('2032-02-02T18:29:59.999Z');
    expect(((await res.json()) as { account: string }).account).toBe('eu');
    const [latest] = await pages(`/changes?connector=${euCid}&kind=renewed`, ChangePage);
    expect(latest).toMatchObject({ licenseId: lid, account: 'eu' });
  });
});

describe('bad input', () => {
  it('answers 400 in the error shape, naming the parameter', async () => {
    const { nextCursor } = await json(`/licenses?domain=${DOMAIN}&limit=1`, LicensePage);
    const cases: [string, string, string][] = [
      ['/licenses', 'invalid_parameter', 'email'],
      [`/licenses?email=a%40${DOMAIN}&domain=${DOMAIN}`, 'invalid_parameter', 'domain'],
      ['/licenses?email=not-an-address', 'invalid_parameter', 'email'],
      ['/licenses?email=a%40b', 'invalid_parameter', 'email'],
      ['/licenses?domain=https%3A%2F%2Fexample.com', 'invalid_parameter', 'domain'],
      ['/licenses?domain=%40example.com', 'invalid_parameter', 'domain'],
      [`/licenses?domain=${DOMAIN}&account=apac`, 'unknown_account', 'account'],
      [`/licenses?domain=eu.${DOMAIN}&cursor=${nextCursor}`, 'bad_cursor', 'cursor'],
      ['/changes?since=2999-01-01', 'invalid_parameter', 'since'],
      ['/changes?since=yesterday', 'invalid_parameter', 'since'],
      ['/changes?kind=renewal', 'invalid_parameter', 'kind'],
      ['/changes?account=apac', 'unknown_account', 'account'],
      [`/changes?cursor=${nextCursor}`, 'bad_cursor', 'cursor'],
      ['/changes.csv?since=9999d', 'invalid_parameter', 'since'],
      ['/connectors?account=apac', 'unknown_account', 'account'],
      ['/reports/expiring?account=a%20b', 'invalid_parameter', 'account'],
      ['/alerts?account=apac', 'unknown_account', 'account'],
    ];
    for (const [path, code, field] of cases) {
      const res = await call(path);
      expect(res.status, path).toBe(400);
      expect((await errorsOf(res))[0], path).toMatchObject({ code, field });
    }
  });
});

describe('the dashboard', () => {
  it('searches a customer with a GET form (no script), and shows recent changes and one account', async () => {
    const res = await call(`/?q=%40${DOMAIN}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("form-action 'self'");
    const page = await res.text();
    expect(page).toMatch(/<form class="search" method="get" action="\/"/);
    expect(page).not.toMatch(/<script/i);
    expect(page).toContain('<section id="search">');
    expect(page).toContain(`Jane.Customer@${DOMAIN}`);
    expect(page).toContain('<section id="changes">');
    expect(page).toContain(changed.renewed);
    const eu = await (await call('/?account=eu')).text();
    expect(eu).toContain(euCid);
    expect(eu).not.toContain(usCid);
    expect(eu).toContain(changed.edition);
    expect(eu).not.toContain(changed.renewed);
    const bad = await call('/?q=nobody');
    expect(bad.status).toBe(400);
    expect(await bad.text()).toMatch(/class="error">the search must be an e-mail address/);
    expect((await call('/?account=apac')).status).toBe(400);
  });
});
