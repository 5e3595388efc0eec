// Find by customer against DynamoDB Local and the emulator: an e-mail (any case), a domain (not its subdomains),
// live licenses unless includeDeleted, paged by the index, and a cursor bound to its own query.
import { beforeAll, describe, expect, it } from 'vitest';
import { LedgerError } from '#ledger/errors';
import { type Customer, findLicenses, parseCustomer } from '#ledger/portfolio';
import { getLicense } from '#ledger/queries';
import type { LicenseView } from '#ledger/schemas';
import { type Harness, harness } from '../support/ledger-harness.ts';

const DOMAIN = 'acme-supply.example';
let h: Harness;
let cid: string;
let goneId: string;

async function everyPage(customer: Customer, options: { includeDeleted?: boolean; limit?: number } = {}) {
  const items: LicenseView[] = [];
  let cursor: string | undefined;
  do {
    h.meter.reset();
    const page = await findLicenses(h.ledger, customer, { ...options, cursor });
    expect(h.meter.scans).toBe(0);
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return items;
}

/** What the emulator holds for a domain, as the ledger should find it: by e-mail, then id. */
const upstreamOf = (domain: string) =>
  h.emu
    .connectors()
    .flatMap((c) => h.emu.licenses(c._id))
    .filter((l) => l.user.email.toLowerCase().endsWith(`@${domain}`))
    .map((l) => [l.user.email.toLowerCase(), l._id])
    .sort(([a, x], [b, y]) => (a! < b! ? -1 : a! > b! ? 1 : x! < y! ? -1 : 1));

beforeAll(async () => {
  h = await harness({ dataSet: { connectors: 2, licensesPerConnector: 150 } });
  cid = h.emu.connectors()[0]!._id;
  h.emu.addLicense(cid, { user: { email: `Mixed.Case@${DOMAIN.toUpperCase()}` } });
  h.emu.addLicense(cid, { user: { email: `someone@eu.${DOMAIN}` } });
  h.emu.addLicense(cid, { user: { email: `hash#tag@${DOMAIN}` } });
  h.emu.addLicense(cid, { user: { email: `hash@${DOMAIN}` } });
  goneId = h.emu.addLicense(cid, { user: { email: `gone@${DOMAIN}` } })._id;
  await h.sync();
  h.emu.deleteLicense(cid, goneId);
  await h.sync();
}, 120_000);

describe('an address too long for the index', () => {
  it('is recorded all the same, stays out of the customer index, and fails nothing beside it', async () => {
    // The sort key would be the address, '#' and the id: past DynamoDB's 1,024 bytes for an index key.
    const long = h.emu.addLicense(cid, { user: { email: `${'x'.repeat(1_100)}@long-address.example` } });
    const beside = h.emu.addLicense(cid, { user: { email: 'beside@long-address.example' } });
    const runs = await h.sync();
    expect(runs.every((r) => r.status === 'completed')).toBe(true);
    expect((await getLicense(h.ledger, long._id))?.email).toBe(long.user.email);
    const found = await everyPage({ domain: 'long-address.example' });
    expect(found.map((l) => l.id)).toEqual([beside._id]);
  });
});

describe('find by customer', () => {
  it('finds an e-mail whatever its case, exactly (no other address sharing its start)', async () => {
    for (const email of [`mixed.case@${DOMAIN}`, `MIXED.CASE@${DOMAIN}`]) {
      const items = await everyPage({ email });
      expect(items.map((l) => l.email)).toEqual([`Mixed.Case@${DOMAIN.toUpperCase()}`]);
      expect(items[0]!.account).toBe('default');
    }
    expect((await everyPage({ email: `hash@${DOMAIN}` })).map((l) => l.email)).toEqual([`hash@${DOMAIN}`]);
    expect((await everyPage({ email: `hash#tag@${DOMAIN}` })).map((l) => l.email)).toEqual([
      `hash#tag@${DOMAIN}`,
    ]);
    expect(await everyPage({ email: `nobody@${DOMAIN}` })).toEqual([]);
  });

  it('finds every live license of exactly that domain, by e-mail then id, page by page', async () => {
    const expected = upstreamOf(DOMAIN);
    expect(expected.length).toBeGreaterThan(5);
    const items = await everyPage({ domain: DOMAIN }, { limit: 4 });
    expect(items.map((l) => [l.email!.toLowerCase(), l.id])).toEqual(expected);
    expect(items.some((l) => l.email!.endsWith(`eu.${DOMAIN}`))).toBe(false);
    expect((await everyPage({ domain: `eu.${DOMAIN}` })).map((l) => l.email)).toEqual([
      `someone@eu.${DOMAIN}`,
    ]);
  });

  it('keeps licenses gone upstream out unless includeDeleted', async () => {
    expect(await everyPage({ email: `gone@${DOMAIN}` })).toEqual([]);
    const all = await everyPage({ email: `gone@${DOMAIN}` }, { includeDeleted: true });
    expect(all.map((l) => [l.id, Boolean(l.deletedAt)])).toEqual([[goneId, true]]);
    const domain = await everyPage({ domain: DOMAIN }, { includeDeleted: true });
    expect(domain.map((l) => l.id)).toContain(goneId);
  });

  it('refuses a cursor of another query, and malformed terms', async () => {
    const { nextCursor } = await findLicenses(h.ledger, { domain: DOMAIN }, { limit: 2 });
    expect(nextCursor).toBeDefined();
    for (const [customer, options] of [
      [{ domain: `eu.${DOMAIN}` }, {}],
      [{ domain: DOMAIN }, { includeDeleted: true }],
      [{ email: `mixed.case@${DOMAIN}` }, {}],
    ] as const) {
      await expect(
        findLicenses(h.ledger, customer, { ...options, cursor: nextCursor }),
      ).rejects.toMatchObject({
        code: 'bad_cursor',
      });
    }
    expect(parseCustomer('Jane.Doe@Example.COM')).toEqual({ email: 'jane.doe@example.com' });
    expect(parseCustomer('@Example.com')).toEqual({ domain: 'example.com' });
    for (const bad of [
      'jane',
      '@',
      '@example',
      'jane@',
      'a b@example.com',
      '@exa mple.com',
      'x@-bad.com',
      '@.com',
    ])
      expect(() => parseCustomer(bad), bad).toThrow(LedgerError);
  });
});
