// Trials and sandboxes against DynamoDB Local and the emulator: what a sync records (change kinds, the conversion),
// the byTrialEnd index the report and rules read (ranges, pages, filters), and the trial alerts raised once each.
import { afterEach, describe, expect, it } from 'vitest';
import { trialsOverview, trialsPage } from '#app/trials';
import { listChanges } from '#ledger/portfolio';
import { getLicense, listLicenses } from '#ledger/queries';
import type { LicenseRecord } from '#local/emulator/index';
import type { Alert } from '#watch/alert';
import { DEFAULT_WATCH_CONFIG, evaluateAlerts } from '#watch/evaluate';
import { expiringWithin } from '#watch/rules';
import { conversionsSince, trialsEndedWithin, trialsEndingWithin } from '#watch/trial-rules';
import { memorySink } from '../support/alert-ledger.ts';
import { licenseMaker, oneConnector } from '../support/data-sets.ts';
import { type Harness, harness } from '../support/ledger-harness.ts';

const DAY = 86_400_000;
const NOW = Date.parse('2026-06-15T12:00:00.000Z');
const CID = 'c0ffee00c0ffee00c0ffee01';

let h: Harness;
let clock = NOW;
const opened: Harness[] = [];
afterEach(async () => {
  clock = NOW;
  for (const o of opened.splice(0)) await o.close();
});

const license = licenseMaker('f', {
  expires: new Date(NOW + 200 * DAY).toISOString(),
  created: new Date(NOW - 20 * DAY).toISOString(),
  type: 'integrationApp',
});
const trialIn = (days: number, extra: { sandbox?: boolean } = {}) => ({
  trialEndDate: new Date(NOW + days * DAY).toISOString(),
  expires: new Date(NOW + days * DAY).toISOString(),
  ...extra,
});

async function start(records: LicenseRecord[]) {
  h = await harness({
    dataSet: oneConnector(CID, 'Trials Connector', records, NOW),
    now: () => new Date(clock),
  });
  opened.push(h);
  await h.sync();
}

const ids = (views: { id: string }[]) => views.map((v) => v.id).sort();
const sorted = (...ls: LicenseRecord[]) => ls.map((l) => l._id).sort();

describe('trials in the ledger', { timeout: 120_000 }, () => {
  it('records trial-started, trial-extended and converted; a converted trial reads converted, also by id', async () => {
    const plain = license('plain');
    const onTrial = license('ontrial', trialIn(10));
    const converting = license('converting', trialIn(2));
    await start([plain, onTrial, converting]);
    clock += 3_600_000;
    h.emu.mutateLicense(CID, plain._id, trialIn(14));
    h.emu.mutateLicense(CID, onTrial._id, trialIn(30));
    // Celigo drops trialEndDate when a paid expiry is saved.
    h.emu.mutateLicense(CID, converting._id, {
      trialEndDate: undefined,
      expires: new Date(NOW + 365 * DAY).toISOString(),
    });
    await h.sync();
    const since = new Date(NOW).toISOString();
    const kinds = Object.fromEntries(
      (await listChanges(h.ledger, { since })).items.map((c) => [c.licenseId, c.kind]),
    );
    expect(kinds).toEqual({
      [plain._id]: 'trial-started',
      [onTrial._id]: 'trial-extended',
      [converting._id]: 'converted',
    });
    expect((await listChanges(h.ledger, { since, kind: 'converted' })).items).toHaveLength(1);

    const converted = await getLicense(h.ledger, converting._id);
    expect(converted).toMatchObject({ trial: 'converted', sandbox: false, type: 'integrationApp' });
    expect(converted).not.toHaveProperty('trialEndDate');
    const listed = (await listLicenses(h.ledger, CID)).items.find((v) => v.id === converting._id);
    expect(listed).toMatchObject({ trial: 'converted', trialConvertedAt: converted!.trialConvertedAt });
    // Carried by later changes that keep the trial's end away.
    clock += 3_600_000;
    h.emu.mutateLicense(CID, converting._id, { opts: { connectorEdition: 'premium' } });
    await h.sync();
    expect(await getLicense(h.ledger, converting._id)).toMatchObject({
      trial: 'converted',
      trialConvertedAt: converted!.trialConvertedAt,
    });
    expect(ids(await conversionsSince(h.ledger, new Date(NOW)))).toEqual(sorted(converting));
    expect(await conversionsSince(h.ledger, new Date(clock + 1))).toEqual([]);
  });

  it('the trial rules read their ranges from the index, like expiring and expired; deleted and converted excluded', async () => {
    const L = {
      today: license('today', trialIn(0.5)),
      three: license('three', trialIn(3.2)),
      seven: license('seven', trialIn(7)),
      eight: license('eight', trialIn(8.1)),
      ended: license('ended', trialIn(-2)),
      endedLongAgo: license('longago', trialIn(-40)),
      doomed: license('doomed', trialIn(1)),
      paid: license('paid', { expires: new Date(NOW + 2 * DAY).toISOString() }),
    };
    await start(Object.values(L));
    h.emu.deleteLicense(CID, L.doomed._id);
    await h.sync();
    const ending = await trialsEndingWithin(h.ledger, 7);
    expect(ending.map((v) => v.id)).toEqual([L.today, L.three, L.seven].map((l) => l._id));
    expect(ending.map((v) => v.daysToTrialEnd)).toEqual([0, 3, 7]);
    expect(ending.every((v) => v.trial === 'active')).toBe(true);
    expect(ids(await trialsEndedWithin(h.ledger, 30))).toEqual(sorted(L.ended));
    expect((await trialsEndedWithin(h.ledger, 30))[0]).toMatchObject({ trial: 'ended', daysToTrialEnd: -2 });
    // The expiry rules are untouched: a trial whose expiry is near is expiring too.
    expect(ids(await expiringWithin(h.ledger, 3))).toEqual(sorted(L.today, L.three, L.paid));
  });

  it('raises trial-ending once per crossing (tightest threshold) and trial-ended once; an extension alerts again', async () => {
    const five = license('five', trialIn(5.5));
    const ended = license('ended', trialIn(-1, { sandbox: true }));
    await start([five, ended]);
    const sink = memorySink('console');
    const first = await evaluateAlerts({ ledger: h.ledger, sinks: [sink] });
    const trialAlerts = (items: Alert[]) =>
      items
        .filter((a) => a.rule.startsWith('trial'))
        .map((a) => [a.licenseId, a.rule, a.threshold ?? null, a.sandbox])
        .sort();
    expect(trialAlerts(first.items)).toEqual(
      [
        [five._id, 'trial-ending', 7, false],
        [ended._id, 'trial-ended', null, true],
      ].sort(),
    );
    expect((await evaluateAlerts({ ledger: h.ledger, sinks: [sink] })).items).toEqual([]);
    // Two days on: the 3-day threshold is crossed.
    clock += 2.6 * DAY;
    const later = await evaluateAlerts({ ledger: h.ledger, sinks: [sink] });
    expect(trialAlerts(later.items)).toEqual([[five._id, 'trial-ending', 3, false]]);
    expect(later.items[0]).toMatchObject({ daysToTrialEnd: 2 });
    // Extended: a new trial end is a new cycle.
    h.emu.mutateLicense(CID, five._id, trialIn(9));
    await h.sync();
    expect(trialAlerts((await evaluateAlerts({ ledger: h.ledger, sinks: [sink] })).items)).toEqual([
      [five._id, 'trial-ending', 7, false],
    ]);
    // Its own thresholds.
    const custom = await evaluateAlerts({
      ledger: h.ledger,
      sinks: [memorySink('webhook:other')],
      config: { ...DEFAULT_WATCH_CONFIG, trialThresholds: [10] },
    });
    expect(trialAlerts(custom.items)).toContainEqual([five._id, 'trial-ending', 10, false]);
  });

  it('the trials report pages the index soonest first, filters sandbox and account, and refuses foreign cursors', async () => {
    const many = Array.from({ length: 13 }, (_, i) =>
      license(`t${i}`, trialIn((i % 9) + 0.3, i % 3 === 0 ? { sandbox: true } : {})),
    );
    await start([...many, license('none')]);
    const ctx = { ledger: h.ledger, accounts: ['default'] };
    const whole = await trialsEndingWithin(h.ledger, 14);
    expect(whole).toHaveLength(13);
    const pages: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await trialsPage(ctx, { withinDays: 14, limit: 4, cursor });
      expect(page.items.length).toBeLessThanOrEqual(4);
      pages.push(...page.items.map((v) => v.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(pages).toEqual(whole.map((v) => v.id));
    const ends = whole.map((v) => v.trialEndDate!);
    expect(ends).toEqual([...ends].sort());

    const sandbox = await trialsPage(ctx, { withinDays: 14, sandbox: true, limit: 100 });
    expect(ids(sandbox.items)).toEqual(sorted(...many.filter((_, i) => i % 3 === 0)));
    const production = await trialsPage(ctx, { withinDays: 14, sandbox: false, limit: 100 });
    expect(ids(production.items)).toEqual(sorted(...many.filter((_, i) => i % 3 !== 0)));
    expect(
      (await trialsPage(ctx, { withinDays: 2, limit: 100 })).items.every((v) => v.daysToTrialEnd! <= 2),
    ).toBe(true);
    const first = await trialsPage(ctx, { withinDays: 14, limit: 2 });
    await expect(
      trialsPage(ctx, { withinDays: 14, sandbox: true, limit: 2, cursor: first.nextCursor }),
    ).rejects.toMatchObject({ code: 'bad_cursor' });
    await expect(trialsPage(ctx, { withinDays: 14, account: 'nope' })).rejects.toMatchObject({
      code: 'unknown_account',
    });
    const overview = await trialsOverview(ctx, { withinDays: 14 });
    expect(overview.endingSoonTotal).toBe(13);
    expect(overview.convertedThisMonth).toEqual([]);
  });

  it('keeps the index sparse: only live licenses on trial or converted carry its keys', async () => {
    const trial = license('trial', trialIn(4));
    const plain = license('plain2');
    await start([trial, plain]);
    const res = await h.ledger
      .listLicenses(CID, {})
      .then((p) => p.items.map((i) => [i.licenseId, i.trialEndDate ?? null]));
    expect(res.sort()).toEqual(
      [
        [plain._id, null],
        [trial._id, trial.trialEndDate],
      ].sort(),
    );
    h.emu.deleteLicense(CID, trial._id);
    await h.sync();
    expect(await trialsEndingWithin(h.ledger, 30)).toEqual([]);
  });
});
