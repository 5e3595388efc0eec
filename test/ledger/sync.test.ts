// The sync against DynamoDB Local and the emulator: what is written, when, and what survives failures.
import { afterEach, describe, expect, it } from 'vitest';
import { allLicenses, getLicense, listConnectors, listLicenses } from '#ledger/queries';
import { planSync, syncConnector } from '#ledger/sync';
import { smallDemo } from '../support/demo-data.ts';
import { type Harness, harness, NOW } from '../support/ledger-harness.ts';

let h: Harness;
afterEach(async () => h?.close());

/** The ledger's live licenses of a connector as { id: raw }, to compare with the emulator's list. */
async function ledgerState(cid: string, includeDeleted = false) {
  const out: Record<string, unknown> = {};
  for await (const view of allLicenses(h.ledger, { connectorId: cid, includeDeleted }))
    out[view.id] = view.raw;
  return out;
}
const upstreamState = (cid: string) => Object.fromEntries(h.emu.licenses(cid).map((l) => [l._id, l]));

describe('first sync', () => {
  it('stores every license with a created version, and connector counts', async () => {
    h = await harness();
    const runs = await h.sync();
    expect(runs.every((r) => r.status === 'completed')).toBe(true);
    for (const c of h.emu.connectors()) {
      expect(await ledgerState(c._id)).toEqual(upstreamState(c._id));
    }
    const connectors = await listConnectors(h.ledger);
    expect(connectors.map((c) => c.licenses)).toEqual([120, 120, 120]);
    const lic = h.emu.licenses(h.emu.connectors()[0]!._id)[0]!;
    const history = await h.history(lic._id);
    expect(history).toMatchObject([{ change: 'created', changes: [], license: lic }]);
    const summary = await h.ledger.getRun(runs[0]!.runId);
    expect(summary).toMatchObject({ status: 'completed', connectors: 3, completed: 3, failed: 0 });
    expect(summary!.counts).toMatchObject({ seen: 360, created: 360, unchanged: 0, deleted: 0 });
    expect((await h.ledger.listRuns({})).items[0]!.runId).toBe(runs[0]!.runId);
  });

  it('keeps unicode and unknown fields byte for byte', async () => {
    h = await harness({ dataSet: smallDemo(NOW) });
    const cid = h.emu.connectors()[0]!._id;
    const lid = h.emu.licenses(cid)[0]!._id;
    const odd = h.emu.mutateLicense(cid, lid, {
      user: { email: 'josé@例え.jp', name: '山田 太郎 — Zoë 🚀' } as never,
      sandbox: false,
      trialEndDate: null,
      _editionId: 'ed-\u0000-x',
      nested: { z: 1, a: [1.5, 'two', { deep: '"quoted"' }] },
    } as never);
    await h.sync();
    const view = await getLicense(h.ledger, lid);
    expect(JSON.stringify(view!.raw)).toBe(JSON.stringify(odd));
    expect(JSON.stringify((await h.history(lid))[0]!.license)).toBe(JSON.stringify(odd));
  });
});

describe('re-sync', () => {
  it('writes no license item when nothing changed upstream (O(connectors) items, no Scan)', async () => {
    h = await harness();
    await h.sync();
    h.meter.reset();
    const runs = await h.sync();
    expect(runs.map((r) => r.counts.unchanged)).toEqual([120, 120, 120]);
    expect(runs.map((r) => r.pagesUnchanged)).toEqual([3, 3, 3]);
    expect(h.meter.writtenByKind['CONNECTOR/LICENSE'] ?? 0).toBe(0);
    expect(h.meter.writtenByKind['LICENSE/V'] ?? 0).toBe(0);
    expect(h.meter.written).toBeLessThanOrEqual(3 * 5 + 1);
    expect(h.meter.scans).toBe(0);
  });

  it('records exactly one new version naming the changed fields', async () => {
    h = await harness();
    await h.sync();
    const cid = h.emu.connectors()[1]!._id;
    const lid = h.emu.licenses(cid)[70]!._id;
    h.emu.mutateLicense(cid, lid, {
      expires: '2030-01-01T18:29:59.999Z',
      opts: { connectorEdition: 'enterprise' },
    } as never);
    h.meter.reset();
    const runs = await h.sync();
    expect(runs.find((r) => r.connectorId === cid)!.counts).toMatchObject({
      updated: 1,
      created: 0,
      unchanged: 119,
    });
    const history = await h.history(lid);
    expect(history.map((v) => v.change)).toEqual(['updated', 'created']);
    expect(history[0]!.changes).toEqual(['expires', 'opts.connectorEdition']);
    expect((await getLicense(h.ledger, lid))!.expires).toBe('2030-01-01T18:29:59.999Z');
    // One license: its current item and one version, plus O(1) per connector.
    expect(h.meter.writtenByKind['CONNECTOR/LICENSE']).toBe(1);
    expect(h.meter.writtenByKind['LICENSE/V']).toBe(1);
    expect(h.meter.written).toBeLessThanOrEqual(2 + 3 * 5 + 3);
  });

  it('two walks of one connector at once: the second stands down, and no version is written twice', async () => {
    h = await harness();
    await h.sync();
    const cid = h.emu.connectors()[0]!._id;
    const changed = h.emu
      .licenses(cid)
      .slice(0, 30)
      .map((l) => l._id);
    for (const lid of changed)
      h.emu.mutateLicense(cid, lid, { opts: { connectorEdition: 'premium-x' } } as never);
    h.emu.addLicense(cid);
    const plan = await planSync({ ledger: h.ledger, api: h.api });
    const unit = plan.units.find((u) => u.connectorId === cid)!;
    const [a, b] = await Promise.all([
      syncConnector({ ledger: h.ledger, api: h.api }, unit),
      syncConnector({ ledger: h.ledger, api: h.api }, unit),
    ]);
    expect([a.status, b.status].sort()).toEqual(['completed', 'skipped']);
    expect([a, b].find((r) => r.status === 'skipped')!.reason).toBe('walk_in_progress');
    expect(a.counts.updated + b.counts.updated).toBe(30);
    expect(a.counts.created + b.counts.created).toBe(1);
    for (const lid of changed)
      expect((await h.history(lid)).map((v) => v.change)).toEqual(['updated', 'created']);
    expect(await ledgerState(cid)).toEqual(upstreamState(cid));
  });
});

describe('deletions and failures', () => {
  it('marks a license deleted only after a complete walk', async () => {
    h = await harness();
    await h.sync();
    const cid = h.emu.connectors()[2]!._id;
    const gone = h.emu.licenses(cid)[5]!._id;
    h.emu.deleteLicense(cid, gone);
    // The walk fails on its second page: nothing is marked, nothing is lost.
    h.emu.failConnector(cid, { afterPages: 1, status: 500 });
    const failed = await h.sync();
    const run = failed.find((r) => r.connectorId === cid)!;
    expect(run.status).toBe('failed');
    expect(run.error?.message).toMatch(/500/);
    expect(run.counts.deleted).toBe(0);
    expect((await getLicense(h.ledger, gone))!.deletedAt).toBeUndefined();
    expect(Object.keys(await ledgerState(cid))).toHaveLength(120);
    expect((await listConnectors(h.ledger)).find((c) => c.id === cid)!.lastWalk!.status).toBe('failed');

    h.emu.clearFailures();
    const good = await h.sync();
    expect(good.find((r) => r.connectorId === cid)!.counts.deleted).toBe(1);
    const view = await getLicense(h.ledger, gone);
    expect(view!.deletedAt).toBeDefined();
    expect((await h.history(gone)).map((v) => v.change)).toEqual(['deleted', 'created']);
    expect(await ledgerState(cid)).toEqual(upstreamState(cid));
    expect(Object.keys(await ledgerState(cid, true))).toHaveLength(120);
    expect((await listConnectors(h.ledger)).find((c) => c.id === cid)!.licenses).toBe(119);
  });

  it('converges after a walk that stored part of a change then failed', async () => {
    h = await harness();
    await h.sync();
    const cid = h.emu.connectors()[0]!._id;
    const list = h.emu.licenses(cid);
    // A deletion on page one shifts every later page; a change on page three.
    h.emu.deleteLicense(cid, list[1]!._id);
    h.emu.mutateLicense(cid, list[110]!._id, { expires: '2031-05-05T18:29:59.999Z' } as never);
    h.emu.failConnector(cid, { afterPages: 2 });
    expect((await h.sync()).find((r) => r.connectorId === cid)!.status).toBe('failed');
    h.emu.clearFailures();
    // The digests of the pages the failed walk rewrote must not hide the deletion now.
    const again = (await h.sync()).find((r) => r.connectorId === cid)!;
    expect(again.status).toBe('completed');
    expect(await ledgerState(cid)).toEqual(upstreamState(cid));
    expect((await h.history(list[1]!._id))[0]!.change).toBe('deleted');
    expect((await h.history(list[110]!._id)).map((v) => v.change)).toEqual(['updated', 'created']);
  });

  it('a license that comes back is live again with a new created version', async () => {
    h = await harness();
    await h.sync();
    const cid = h.emu.connectors()[0]!._id;
    const record = h.emu.licenses(cid)[3]!;
    h.emu.deleteLicense(cid, record._id);
    await h.sync();
    h.emu.setLicenses(cid, [...h.emu.licenses(cid), record]);
    await h.sync();
    expect((await h.history(record._id)).map((v) => v.change)).toEqual(['created', 'deleted', 'created']);
    expect((await getLicense(h.ledger, record._id))!.deletedAt).toBeUndefined();
  });

  it('stores invalid records flagged, skips records without an id, and then marks no deletion', async () => {
    h = await harness();
    await h.sync();
    const cid = h.emu.connectors()[0]!._id;
    const list = h.emu.licenses(cid);
    const bad = { ...list[0]!, expires: 12345, user: 'not-an-object' };
    const noId = { ...list[2]!, _id: undefined };
    h.emu.setLicenses(cid, [bad as never, ...list.slice(3), noId as never]); // list[1] vanished
    const run = (await h.sync()).find((r) => r.connectorId === cid)!;
    expect(run.counts).toMatchObject({ invalid: 1, skipped: 1, deleted: 0 });
    const view = await getLicense(h.ledger, list[0]!._id);
    expect(view!.invalid?.join(' ')).toMatch(/expires/);
    expect(view!.raw).toEqual(bad);
    expect((await getLicense(h.ledger, list[1]!._id))!.deletedAt).toBeUndefined();
  });

  it('a connector that fails outright leaves the others complete', async () => {
    h = await harness();
    const cid = h.emu.connectors()[1]!._id;
    h.emu.failConnector(cid, { status: 503 });
    const runs = await h.sync();
    expect(runs.filter((r) => r.status === 'failed').map((r) => r.connectorId)).toEqual([cid]);
    const summary = await h.ledger.getRun(runs[0]!.runId);
    expect(summary).toMatchObject({ status: 'failed', completed: 2, failed: 1 });
    expect(summary!.errors![0]!.connectorId).toBe(cid);
  });
});

describe('reading', () => {
  it("pages a connector's licenses with an opaque cursor, and rejects a forged one", async () => {
    h = await harness();
    await h.sync();
    const cid = h.emu.connectors()[0]!._id;
    const ids: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await listLicenses(h.ledger, cid, { limit: 50, cursor });
      ids.push(...page.items.map((l) => l.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBeGreaterThanOrEqual(3);
    expect(new Set(ids)).toEqual(new Set(h.emu.licenses(cid).map((l) => l._id)));
    await expect(listLicenses(h.ledger, cid, { cursor: 'not-a-cursor' })).rejects.toMatchObject({
      code: 'bad_cursor',
    });
  });

  it('derives lastSeenAt from the last complete walk and the expiry status from now', async () => {
    h = await harness();
    await h.sync();
    const second = await h.sync();
    const cid = h.emu.connectors()[0]!._id;
    const view = (await listLicenses(h.ledger, cid, { limit: 1 })).items[0]!;
    const connector = (await listConnectors(h.ledger)).find((c) => c.id === cid)!;
    expect(view.lastSeenAt).toBe(connector.lastCompleteWalkAt);
    expect(view.lastSeenAt > view.firstSeenAt).toBe(true);
    expect(second[0]!.runId).toBeDefined();
    expect(['ok', 'expiring', 'expired']).toContain(view.expiry);
    expect(view.daysToExpiry).toBe(
      Math.floor((Date.parse(view.expires!) - h.ledger.now().getTime()) / 86_400_000),
    );
  });
});
