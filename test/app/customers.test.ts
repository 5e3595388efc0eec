// Customers by e-mail domain against DynamoDB Local and the emulator: each status, sandbox and trial fields read from
// the record, filters, pages that add up to the whole list, and the dashboard's customers at risk.
import { beforeAll, describe, expect, it } from 'vitest';
import { type CustomerRow, customersAtRisk, listCustomers } from '#app/customers';
import { type Harness, harness, NOW } from '../support/ledger-harness.ts';

const DAY = 86_400_000;
const inDays = (n: number) => new Date(NOW.getTime() + n * DAY).toISOString();
let h: Harness;

const MINE = ['active.example', 'risk.example', 'trial.example', 'lapsed.example', 'gone.example'];

async function all(query: Parameters<typeof listCustomers>[1] = {}) {
  const rows: CustomerRow[] = [];
  let cursor: string | undefined;
  do {
    const page = await listCustomers(h.ledger, { ...query, cursor });
    rows.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return rows;
}

beforeAll(async () => {
  h = await harness({ dataSet: { connectors: 2, licensesPerConnector: 6 }, now: () => NOW });
  const [c0, c1] = h.emu.connectors().map((c) => c._id) as [string, string];
  const add = (cid: string, email: string, expires: string, extra: Record<string, unknown> = {}) =>
    h.emu.addLicense(cid, { user: { email, _id: `u-${email}` }, expires, sandbox: false, ...extra });
  add(c0, 'a@active.example', inDays(200));
  add(c1, 'b@Active.Example', inDays(90), { user: { email: 'b@Active.Example' } });
  add(c0, 'r@risk.example', inDays(10));
  add(c1, 'r2@risk.example', inDays(300), { sandbox: true });
  add(c0, 't@trial.example', inDays(200));
  add(c0, 't2@trial.example', inDays(200), { trialEndDate: inDays(3) });
  add(c1, 'l@lapsed.example', inDays(-5));
  add(c1, 'l2@lapsed.example', inDays(100), { sandbox: true });
  const gone = add(c0, 'g@gone.example', inDays(50));
  await h.sync();
  h.emu.deleteLicense(c0, gone._id);
  await h.sync();
}, 120_000);

describe('customers', () => {
  it('one row per domain with its counts, next expiry, accounts and status', async () => {
    const rows = Object.fromEntries((await all()).map((r) => [r.domain, r]));
    expect(rows['active.example']).toEqual({
      domain: 'active.example',
      licenses: 2,
      installed: 1,
      sandbox: 0,
      nextExpiry: inDays(90),
      accounts: ['default'],
      status: 'active',
    });
    expect(rows['risk.example']).toMatchObject({
      licenses: 2,
      sandbox: 1,
      status: 'at-risk',
      nextExpiry: inDays(10),
    });
    expect(rows['trial.example']).toMatchObject({ licenses: 2, status: 'at-risk' });
    // Live, but the only unexpired license is a sandbox.
    expect(rows['lapsed.example']).toMatchObject({
      licenses: 2,
      sandbox: 1,
      status: 'lapsed',
      nextExpiry: inDays(100),
    });
    expect(rows['gone.example']).toMatchObject({ licenses: 0, status: 'lapsed' });
    expect(rows['gone.example']!.nextExpiry).toBeUndefined();
  });

  it('filters by status and by domain, and pages add up to the whole list', async () => {
    const whole = await all();
    const atRisk = (await all({ status: 'at-risk' })).map((r) => r.domain);
    expect(atRisk).toEqual(whole.filter((r) => r.status === 'at-risk').map((r) => r.domain));
    expect(atRisk).toEqual(expect.arrayContaining(['risk.example', 'trial.example']));
    expect(await all({ domain: 'RISK.example' })).toEqual(whole.filter((r) => r.domain === 'risk.example'));
    expect(await all({ domain: 'nobody.example' })).toEqual([]);
    const paged = await all({ limit: 2 });
    expect(paged).toEqual(whole);
    expect(whole.map((r) => r.domain)).toEqual(whole.map((r) => r.domain).sort());
    expect(whole.map((r) => r.domain)).toEqual(expect.arrayContaining(MINE));
    await expect(listCustomers(h.ledger, { domain: 'not a domain' })).rejects.toMatchObject({
      field: 'domain',
    });
  });

  it('finds customers at risk for the dashboard from the licenses expiring within 30 days', async () => {
    const rows = await customersAtRisk(h.ledger);
    expect(rows.map((r) => r.domain)).toContain('risk.example');
    expect(rows.every((r) => r.status === 'at-risk')).toBe(true);
    expect(rows.map((r) => r.domain)).not.toContain('active.example');
  });
});
