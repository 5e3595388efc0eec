// `?asOf=` over HTTP: a license, a connector's licenses and a customer as the ledger held them before a renewal.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiHarness, apiHarness } from '../support/api-harness.ts';

let h: ApiHarness;
let cid: string;
let lid: string;
let domain: string;
let before: string;
let oldExpires: string;

beforeAll(async () => {
  h = await apiHarness({ dataSet: { connectors: 1, licensesPerConnector: 5 } });
  cid = h.emu.connectors()[0]!._id;
  const lic = h.emu.licenses(cid)[0]!;
  lid = lic._id;
  domain = lic.user.email.split('@')[1]!.toLowerCase();
  oldExpires = new Date(lic.expires).toISOString();
  before = h.ledger.now().toISOString();
  h.emu.mutateLicense(cid, lid, { expires: '2031-01-01T00:00:00.000Z' });
  h.emu.deleteLicense(cid, h.emu.licenses(cid)[1]!._id);
  await h.sync();
}, 60_000);
afterAll(() => h?.close());

const body = async (path: string, status = 200) => {
  const res = await h.call(path);
  expect(res.status, path).toBe(status);
  return (await res.json()) as Record<string, unknown> & { items: Record<string, unknown>[] };
};

describe('GET with asOf', () => {
  it('answers a license as it was before its renewal, and as now without asOf', async () => {
    expect((await body(`/licenses/${lid}?asOf=${before}`)).expires).toBe(oldExpires);
    expect((await body(`/licenses/${lid}`)).expires).toBe('2031-01-01T00:00:00.000Z');
  });

  it("answers a connector's licenses then: the one deleted since is still live, the renewal not yet made", async () => {
    const then = (await body(`/connectors/${cid}/licenses?asOf=${before}`)).items;
    const now = (await body(`/connectors/${cid}/licenses`)).items;
    expect(then).toHaveLength(5);
    expect(now).toHaveLength(4);
    expect(then.find((l) => l.id === lid)?.expires).toBe(oldExpires);
    expect(then.every((l) => !l.deletedAt)).toBe(true);
  });

  it('answers a customer then', async () => {
    const then = (await body(`/licenses?domain=${domain}&asOf=${before}`)).items;
    expect(then.find((l) => l.id === lid)?.expires).toBe(oldExpires);
  });

  it('answers 404 not_found before the license was first seen, 400 naming asOf for a bad moment', async () => {
    const early = await body(`/licenses/${lid}?asOf=2000-01-01`, 404);
    expect(early.errors).toEqual([expect.objectContaining({ code: 'not_found' })]);
    for (const bad of ['yesterday', '2026-02-30', '2999-01-01T00:00:00Z']) {
      for (const path of [`/licenses/${lid}`, `/connectors/${cid}/licenses`, `/licenses?domain=${domain}`]) {
        const sep = path.includes('?') ? '&' : '?';
        const res = await body(`${path}${sep}asOf=${bad}`, 400);
        expect(res.errors).toEqual([expect.objectContaining({ code: 'invalid_parameter', field: 'asOf' })]);
      }
    }
  });
});

describe('GET /metrics/monthly', () => {
  it('answers 12 months by default, the current one last, with every figure; N months when asked', async () => {
    const { items } = await body('/metrics/monthly');
    expect(items).toHaveLength(12);
    expect(items.at(-1)).toMatchObject({
      month: h.ledger.now().toISOString().slice(0, 7),
      renewed: 1,
      deleted: 1,
    });
    expect(Object.keys(items[0]!).sort()).toEqual(
      [
        'converted',
        'created',
        'deleted',
        'expired',
        'installed',
        'live',
        'month',
        'renewalRate',
        'renewed',
        'trialsStarted',
      ].sort(),
    );
    const three = (await body(`/metrics/monthly?months=3&connector=${cid}&account=default`)).items;
    expect(three.map((m) => m.month)).toEqual(items.slice(-3).map((m) => m.month));
    expect(three.at(-1)!.live).toBe(4);
  });

  it('answers CSV, and 400 or 404 for bad parameters', async () => {
    const res = await h.call('/metrics/monthly.csv?months=2');
    expect(res.status).toBe(200);
    const lines = (await res.text()).trimEnd().split('\r\n');
    expect(lines[0]).toBe(
      'month,live,created,renewed,expired,installed,deleted,trialsStarted,converted,renewalRate',
    );
    expect(lines).toHaveLength(3);
    for (const bad of ['months=0', 'months=121', 'months=x', 'account=nobody', 'monts=3'])
      expect((await h.call(`/metrics/monthly?${bad}`)).status, bad).toBe(400);
    expect((await h.call('/metrics/monthly?connector=ffffffffffffffffffffffff')).status).toBe(404);
  });
});

describe('GET /customers', () => {
  it('lists customers by domain, filters by status and domain, refuses a bad status', async () => {
    const { items } = await body('/customers');
    expect(items.map((r) => r.domain)).toContain(domain);
    const one = (await body(`/customers?domain=${domain.toUpperCase()}`)).items;
    expect(one).toEqual(items.filter((r) => r.domain === domain));
    const paged = await body('/customers?limit=1');
    expect(paged.items).toHaveLength(1);
    if (items.length > 1) expect(paged.nextCursor).toBeDefined();
    for (const status of ['active', 'at-risk', 'lapsed']) {
      const rows = (await body(`/customers?status=${status}`)).items;
      expect(rows.every((r) => r.status === status)).toBe(true);
    }
    expect((await body('/customers?status=happy', 400)).errors).toEqual([
      expect.objectContaining({ field: 'status' }),
    ]);
  });

  it('shows renewals against expiries and customers at risk on the dashboard', async () => {
    const page = await (await h.call('/')).text();
    expect(page).toContain('id="renewal-chart"');
    expect(page).toContain('id="at-risk"');
    expect(page).toMatch(/data-renewed="1"/);
  });
});
