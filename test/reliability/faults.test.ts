// Reliability: a broken Partner API or two syncs at once never leave wrong data behind, and the next good sync converges.
import { afterEach, describe, expect, it } from 'vitest';
import { allLicenses, licenseHistory } from '#ledger/queries';
import { planSync, runPlan } from '#ledger/sync';
import { type Harness, harness } from '../support/ledger-harness.ts';

let h: Harness;
afterEach(async () => h?.close());

/** Three pages a connector (25, 25, 10): a failure after the first page leaves a page before it and one after. */
const PAGE = 25;
const SMALL = { dataSet: { connectors: 3, licensesPerConnector: 60 }, pageSize: PAGE };
/** A license on the last page, past the failing one. */
const LATE = 55;

async function snapshot(harnessed: Harness) {
  const state: Record<string, { raw: unknown; deleted: boolean; versions: string[] }> = {};
  for await (const v of allLicenses(harnessed.ledger, { includeDeleted: true })) {
    const versions = (await licenseHistory(harnessed.ledger, v.id, { limit: 100 })).items.map(
      (x) => x.change,
    );
    state[v.id] = { raw: v.raw, deleted: Boolean(v.deletedAt), versions };
  }
  return state;
}

async function upstreamMatches(harnessed: Harness) {
  for (const c of harnessed.emu.connectors()) {
    const live: Record<string, unknown> = {};
    for await (const v of allLicenses(harnessed.ledger, { connectorId: c._id })) live[v.id] = v.raw;
    expect(live).toEqual(Object.fromEntries(harnessed.emu.licenses(c._id).map((l) => [l._id, l])));
  }
}

describe('a misbehaving Partner API', () => {
  it.each([
    ['truncated JSON', { mode: 'truncated' as const }, /not JSON/],
    ['an HTML error page', { mode: 'html' as const, status: 502 }, /502/],
    ['a connection reset', { mode: 'reset' as const }, /cannot reach .*connection reset|socket|terminated/],
    ['a 503 that never ends', { mode: 'status' as const, status: 503 }, /503/],
  ])(
    '%s mid-walk: a clear error, retries, nothing stored wrong, then convergence',
    async (_name, failure, message) => {
      h = await harness(SMALL);
      await h.sync();
      const cid = h.emu.connectors()[0]!._id;
      const list = h.emu.licenses(cid);
      h.emu.mutateLicense(cid, list[LATE]!._id, { expires: '2032-02-02T18:29:59.999Z' });
      h.emu.deleteLicense(cid, list[7]!._id);
      const before = await snapshot(h);
      h.emu.resetStats();
      h.emu.failConnector(cid, { ...failure, afterPages: 1 });
      const run = (await h.sync()).find((r) => r.connectorId === cid)!;
      expect(run.status).toBe('failed');
      expect(run.error!.message).toMatch(message);
      // The harness client retries once: the failing page was asked for twice.
      const failingPage = h.emu
        .requests()
        .filter((r) => r.path.endsWith(`${cid}/licenses`) && r.query.skip === String(PAGE));
      expect(failingPage.length).toBeGreaterThanOrEqual(2);
      const after = await snapshot(h);
      // Nothing deleted, nothing half-written: only page one's verified changes may have landed.
      expect(after[list[7]!._id]).toEqual(before[list[7]!._id]);
      for (const [id, state] of Object.entries(after)) {
        expect(state.versions.filter((v) => v === 'created')).toHaveLength(1);
        if (id !== list[LATE]!._id) expect(state).toEqual(before[id]);
      }
      h.emu.clearFailures();
      await h.sync();
      await upstreamMatches(h);
    },
  );

  it('wrong field types: stored as seen, flagged invalid, and replaced when upstream recovers', async () => {
    h = await harness(SMALL);
    await h.sync();
    const cid = h.emu.connectors()[1]!._id;
    h.emu.failConnector(cid, { mode: 'badTypes' });
    const run = (await h.sync()).find((r) => r.connectorId === cid)!;
    expect(run.counts.invalid).toBeGreaterThan(0);
    let flagged = 0;
    for await (const v of allLicenses(h.ledger, { connectorId: cid })) if (v.invalid) flagged++;
    expect(flagged).toBe(run.counts.invalid);
    h.emu.clearFailures();
    await h.sync();
    await upstreamMatches(h);
    for await (const v of allLicenses(h.ledger, { connectorId: cid })) expect(v.invalid).toBeUndefined();
  });

  it('a 429 storm: Retry-After honoured, every page fetched, nothing lost', async () => {
    h = await harness({ ...SMALL, retries: 5 });
    h.emu.throttle(4, 1);
    const started = Date.now();
    const runs = await h.sync();
    expect(runs.every((r) => r.status === 'completed')).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(h.emu.stats().byStatus['429']).toBe(4);
    await upstreamMatches(h);
  });
});

describe('two syncs at once', () => {
  it('reach the same end state as one sync', async () => {
    h = await harness(SMALL);
    await h.sync();
    const change = (target: Harness) => {
      for (const c of target.emu.connectors()) {
        const list = target.emu.licenses(c._id);
        for (let i = 0; i < list.length; i += 9)
          target.emu.mutateLicense(c._id, list[i]!._id, { opts: { connectorEdition: 'enterprise' } });
        target.emu.deleteLicense(c._id, list[1]!._id);
        target.emu.addLicense(c._id);
      }
    };
    change(h);
    const deps = { ledger: h.ledger, api: h.api };
    const [a, b] = await Promise.all([planSync(deps), planSync(deps)]);
    await Promise.all([runPlan(deps, a), runPlan(deps, b)]);

    const single = await harness(SMALL);
    try {
      await single.sync();
      change(single);
      await single.sync();
      const strip = (s: Awaited<ReturnType<typeof snapshot>>) => s;
      expect(strip(await snapshot(h))).toEqual(strip(await snapshot(single)));
    } finally {
      await single.close();
    }
  });
});
