// The change feed against DynamoDB Local and the emulator: one item per version, its kind from the field diff,
// newest first, the baseline apart, pages that read about what they return, filters and bad input.
import { beforeAll, describe, expect, it } from 'vitest';
import { LedgerError } from '#ledger/errors';
import { type ChangeQuery, listChanges, resolveSince } from '#ledger/portfolio';
import { type ChangeItem, changeItem } from '#ledger/schemas';
import { FEED_SHARDS } from '#ledger/store/dynamo/keys';
import { type Harness, harness, NOW } from '../support/ledger-harness.ts';

const HOUR = 3_600_000;
let clock = NOW.getTime();
let h: Harness;
let c0: string;
let c1: string;
const ids = {} as Record<
  'renewed' | 'shortened' | 'installed' | 'uninstalled' | 'edition' | 'updated' | 'deleted' | 'created',
  string
>;

/** Every change of a query, following nextCursor; each page's items read (by the meter) beside it. */
async function allChanges(query: Omit<ChangeQuery, 'cursor'>) {
  const items: ChangeItem[] = [];
  const reads: number[] = [];
  let cursor: string | undefined;
  do {
    h.meter.reset();
    const page = await listChanges(h.ledger, { ...query, cursor });
    reads.push(h.meter.read);
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return { items, reads };
}

const since = (text = '1d') => resolveSince(text, h.ledger.now());

beforeAll(async () => {
  h = await harness({ dataSet: { connectors: 2, licensesPerConnector: 60 }, now: () => new Date(clock++) });
  [c0, c1] = h.emu.connectors().map((c) => c._id) as [string, string];
  const pending = h.emu.addLicense(c0, { user: { email: 'Pending.Person@Acme-Supply.example' } });
  await h.sync(); // the baseline
  clock += HOUR;
  const [l0, l1, l2, l3, l4, l5] = h.emu.licenses(c0).filter((l) => l.user._id);
  const plus = (iso: string, days: number) => new Date(Date.parse(iso) + days * 86_400_000).toISOString();
  h.emu.mutateLicense(c0, l0!._id, { expires: plus(l0!.expires, 365) });
  h.emu.mutateLicense(c0, l1!._id, { expires: plus(l1!.expires, -3) });
  h.emu.mutateLicense(c0, pending._id, {
    user: { _id: 'u-1', name: 'Pending Person' },
    _integrationId: 'i-1',
  });
  h.emu.mutateLicense(c0, l2!._id, { user: { _id: undefined, name: undefined }, _integrationId: undefined });
  const edition = l3!.opts.connectorEdition === 'premium' ? 'starter' : 'premium';
  h.emu.mutateLicense(c0, l3!._id, { opts: { connectorEdition: edition } });
  h.emu.mutateLicense(c0, l4!._id, { user: { name: 'Someone Else' } });
  h.emu.deleteLicense(c0, l5!._id);
  const created = h.emu.addLicense(c1);
  Object.assign(ids, {
    renewed: l0!._id,
    shortened: l1!._id,
    installed: pending._id,
    uninstalled: l2!._id,
    edition: l3!._id,
    updated: l4!._id,
    deleted: l5!._id,
    created: created._id,
  });
  await h.sync();
}, 120_000);

describe('the change feed', () => {
  it('lists one item per version of this walk, newest first, each with its kind and changed fields', async () => {
    const { items } = await allChanges({ since: since() });
    for (const item of items) changeItem.parse(item);
    expect(items.map((i) => i.observedAt)).toEqual(
      items
        .map((i) => i.observedAt)
        .sort()
        .reverse(),
    );
    const byLicense = Object.fromEntries(items.map((i) => [i.licenseId, i]));
    expect(Object.keys(byLicense).sort()).toEqual(Object.values(ids).sort());
    expect(items).toHaveLength(8);
    expect(byLicense[ids.renewed]).toMatchObject({ kind: 'renewed', changes: ['expires'], connectorId: c0 });
    expect(byLicense[ids.shortened]).toMatchObject({ kind: 'expiry-shortened', changes: ['expires'] });
    expect(byLicense[ids.installed]).toMatchObject({
      kind: 'installed',
      email: 'Pending.Person@Acme-Supply.example',
      changes: ['_integrationId', 'user._id', 'user.name'],
    });
    expect(byLicense[ids.uninstalled]!.kind).toBe('uninstalled');
    expect(byLicense[ids.edition]).toMatchObject({
      kind: 'edition-changed',
      changes: ['opts.connectorEdition'],
    });
    expect(byLicense[ids.updated]).toMatchObject({ kind: 'updated', changes: ['user.name'] });
    expect(byLicense[ids.deleted]).toMatchObject({ kind: 'deleted', changes: [] });
    expect(byLicense[ids.deleted]!.email).toBeDefined();
    expect(byLicense[ids.created]).toMatchObject({ kind: 'created', connectorId: c1, account: 'default' });
  });

  it("keeps each connector's first walk out unless includeBaseline, and then merges it in time order", async () => {
    const news = (await allChanges({ since: since() })).items;
    const all = (await allChanges({ since: since(), includeBaseline: true })).items;
    // 121 created by the first walk (60 + 60 + the pending one), and the second walk's 8.
    expect(all).toHaveLength(121 + 8);
    expect(all.slice(0, 8)).toEqual(news);
    expect(all.slice(8).every((i) => i.kind === 'created')).toBe(true);
    expect(all.map((i) => i.observedAt)).toEqual(
      all
        .map((i) => i.observedAt)
        .sort()
        .reverse(),
    );
  });

  it('pages newest first; a page reads about as many items as it returns', async () => {
    const whole = (await allChanges({ since: since(), includeBaseline: true, limit: 1000 })).items;
    const { items, reads } = await allChanges({ since: since(), includeBaseline: true, limit: 10 });
    expect(items).toEqual(whole);
    expect(reads).toHaveLength(13);
    // The page, one past it and the cursor's own item; each partition merged (news and baseline, each in
    // FEED_SHARDS shards and the unsharded one of older versions) reads its share ahead, at least one item.
    const partitions = 2 * (FEED_SHARDS + 1);
    for (const read of reads) expect(read).toBeLessThanOrEqual(10 + 2 + partitions);
    const news = await allChanges({ since: since(), limit: 3 });
    expect(news.items).toHaveLength(8);
    for (const read of news.reads) expect(read).toBeLessThanOrEqual(3 + 2 + partitions / 2);
  });

  it('filters by connector, kind and account', async () => {
    const kinds = (await allChanges({ since: since(), kind: 'renewed' })).items;
    expect(kinds.map((i) => i.licenseId)).toEqual([ids.renewed]);
    const ofC1 = (await allChanges({ since: since(), connectorId: c1 })).items;
    expect(ofC1.map((i) => i.licenseId)).toEqual([ids.created]);
    expect((await allChanges({ since: since(), account: 'default' })).items).toHaveLength(8);
    expect((await allChanges({ since: since(), account: 'eu' })).items).toEqual([]);
    // Before the second walk: nothing new.
    const early = new Date(NOW.getTime() + HOUR / 2).toISOString();
    expect((await allChanges({ since: since('30d') })).items).toHaveLength(8);
    expect((await listChanges(h.ledger, { since: early, includeBaseline: false })).items).toHaveLength(8);
  });

  it('refuses a since in the future or malformed, and a cursor of another query', async () => {
    const bad = (text: string) => () => resolveSince(text, h.ledger.now());
    for (const text of [
      '2999-01-01',
      'yesterday',
      '7',
      '-1d',
      '7 d',
      '2026-13-01',
      '99999d',
      '3651d',
      '2026-02-30',
      '2026-04-31T00:00Z',
      '0001-01-01',
      '0000-01-01T00:00+14:00',
    ])
      expect(bad(text), text).toThrow(LedgerError);
    expect(bad('2999-01-01')).toThrow(/future/);
    // One Query per month of the range: a range of centuries is refused, not walked.
    expect(bad('0001-01-01')).toThrow(/more than 3650 days back/);
    expect(resolveSince('3650d', h.ledger.now())).toBeDefined();
    expect(resolveSince('2024-02-29', h.ledger.now())).toBe('2024-02-29T00:00:00.000Z');
    const { nextCursor } = await listChanges(h.ledger, { since: since(), limit: 2 });
    expect(nextCursor).toBeDefined();
    for (const other of [{ kind: 'renewed' as const }, { includeBaseline: true }, { connectorId: c0 }]) {
      await expect(
        listChanges(h.ledger, { since: since(), ...other, cursor: nextCursor }),
      ).rejects.toMatchObject({
        code: 'bad_cursor',
      });
    }
    await expect(listChanges(h.ledger, { since: since(), cursor: 'bm9wZQ' })).rejects.toMatchObject({
      code: 'bad_cursor',
    });
  });
});

describe("a connector's very first walk", () => {
  it('that failed part-way: a license it recorded and that changed before the next walk is news', async () => {
    const connector = h.emu.addConnector({ name: 'Interrupted connector' });
    for (let i = 0; i < 80; i++) h.emu.addLicense(connector._id);
    h.emu.failConnector(connector._id, { status: 500, afterPages: 1 });
    clock += HOUR;
    const from = h.ledger.now().toISOString();
    expect((await h.sync()).find((r) => r.connectorId === connector._id)?.status).toBe('failed');
    h.emu.clearFailures();
    // The first page was recorded (the baseline); one of its licenses is renewed before the walk is done again.
    const recorded = h.emu.licenses(connector._id)[0]!;
    h.emu.mutateLicense(connector._id, recorded._id, { expires: '2031-01-01T00:00:00.000Z' });
    await h.sync();
    const news = (await allChanges({ since: from, connectorId: connector._id })).items;
    expect(news.map((i) => [i.licenseId, i.kind])).toEqual([[recorded._id, 'renewed']]);
    const all = (await allChanges({ since: from, connectorId: connector._id, includeBaseline: true })).items;
    expect(all).toHaveLength(81);
  });

  it('is the baseline even when it fails part-way and the next walk finishes it; what follows is news', async () => {
    const connector = h.emu.addConnector({ name: 'Late connector' });
    for (let i = 0; i < 80; i++) h.emu.addLicense(connector._id);
    h.emu.failConnector(connector._id, { status: 500, afterPages: 1 });
    clock += HOUR;
    const from = h.ledger.now().toISOString();
    const failed = await h.sync();
    expect(failed.find((r) => r.connectorId === connector._id)?.status).toBe('failed');
    h.emu.clearFailures();
    await h.sync();
    const of = async (includeBaseline: boolean) =>
      (await allChanges({ since: from, connectorId: connector._id, includeBaseline })).items;
    expect(await of(false)).toEqual([]);
    expect(await of(true)).toHaveLength(80);
    const lid = h.emu.licenses(connector._id)[0]!._id;
    h.emu.mutateLicense(connector._id, lid, { expires: '2030-01-01T18:29:59.999Z' });
    await h.sync();
    expect((await of(false)).map((i) => [i.licenseId, i.kind])).toEqual([[lid, 'renewed']]);
  });
});
