// Read routes over real HTTP on a ledger synced from the emulator: shapes, paging, reports and their CSV.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { createApp } from '#api/app';
import { AlertPage, ConnectorPage, HistoryPage, LicensePage, LicenseView, SyncRunPage } from '#api/schemas';
import { serveApp } from '#local/serve/server';
import { evaluateAlerts } from '#watch/evaluate';
import { expiredWithin, expiringWithin, notInstalled } from '#watch/rules';
import { type ApiHarness, apiHarness, errorsOf } from '../support/api-harness.ts';

const UNKNOWN_ID = 'abcdefabcdefabcdefabcdef';
const TRICKY_NAME = 'Doe, "JJ"\nJr.';
const FORMULA_NAME = '=HYPERLINK("http://evil.example","click")';

let h: ApiHarness;
let cid: string;
let otherCid: string;
let deletedId: string;
let trickyId: string;

beforeAll(async () => {
  h = await apiHarness({ sync: false });
  [cid, otherCid] = h.emu.connectors().map((c) => c._id) as [string, string];
  const [first, second] = h.emu.licenses(cid);
  trickyId = first!._id;
  // Expiring in 5 days, so it is in the default expiring report; names that need CSV quoting and defusing.
  h.emu.mutateLicense(cid, trickyId, {
    expires: '2026-06-20T18:29:59.999Z',
    user: { email: 'tricky@example.com', name: TRICKY_NAME },
  });
  h.emu.mutateLicense(cid, second!._id, {
    expires: '2026-06-21T18:29:59.999Z',
    user: { email: 'formula@example.com', name: FORMULA_NAME },
  });
  await h.sync();
  deletedId = h.emu.licenses(cid)[5]!._id;
  h.emu.deleteLicense(cid, deletedId);
  await h.sync();
  // An alert is listed once a sink took it (or failed to).
  await evaluateAlerts({
    ledger: h.ledger,
    sinks: [{ id: 'test', deliver: async ({ alerts, accepted }) => accepted(alerts.map((a) => a.alertId)) }],
  });
}, 60_000);
afterAll(() => h?.close());

async function json<T extends z.ZodType>(path: string, schema: T): Promise<z.infer<T>> {
  const res = await h.call(path);
  expect(res.status, `${path}: ${res.status}`).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  // The documented response schema parses the body: the OpenAPI document does not drift from the answers.
  return schema.parse(await res.json());
}

/** Follows nextCursor to the end; every page within the limit. */
async function walk<T extends z.ZodType<{ items: unknown[]; nextCursor?: string }>>(
  path: string,
  schema: T,
  limit: number,
) {
  const items: unknown[] = [];
  let pages = 0;
  let cursor: string | undefined;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const page = await json(
      `${path}${sep}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      schema,
    );
    expect(page.items.length).toBeLessThanOrEqual(limit);
    items.push(...page.items);
    cursor = page.nextCursor;
    pages++;
  } while (cursor);
  return { items, pages };
}

describe('ledger routes', () => {
  it('GET /connectors lists connectors by name with counts and last sync, paged', async () => {
    const { items } = await json('/connectors', ConnectorPage);
    expect(items.map((c) => c.id).sort()).toEqual([cid, otherCid].sort());
    const names = items.map((c) => c.name);
    expect(names).toEqual([...names].sort((a, b) => a.localeCompare(b)));
    expect(items.find((c) => c.id === cid)).toMatchObject({
      licenses: 119,
      lastWalk: { status: 'completed' },
    });
    expect(items.every((c) => c.lastCompleteWalkAt)).toBe(true);
    const paged = await walk('/connectors', ConnectorPage, 1);
    expect(paged.pages).toBe(2);
    expect(paged.items).toEqual(items);
  });

  it('GET /connectors/{cid}/licenses pages by 50 with a cursor, live only unless includeDeleted=true', async () => {
    const live = await walk(`/connectors/${cid}/licenses`, LicensePage, 50);
    expect(live.pages).toBe(3);
    const ids = live.items.map((l) => (l as { id: string }).id);
    expect(new Set(ids).size).toBe(119);
    expect(ids).toEqual([...ids].sort());
    expect(ids).not.toContain(deletedId);
    const upstream = h.emu.licenses(cid).map((l) => l._id);
    expect([...ids].sort()).toEqual([...upstream].sort());

    const all = await walk(`/connectors/${cid}/licenses?includeDeleted=true`, LicensePage, 50);
    expect(all.items).toHaveLength(120);
    expect(all.items.find((l) => (l as { id: string }).id === deletedId)).toHaveProperty('deletedAt');
    const defaults = await json(`/connectors/${cid}/licenses?includeDeleted=false`, LicensePage);
    expect(defaults.items).toHaveLength(100);
    expect(defaults.nextCursor).toBeDefined();
  });

  it('GET /licenses/{lid} answers the license view with the raw record as sent', async () => {
    const upstream = h.emu.licenses(cid).find((l) => l._id === trickyId)!;
    const view = await json(`/licenses/${trickyId}`, LicenseView);
    expect(view).toMatchObject({ id: trickyId, connectorId: cid, userName: TRICKY_NAME, expiry: 'expiring' });
    expect(view.daysToExpiry).toBe(5);
    expect(JSON.stringify(view.raw)).toBe(JSON.stringify(upstream));
    const gone = await json(`/licenses/${deletedId}`, LicenseView);
    expect(gone.deletedAt).toBeDefined();
  });

  it('GET /licenses/{lid}/history answers versions newest first', async () => {
    const { items } = await json(`/licenses/${deletedId}/history`, HistoryPage);
    expect(items.map((i) => i.change)).toEqual(['deleted', 'created']);
    const one = await json(`/licenses/${deletedId}/history?limit=1`, HistoryPage);
    expect(one.items).toHaveLength(1);
    const rest = await json(`/licenses/${deletedId}/history?limit=1&cursor=${one.nextCursor}`, HistoryPage);
    expect(rest.items[0]!.change).toBe('created');
  });

  it('GET /alerts and GET /sync-runs answer newest first, paged', async () => {
    const alerts = await walk('/alerts', AlertPage, 7);
    expect(alerts.items.length).toBeGreaterThan(7);
    const runs = await json('/sync-runs', SyncRunPage);
    expect(runs.items).toHaveLength(2);
    expect(runs.items[0]!.startedAt > runs.items[1]!.startedAt).toBe(true);
    expect(runs.items[0]!.counts.deleted).toBe(1);
    const first = await json('/sync-runs?limit=1', SyncRunPage);
    expect(first.items[0]!.runId).toBe(runs.items[0]!.runId);
    expect(first.nextCursor).toBeDefined();
  });

  it('answers 404 with the error shape for unknown ids', async () => {
    for (const path of [
      `/licenses/${UNKNOWN_ID}`,
      `/licenses/${UNKNOWN_ID}/history`,
      `/connectors/${UNKNOWN_ID}/licenses`,
    ]) {
      const res = await h.call(path);
      expect(res.status, path).toBe(404);
      expect(await errorsOf(res)).toMatchObject([{ code: 'not_found' }]);
    }
  });
});

describe('reports', () => {
  const ids = (items: unknown[]) => items.map((i) => (i as { id: string }).id);

  it('match the watch rules, pages cut the same order, and default windows apply', async () => {
    const cases: [string, () => Promise<{ id: string }[]>][] = [
      ['/reports/expiring', () => expiringWithin(h.ledger, 30)],
      ['/reports/expiring?withinDays=90', () => expiringWithin(h.ledger, 90)],
      ['/reports/expired', () => expiredWithin(h.ledger, 30)],
      ['/reports/expired?withinDays=400', () => expiredWithin(h.ledger, 400)],
      ['/reports/not-installed', () => notInstalled(h.ledger, 7)],
      ['/reports/not-installed?olderThanDays=0', () => notInstalled(h.ledger, 0)],
    ];
    for (const [path, rule] of cases) {
      const expected = ids(await rule());
      expect(expected.length, path).toBeGreaterThan(0);
      const whole = await json(`${path}${path.includes('?') ? '&' : '?'}limit=1000`, LicensePage);
      expect(ids(whole.items), path).toEqual(expected);
      expect(whole.nextCursor).toBeUndefined();
      // About three pages each: enough to cross page boundaries, few enough to keep the test quick.
      const paged = await walk(path, LicensePage, Math.max(1, Math.ceil(expected.length / 3)));
      expect(paged.pages, path).toBeGreaterThanOrEqual(Math.min(2, expected.length));
      expect(ids(paged.items), path).toEqual(expected);
    }
    const expiring = await json('/reports/expiring?limit=1000', LicensePage);
    for (const l of expiring.items) expect(l.daysToExpiry).toBeGreaterThanOrEqual(0);
    for (const l of expiring.items) expect(l.daysToExpiry).toBeLessThanOrEqual(30);
    expect(ids(expiring.items).slice(0, 2)).toEqual([trickyId, h.emu.licenses(cid)[1]!._id]);
  });

  it('.csv variants answer RFC 4180 CSV with a header row, quoted where needed, formulas defused', async () => {
    const res = await h.call('/reports/expiring.csv');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv; charset=utf-8/);
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="expiring-30d.csv"');
    const text = await res.text();
    expect(text.endsWith('\r\n')).toBe(true);
    const rows = parseCsv(text);
    expect(rows[0]).toEqual([
      'id',
      'connectorId',
      'email',
      'userId',
      'userName',
      'integrationId',
      'edition',
      'expires',
      'created',
      'installed',
      'daysToExpiry',
      'expiry',
      'firstSeenAt',
      'lastSeenAt',
      'deletedAt',
      'account',
      'sandbox',
      'type',
      'trialEndDate',
      'daysToTrialEnd',
      'trial',
    ]);
    const report = await json('/reports/expiring?limit=1000', LicensePage);
    expect(rows.slice(1).map((r) => r[0])).toEqual(ids(report.items));
    expect(text).toContain(`"Doe, ""JJ""\nJr."`);
    const tricky = rows.find((r) => r[0] === trickyId)!;
    expect(tricky[4]).toBe(TRICKY_NAME);
    expect(tricky[9]).toBe('true');
    expect(tricky[10]).toBe('5');
    expect(rows.find((r) => r[2] === 'formula@example.com')![4]).toBe(`'${FORMULA_NAME}`);
    for (const row of rows) expect(row).toHaveLength(21);

    for (const path of ['/reports/expired.csv?withinDays=60', '/reports/not-installed.csv?olderThanDays=0']) {
      const r = await h.call(path);
      expect(r.status, path).toBe(200);
      const body = parseCsv(await r.text());
      const page = await json(`${path.replace('.csv', '')}&limit=1000`, LicensePage);
      expect(body.slice(1).map((row) => row[0])).toEqual(ids(page.items));
    }
    const empty = await h.call('/reports/expiring.csv?withinDays=0&limit=5');
    expect(empty.status).toBe(400); // CSV pages have a fixed size: no limit parameter
  });

  it('.csv pages stay bounded: a Link header names the next page, and the pages put together are the report', async () => {
    const small = await serveApp(
      createApp({
        ledger: h.ledger,
        partnerApi: () => h.api,
        config: { csvPageRows: 2 },
        log: () => undefined,
      }),
      { port: 0 },
    );
    try {
      for (const path of [
        '/reports/expiring.csv?withinDays=90',
        '/reports/not-installed.csv?olderThanDays=0',
      ]) {
        const rows: string[][] = [];
        let next: string | undefined = path;
        let pages = 0;
        while (next) {
          const res = await fetch(`${small.url}${next}`);
          expect(res.status, next).toBe(200);
          expect(res.headers.get('content-type')).toContain(pages === 0 ? 'header=present' : 'header=absent');
          const body = parseCsv(await res.text());
          rows.push(...(pages === 0 ? body.slice(1) : body));
          expect(body.length).toBeLessThanOrEqual(pages === 0 ? 3 : 2);
          next = /^<([^>]+)>; rel="next"$/.exec(res.headers.get('link') ?? '')?.[1];
          pages++;
        }
        const report = await json(`${path.replace('.csv', '')}&limit=1000`, LicensePage);
        expect(pages, path).toBeGreaterThan(1);
        expect(
          rows.map((r) => r[0]),
          path,
        ).toEqual(ids(report.items));
      }
    } finally {
      await small.close();
    }
  });
});

/** A strict RFC 4180 parser: quoted fields may hold commas, CRLF/LF and doubled quotes; records end in CRLF. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') {
      if (field !== '') throw new Error(`quote inside an unquoted field at ${i}`);
      quoted = true;
    } else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else if (ch === '\n' || ch === '\r') throw new Error(`bare line break outside quotes at ${i}`);
    else field += ch;
  }
  if (quoted || field !== '' || row.length) throw new Error('the CSV does not end with CRLF');
  return rows;
}
