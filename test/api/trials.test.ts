// Trials and sandboxes over HTTP, against the emulator's Integration App connector (trials in every state, sandboxes
// among them) synced into DynamoDB Local: GET /reports/trials (+ .csv), ?sandbox= on every list and report, the
// OpenAPI document.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertPage, ChangePage, LicensePage } from '#api/schemas';
import { evaluateAlerts } from '#watch/evaluate';
import { trialsEndingWithin } from '#watch/trial-rules';
import { type ApiHarness, apiHarness, errorsOf } from '../support/api-harness.ts';

let h: ApiHarness;
let appConnector: string;

async function json<T>(path: string, schema: { parse(v: unknown): T }): Promise<T> {
  const res = await h.call(path);
  expect(res.status, `${path}: ${res.status}`).toBe(200);
  return schema.parse(await res.json());
}

function parseCsv(text: string): string[][] {
  return text
    .trim()
    .split('\r\n')
    .map((line) => line.split(','));
}

beforeAll(async () => {
  // The third generated connector is an Integration App: its licenses carry type, sandbox and trials.
  h = await apiHarness({ dataSet: { connectors: 3, licensesPerConnector: 120 } });
  appConnector = h.emu.connectors().find((c) => c.name.includes('Integration App'))!._id;
}, 60_000);
afterAll(() => h?.close());

describe('GET /reports/trials', { timeout: 120_000 }, () => {
  it('lists live licenses on trial ending within withinDays (default 14), soonest end first', async () => {
    const page = await json('/reports/trials?limit=1000', LicensePage);
    expect(page.items.length).toBeGreaterThan(5);
    expect(
      page.items.every((v) => v.trial === 'active' && v.daysToTrialEnd! >= 0 && v.daysToTrialEnd! <= 14),
    ).toBe(true);
    const ends = page.items.map((v) => v.trialEndDate!);
    expect(ends).toEqual([...ends].sort());
    expect(page.items.map((v) => v.id)).toEqual((await trialsEndingWithin(h.ledger, 14)).map((v) => v.id));
    const week = await json('/reports/trials?withinDays=3&limit=1000', LicensePage);
    expect(week.items.length).toBeGreaterThan(0);
    expect(week.items.length).toBeLessThan(page.items.length);
    expect(week.items.every((v) => v.daysToTrialEnd! <= 3)).toBe(true);
  });

  it('pages with a cursor bound to its query, and filters sandbox=true|false', async () => {
    const whole = await json('/reports/trials?limit=1000', LicensePage);
    const ids: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await json(`/reports/trials?limit=3${cursor ? `&cursor=${cursor}` : ''}`, LicensePage);
      ids.push(...page.items.map((v) => v.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(ids).toEqual(whole.items.map((v) => v.id));

    const sandbox = await json('/reports/trials?sandbox=true&limit=1000', LicensePage);
    const production = await json('/reports/trials?sandbox=false&limit=1000', LicensePage);
    expect(sandbox.items.length).toBeGreaterThan(0);
    expect(sandbox.items.every((v) => v.sandbox)).toBe(true);
    expect(production.items.every((v) => !v.sandbox)).toBe(true);
    expect(sandbox.items.length + production.items.length).toBe(whole.items.length);

    const first = await json('/reports/trials?limit=2', LicensePage);
    const foreign = await h.call(`/reports/trials?limit=2&sandbox=true&cursor=${first.nextCursor}`);
    expect(foreign.status).toBe(400);
    expect((await errorsOf(foreign))[0]).toMatchObject({ code: 'bad_cursor', field: 'cursor' });
  });

  it('answers CSV with the trial columns, and refuses bad parameters', async () => {
    const res = await h.call('/reports/trials.csv?sandbox=false');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="trials-14d.csv"');
    const rows = parseCsv(await res.text());
    const header = rows[0]!;
    for (const column of ['sandbox', 'type', 'trialEndDate', 'daysToTrialEnd', 'trial'])
      expect(header).toContain(column);
    const production = await json('/reports/trials?sandbox=false&limit=1000', LicensePage);
    expect(rows.slice(1).map((r) => r[0])).toEqual(production.items.map((v) => v.id));
    expect(rows.slice(1).every((r) => r[header.indexOf('trial')] === 'active')).toBe(true);

    for (const [path, field] of [
      ['/reports/trials?sandbox=yes', 'sandbox'],
      ['/reports/trials?withinDays=-1', 'withinDays'],
      ['/reports/trials?withinday=3', undefined],
      ['/reports/trials?account=apac', 'account'],
    ] as const) {
      const bad = await h.call(path);
      expect(bad.status, path).toBe(400);
      const [error] = await errorsOf(bad);
      if (field) expect(error!.field, path).toBe(field);
    }
  });
});

describe('?sandbox= on the lists and reports', { timeout: 120_000 }, () => {
  it('keeps to sandbox or production licenses on every list of licenses, and on alerts and changes', async () => {
    const all = await json(`/connectors/${appConnector}/licenses?limit=1000`, LicensePage);
    expect(all.items.every((v) => typeof v.sandbox === 'boolean' && v.type === 'integrationApp')).toBe(true);
    const sandboxIds = all.items.filter((v) => v.sandbox).map((v) => v.id);
    expect(sandboxIds.length).toBeGreaterThan(0);
    const only = await json(`/connectors/${appConnector}/licenses?sandbox=true&limit=1000`, LicensePage);
    expect(only.items.map((v) => v.id)).toEqual(sandboxIds);
    const none = await json(`/connectors/${appConnector}/licenses?sandbox=false&limit=1000`, LicensePage);
    expect(none.items.length).toBe(all.items.length - sandboxIds.length);

    const domain = all.items.find((v) => v.sandbox)!.email!.split('@')[1]!;
    const found = await json(`/licenses?domain=${domain}&sandbox=true&limit=1000`, LicensePage);
    expect(found.items.length).toBeGreaterThan(0);
    expect(found.items.every((v) => v.sandbox)).toBe(true);

    for (const report of [
      'expiring?withinDays=60',
      'expired?withinDays=900',
      'not-installed?olderThanDays=0',
    ]) {
      const page = await json(`/reports/${report}&sandbox=true&limit=1000`, LicensePage);
      const whole = await json(`/reports/${report}&limit=1000`, LicensePage);
      expect(page.items.map((v) => v.id)).toEqual(whole.items.filter((v) => v.sandbox).map((v) => v.id));
    }

    await evaluateAlerts({
      ledger: h.ledger,
      sinks: [{ id: 'console', deliver: async (d) => d.accepted(d.alerts.map((a) => a.alertId)) }],
    });
    const alerts = await json('/alerts?limit=1000', AlertPage);
    const sandboxAlerts = await json('/alerts?sandbox=true&limit=1000', AlertPage);
    expect(sandboxAlerts.items.length).toBeGreaterThan(0);
    expect(sandboxAlerts.items.map((a) => a.alertId)).toEqual(
      alerts.items.filter((a) => a.sandbox).map((a) => a.alertId),
    );
    expect(alerts.items.some((a) => a.rule === 'trial-ending')).toBe(true);
    expect(alerts.items.some((a) => a.rule === 'trial-ended')).toBe(true);

    // Changes: a sandbox license's version says so.
    const target = sandboxIds[0]!;
    h.emu.mutateLicense(appConnector, target, { opts: { connectorEdition: 'enterprise' } });
    await h.sync();
    const changes = await json('/changes?since=1d&sandbox=true', ChangePage);
    expect(changes.items.map((c) => c.licenseId)).toEqual([target]);
    expect((await json('/changes?since=1d&sandbox=false', ChangePage)).items).toEqual([]);
  });

  it('is in the OpenAPI document: the trials report, and sandbox on the lists', async () => {
    const doc = (await (await h.call('/openapi.json')).json()) as {
      paths: Record<string, Record<string, { parameters?: { name: string }[] }>>;
      components: { schemas: Record<string, { properties: Record<string, unknown> }> };
    };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/reports/trials', '/reports/trials.csv']),
    );
    for (const path of [
      '/reports/trials',
      '/reports/expiring',
      '/reports/expired',
      '/reports/not-installed',
      '/connectors/{cid}/licenses',
      '/licenses',
      '/changes',
      '/alerts',
    ])
      expect(
        doc.paths[path]!.get!.parameters!.map((p) => p.name),
        path,
      ).toContain('sandbox');
    expect(Object.keys(doc.components.schemas.License!.properties)).toEqual(
      expect.arrayContaining(['sandbox', 'type', 'trialEndDate', 'daysToTrialEnd', 'trial']),
    );
  });
});
