// Ledger integrity, one named regression per path by which the ledger could differ from the Partner API (issue 11).
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '#api/app';
import { PartnerApiError } from '#celigo/errors';
import { allLicenses, getLicense, listConnectors } from '#ledger/queries';
import { planSync, syncConnector } from '#ledger/sync';
import { DEFAULT_LEASE_MS } from '#ledger/walk';
import { gatedApi } from '../support/gate.ts';
import { type Harness, harness } from '../support/ledger-harness.ts';

let h: Harness;
/** Tests of one connector's walks need no others beside it (the harness's default is three). */
const ONE_CONNECTOR = { connectors: 1, licensesPerConnector: 120 };
afterEach(async () => h?.close());

const app = () => createApp({ ledger: h.ledger, partnerApi: () => h.api, log: () => undefined });
const send = (method: string, path: string, json?: unknown) =>
  app().request(path, {
    method,
    ...(json === undefined
      ? {}
      : { body: JSON.stringify(json), headers: { 'content-type': 'application/json' } }),
  });

/** The ledger's live licenses of a connector as { id: raw }, and the emulator's. */
async function ledgerState(cid: string) {
  const out: Record<string, unknown> = {};
  for await (const view of allLicenses(h.ledger, { connectorId: cid })) out[view.id] = view.raw;
  return out;
}
const upstreamState = (cid: string) => Object.fromEntries(h.emu.licenses(cid).map((l) => [l._id, l]));
const unitOf = async (cid: string) =>
  (await planSync({ ledger: h.ledger, api: h.api })).units.find((u) => u.connectorId === cid)!;

describe('writes outside a walk invalidate what lets a later walk skip', () => {
  it('a PUT through our API, then set back in Celigo: the next sync records the upstream value', async () => {
    h = await harness({ dataSet: { connectors: 1, licensesPerConnector: 60 } });
    await h.sync();
    const cid = h.emu.connectors()[0]!._id;
    const license = h.emu.licenses(cid)[10]!;
    const put = await send('PUT', `/connectors/${cid}/licenses/${license._id}`, {
      expires: '2031-01-31T00:00:00.000Z',
    });
    expect(put.status).toBe(200);
    // Someone sets it back in Celigo's own UI: the listing is byte for byte what the last walk saw.
    h.emu.mutateLicense(cid, license._id, { expires: license.expires });
    const run = (await h.sync()).find((r) => r.connectorId === cid)!;
    expect(run.status).toBe('completed');
    expect((await getLicense(h.ledger, license._id))!.expires).toBe(new Date(license.expires).toISOString());
    expect(await ledgerState(cid)).toEqual(upstreamState(cid));
  });

  it('a POST through our API, then deleted in Celigo: the next sync marks it deleted', async () => {
    h = await harness();
    await h.sync();
    const cid = h.emu.connectors()[0]!._id;
    const email = h.emu.licenses(cid)[0]!.user.email;
    const post = await send('POST', `/connectors/${cid}/licenses`, {
      email,
      expires: '2030-01-01',
      opts: {},
    });
    expect(post.status).toBe(201);
    const { id } = (await post.json()) as { id: string };
    h.emu.deleteLicense(cid, id);
    await h.sync();
    expect((await getLicense(h.ledger, id))!.deletedAt).toBeDefined();
    expect((await h.history(id)).map((v) => v.change)).toEqual(['deleted', 'created']);
    expect(await ledgerState(cid)).toEqual(upstreamState(cid));
  });

  it('DELETE through our API deletes upstream and records a deleted version at once', async () => {
    h = await harness();
    await h.sync();
    const cid = h.emu.connectors()[1]!._id;
    const lid = h.emu.licenses(cid)[3]!._id;
    const res = await send('DELETE', `/connectors/${cid}/licenses/${lid}`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { deletedAt?: string }).deletedAt).toBeDefined();
    expect(h.emu.licenses(cid).some((l) => l._id === lid)).toBe(false);
    expect((await h.history(lid)).map((v) => v.change)).toEqual(['deleted', 'created']);
    const live = (await listConnectors(h.ledger)).find((c) => c.id === cid)!.licenses;
    expect(live).toBe(119);
    // Deleting what the ledger never held still deletes upstream, and answers 204.
    const fresh = h.emu.addLicense(cid);
    expect((await send('DELETE', `/connectors/${cid}/licenses/${fresh._id}`)).status).toBe(204);
    expect((await send('DELETE', `/connectors/${cid}/licenses/${fresh._id}`)).status).toBe(404);
  });
});

describe('a walk never replaces a newer observation (path a, b)', () => {
  it('(a) a PUT landing while the page is on its way is not overwritten by the older page value', async () => {
    h = await harness({ pageSize: 50, dataSet: ONE_CONNECTOR });
    await h.sync();
    const cid = h.emu.connectors()[0]!._id;
    const [other, target] = h.emu.licenses(cid);
    // Another change on page one makes the walk compare that page rather than skip it.
    h.emu.mutateLicense(cid, other!._id, { opts: { connectorEdition: 'premium' } } as never);
    const unit = await unitOf(cid);
    const gate = gatedApi(h.api);
    const walk = syncConnector({ ledger: h.ledger, api: gate.api }, unit);
    await gate.fetched(1); // page one, with the target's old expiry, is on its way
    const put = await send('PUT', `/connectors/${cid}/licenses/${target!._id}`, {
      expires: '2033-03-03T00:00:00.000Z',
    });
    expect(put.status).toBe(200);
    gate.open();
    expect((await walk).status).toBe('completed');
    const view = await getLicense(h.ledger, target!._id);
    expect(view!.expires).toBe('2033-03-03T00:00:00.000Z');
    expect((await h.history(target!._id)).map((v) => v.change)).toEqual(['updated', 'created']);
    expect((await getLicense(h.ledger, other!._id))!.edition).toBe('premium');
    // The write moved the epoch: the next walk compares every page and agrees with upstream.
    await h.sync();
    expect(await ledgerState(cid)).toEqual(upstreamState(cid));
  });

  it('(b) a license POSTed while a walk is on its way is not marked deleted by that walk', async () => {
    h = await harness({ pageSize: 50, dataSet: ONE_CONNECTOR });
    await h.sync();
    const cid = h.emu.connectors()[0]!._id;
    h.emu.deleteLicense(cid, h.emu.licenses(cid)[5]!._id);
    // A walk that rewrote two pages' digests and then failed: the next walk skips those pages but owes a
    // deletion pass, and reads what is stored only at the page that still differs.
    h.emu.failConnector(cid, { afterPages: 2 });
    expect((await h.sync()).find((r) => r.connectorId === cid)!.status).toBe('failed');
    h.emu.clearFailures();
    const unit = await unitOf(cid);
    const gate = gatedApi(h.api, 3);
    const walk = syncConnector({ ledger: h.ledger, api: gate.api }, unit);
    await gate.fetched(3); // the last page is on its way; the walk has not read what is stored yet
    const email = h.emu.licenses(cid)[0]!.user.email;
    const post = await send('POST', `/connectors/${cid}/licenses`, {
      email,
      expires: '2030-01-01',
      opts: {},
    });
    const { id } = (await post.json()) as { id: string };
    gate.open();
    const run = await walk;
    expect(run.status).toBe('completed');
    expect(run.pagesUnchanged).toBe(2);
    expect(run.counts.deleted).toBe(1);
    expect((await getLicense(h.ledger, id))!.deletedAt).toBeUndefined();
    expect(await ledgerState(cid)).toEqual(upstreamState(cid));
  });

  it('(b) a live license that shifts between two pages mid-walk is not marked deleted', async () => {
    h = await harness({ pageSize: 50, dataSet: ONE_CONNECTOR });
    await h.sync();
    const cid = h.emu.connectors()[0]!._id;
    const list = h.emu.licenses(cid);
    h.emu.mutateLicense(cid, list[60]!._id, { expires: '2030-06-06T00:00:00.000Z' }); // pages differ: compared
    const unit = await unitOf(cid);
    const gate = gatedApi(h.api);
    const walk = syncConnector({ ledger: h.ledger, api: gate.api }, unit);
    await gate.fetched(1);
    // A record on page one goes while the walk is between pages: page two now starts one record later, so
    // the first record of the old page two (list[50]) is on no page this walk reads.
    h.emu.deleteLicense(cid, list[3]!._id);
    gate.open();
    expect((await walk).status).toBe('completed');
    expect((await getLicense(h.ledger, list[50]!._id))!.deletedAt).toBeUndefined();
    await h.sync();
    expect((await getLicense(h.ledger, list[3]!._id))!.deletedAt).toBeDefined();
    expect(await ledgerState(cid)).toEqual(upstreamState(cid));
  });
});

describe('one walk per connector (path c)', () => {
  it('a second walk stands down, and a walk that lost its lease cannot mark the list whole', async () => {
    h = await harness({ pageSize: 50, dataSet: ONE_CONNECTOR });
    await h.sync();
    const cid = h.emu.connectors()[0]!._id;
    const gone = h.emu.licenses(cid)[7]!._id;
    h.emu.deleteLicense(cid, gone);
    const unit = await unitOf(cid);
    const gate = gatedApi(h.api);
    const stalled = syncConnector({ ledger: h.ledger, api: gate.api }, unit);
    await gate.fetched(1);
    const second = await syncConnector({ ledger: h.ledger, api: h.api }, unit);
    expect(second).toMatchObject({ status: 'skipped', reason: 'walk_in_progress' });

    // The stalled walk's lease runs out; another walk takes the connector over and fails part-way.
    h.advance(DEFAULT_LEASE_MS + 1);
    h.emu.failConnector(cid, { afterPages: 1 });
    const failed = await syncConnector({ ledger: h.ledger, api: h.api }, unit);
    expect(failed.status).toBe('failed');
    h.emu.clearFailures();
    gate.open();
    const late = await stalled;
    expect(late.status).toBe('failed');
    expect(late.error!.code).toBe('walk_lease_lost');
    expect((await getLicense(h.ledger, gone))!.deletedAt).toBeUndefined();
    // Nothing above proved the list whole: the next walk runs the deletion pass.
    const runs = await h.sync();
    expect(runs.find((r) => r.connectorId === cid)!.counts.deleted).toBe(1);
    expect(await ledgerState(cid)).toEqual(upstreamState(cid));
  });

  it('a walk that lost its lease while a later page was on its way writes nothing of that page', async () => {
    h = await harness({ dataSet: { connectors: 1, licensesPerConnector: 30 }, pageSize: 10 });
    await h.sync();
    const cid = h.emu.connectors()[0]!._id;
    // A change on the first page (the walk writes, so it has told its connector so) and one on the second.
    const [first, second] = [h.emu.licenses(cid)[3]!, h.emu.licenses(cid)[15]!];
    const before = await h.history(second._id);
    const oldExpires = second.expires;
    h.emu.mutateLicense(cid, first._id, { expires: '2032-01-01T00:00:00.000Z' });
    h.emu.mutateLicense(cid, second._id, { expires: '2032-02-02T00:00:00.000Z' });
    const unit = await unitOf(cid);
    let reached!: () => void;
    const atWrite = new Promise<void>((resolve) => {
      reached = resolve;
    });
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const pauses = {
      at: async (point: string, where: { page?: number }) => {
        if (point !== 'beforeWrite' || where.page !== 1) return;
        reached();
        await held;
      },
    };
    const stalled = syncConnector({ ledger: h.ledger, api: h.api, pauses }, unit);
    await atWrite;
    // Its lease runs out (no heartbeat reached the store in time) and another walk takes the connector over.
    h.advance(DEFAULT_LEASE_MS + 1);
    expect(await h.ledger.beginWalk(cid, 'another-walk', DEFAULT_LEASE_MS)).toBeDefined();
    release();
    expect(await stalled).toMatchObject({ status: 'failed', error: { code: 'walk_lease_lost' } });
    // The second page, compared under a lease since lost, is not written: the next walk records it under its own.
    expect(await h.history(second._id)).toHaveLength(before.length);
    expect((await getLicense(h.ledger, second._id))!.raw).toMatchObject({ expires: oldExpires });
  });
});

describe('records a walk cannot identify (path d, e)', () => {
  it('are counted with their offsets; the walk marks no deletion; lastSeenAt moves only for licenses seen', async () => {
    h = await harness({ pageSize: 50, dataSet: ONE_CONNECTOR });
    await h.sync();
    const cid = h.emu.connectors()[0]!._id;
    const list = h.emu.licenses(cid);
    const before = (await getLicense(h.ledger, list[1]!._id))!.lastSeenAt;
    const odd = [
      { ...list[2]!, _id: undefined },
      { ...list[4]!, _id: 'a#b' },
      { ...list[6]!, _id: 'a/b' },
      { ...list[8]!, _id: 'has space' },
      { ...list[9]!, _id: '' },
      { ...list[11]!, _id: 'x'.repeat(65) },
      { ...list[12]!, _id: 'ctl\u0007' },
    ];
    // list[1] vanished; seven records cannot be told apart from any license.
    h.emu.setLicenses(cid, [list[0]!, ...odd, ...list.slice(13)] as never);
    const run = (await h.sync()).find((r) => r.connectorId === cid)!;
    expect(run.status).toBe('completed');
    expect(run.unidentifiable).toEqual({ count: 7, offsets: [1, 2, 3, 4, 5] });
    expect(run.deletionsSkipped).toBe(true);
    expect(run.counts).toMatchObject({ deleted: 0, skipped: 7 });
    const summary = await h.ledger.getRun(run.runId);
    expect(summary!.unidentifiable).toEqual([{ connectorId: cid, count: 7, offsets: [1, 2, 3, 4, 5] }]);
    const connector = (await listConnectors(h.ledger)).find((c) => c.id === cid)!;
    expect(connector.lastWalk!.unidentifiable!.count).toBe(7);
    const vanished = (await getLicense(h.ledger, list[1]!._id))!;
    expect(vanished.deletedAt).toBeUndefined();
    expect(vanished.lastSeenAt).toBe(before);
    for (const bad of ['a#b', 'a/b', 'has space']) expect(await getLicense(h.ledger, bad)).toBeUndefined();
    // Once the records are whole again, the deletion is marked.
    h.emu.setLicenses(cid, [list[0]!, ...list.slice(2)]);
    await h.sync();
    expect((await getLicense(h.ledger, list[1]!._id))!.deletedAt).toBeDefined();
  });

  it('ids our HTTP API takes are validated the same way', async () => {
    h = await harness();
    for (const id of ['a%23b', 'has%20space', 'x'.repeat(65), 'tab%09']) {
      const res = await send('GET', `/licenses/${id}`);
      expect(res.status, id).toBe(400);
    }
    expect((await send('GET', '/licenses/not-hex-but-fine')).status).toBe(404);
  });
});

describe('an API write while a page is on its way, undone upstream (issue 20.1)', () => {
  /** Walks `cid` with page `hold` held on its way while `meanwhile` runs, and lets it finish. */
  async function raceWalk(cid: string, hold: number, meanwhile: () => Promise<void>) {
    const unit = await unitOf(cid);
    const gate = gatedApi(h.api, hold);
    const walk = syncConnector({ ledger: h.ledger, api: gate.api }, unit);
    await gate.fetched(hold);
    await meanwhile();
    gate.open();
    expect((await walk).status).toBe('completed');
  }

  for (const pageSize of [500, 50]) {
    it(`a PUT set back in Celigo is set back in the ledger by the next quiet sync (${pageSize === 500 ? 'one page' : 'three pages'})`, async () => {
      h = await harness({ pageSize });
      await h.sync();
      const cid = h.emu.connectors()[0]!._id;
      const [other, target] = h.emu.licenses(cid);
      h.emu.mutateLicense(cid, other!._id, { opts: { connectorEdition: 'premium' } } as never);
      await raceWalk(cid, 1, async () => {
        const put = await send('PUT', `/connectors/${cid}/licenses/${target!._id}`, {
          expires: '2033-03-03T00:00:00.000Z',
        });
        expect(put.status).toBe(200);
        h.emu.mutateLicense(cid, target!._id, { expires: target!.expires });
      });
      await h.sync();
      expect(await ledgerState(cid)).toEqual(upstreamState(cid));
      expect((await getLicense(h.ledger, target!._id))!.expires).toBe(
        new Date(target!.expires).toISOString(),
      );
    });

    it(`a license POSTed during a walk and deleted in Celigo is marked deleted (${pageSize === 500 ? 'one page' : 'three pages'})`, async () => {
      h = await harness({ pageSize });
      await h.sync();
      const cid = h.emu.connectors()[0]!._id;
      const [other] = h.emu.licenses(cid);
      h.emu.mutateLicense(cid, other!._id, { opts: { connectorEdition: 'premium' } } as never);
      let id = '';
      await raceWalk(cid, 1, async () => {
        const post = await send('POST', `/connectors/${cid}/licenses`, {
          email: other!.user.email,
          expires: '2030-01-01',
          opts: {},
        });
        expect(post.status).toBe(201);
        id = ((await post.json()) as { id: string }).id;
        h.emu.deleteLicense(cid, id);
      });
      await h.sync();
      expect((await getLicense(h.ledger, id))!.deletedAt).toBeDefined();
      expect(await ledgerState(cid)).toEqual(upstreamState(cid));
    });
  }
});

describe('syncs go quiet again after a change (issue 20.2)', () => {
  it('the second quiet sync after a change skips every page and reads no license', async () => {
    h = await harness({ pageSize: 50, dataSet: ONE_CONNECTOR });
    await h.sync();
    const cid = h.emu.connectors()[0]!._id;
    h.emu.mutateLicense(cid, h.emu.licenses(cid)[60]!._id, { expires: '2030-06-06T00:00:00.000Z' });
    await h.sync(); // the change: page two compared
    const quiet: { unchanged: number; read: number; written: number }[] = [];
    for (let i = 0; i < 4; i++) {
      const unit = await unitOf(cid);
      h.meter.reset();
      const run = await syncConnector({ ledger: h.ledger, api: h.api }, unit);
      quiet.push({ unchanged: run.pagesUnchanged, read: h.meter.read, written: h.meter.written });
    }
    // Every quiet sync: every page as its digest vouches, META read and written, the run recorded.
    for (const q of quiet) {
      expect(q.unchanged).toBe(3);
      expect(q.read).toBeLessThanOrEqual(2);
      expect(q.written).toBeLessThanOrEqual(4);
    }
  });

  it('after a PUT, the first quiet sync compares, the second skips every page', async () => {
    h = await harness({ pageSize: 50, dataSet: ONE_CONNECTOR });
    await h.sync();
    const cid = h.emu.connectors()[0]!._id;
    const lid = h.emu.licenses(cid)[70]!._id;
    expect((await send('PUT', `/connectors/${cid}/licenses/${lid}`, { expires: '2031-01-31' })).status).toBe(
      200,
    );
    const first = await syncConnector({ ledger: h.ledger, api: h.api }, await unitOf(cid));
    expect(first.pagesUnchanged).toBe(0);
    const unit = await unitOf(cid);
    h.meter.reset();
    const second = await syncConnector({ ledger: h.ledger, api: h.api }, unit);
    expect(second.pagesUnchanged).toBe(3);
    expect(h.meter.read).toBeLessThanOrEqual(2);
  });
});

describe('a proof of a whole list counts only after the last write outside a walk', () => {
  it('a license POSTed and deleted in Celigo, then a walk that compared every page but failed its deletion pass: the next walk still runs it', async () => {
    h = await harness({ pageSize: 50, dataSet: { connectors: 1, licensesPerConnector: 120 } });
    await h.sync();
    const cid = h.emu.connectors()[0]!._id;
    const post = await send('POST', `/connectors/${cid}/licenses`, {
      email: h.emu.licenses(cid)[0]!.user.email,
      expires: '2030-01-01',
      opts: {},
    });
    const { id } = (await post.json()) as { id: string };
    h.emu.deleteLicense(cid, id);
    // Every page is as the last walk saw it, but the POST voided their digests: the walk compares them all (nothing
    // to write) and restamps them, then its lookups fail, so it proves nothing.
    const failing = Object.create(h.api) as typeof h.api;
    Object.defineProperty(failing, 'getLicense', {
      value: async () => {
        throw new PartnerApiError('server_error', 'lookup failed', 500);
      },
    });
    const failed = await syncConnector({ ledger: h.ledger, api: failing }, await unitOf(cid));
    expect(failed).toMatchObject({ status: 'failed', pagesUnchanged: 0 });
    const run = (await h.sync())[0]!;
    expect(run.pagesUnchanged).toBe(3);
    expect(run.counts.deleted).toBe(1);
    expect((await getLicense(h.ledger, id))!.deletedAt).toBeDefined();
  });
});

describe('a proof of a whole list vouches only for digests as old as it (model test seed 1316794485)', () => {
  it('a walk that recorded a changed page, wrote nothing and died before its deletion pass: the next walk runs it', async () => {
    h = await harness({ dataSet: { connectors: 1, licensesPerConnector: 5 }, pageSize: 3 });
    await h.sync(); // a complete walk proves the list of five (pages of 3 and 2)
    const cid = h.emu.connectors()[0]!._id;
    const gone = h.emu.licenses(cid)[3]!._id;
    h.emu.deleteLicense(cid, gone); // only the second page changes: now one license
    // A walk skips page one, compares page two (nothing to write: it only lost a license), records its digest, and
    // dies as its deletion pass begins.
    const unit = await unitOf(cid);
    let reached!: () => void;
    const atDeletions = new Promise<void>((resolve) => {
      reached = resolve;
    });
    const pauses = {
      at: async (point: string) => {
        if (point !== 'beforeDeletions') return;
        reached();
        await new Promise(() => undefined); // never goes on
      },
    };
    void syncConnector({ ledger: h.ledger, api: h.api, pauses }, unit);
    await atDeletions;
    h.advance(DEFAULT_LEASE_MS + 1);
    // Every page now matches a digest, but the second one's is the dead walk's, newer than the proof.
    const [run] = await h.sync();
    expect(run).toMatchObject({ status: 'completed', pages: 2, pagesUnchanged: 2 });
    expect(run!.counts.deleted).toBe(1);
    expect(await ledgerState(cid)).toEqual(upstreamState(cid));
  });
});

describe('the revision guard', () => {
  it('a write that read an older revision is refused, even with a revision no version holds yet', async () => {
    h = await harness({ dataSet: { connectors: 1, licensesPerConnector: 3 } });
    await h.sync();
    const cid = h.emu.connectors()[0]!._id;
    const lid = h.emu.licenses(cid)[0]!._id;
    const stored = (await h.ledger.currentLicense(cid, lid))!;
    const raw = { ...JSON.parse(stored.rawJson), expires: '2040-01-01T00:00:00.000Z' };
    const write = {
      connectorId: cid,
      licenseId: lid,
      account: stored.account,
      change: 'updated' as const,
      kind: 'renewed' as const,
      baseline: false,
      rev: stored.rev + 5,
      expectedRev: stored.rev - 1, // what a writer that read before the last change would expect
      facts: stored,
      rawJson: JSON.stringify(raw),
      hash: 'stale-writer',
      changes: ['expires'],
      firstSeenAt: stored.firstSeenAt,
      observedAt: new Date().toISOString(),
    };
    expect(await h.ledger.writeLicenses([write])).toEqual(['conflict']);
    expect((await getLicense(h.ledger, lid))!.raw).toEqual(JSON.parse(stored.rawJson));
    expect(await h.ledger.writeLicenses([{ ...write, expectedRev: stored.rev }])).toEqual(['written']);
  });
});
