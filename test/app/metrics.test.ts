// Monthly figures against DynamoDB Local: syncs over four months (a baseline, renewals, installs, deletions, new
// licenses) and versions carrying the trial kinds, compared with a naive count over every version of every license.
import { beforeAll, describe, expect, it } from 'vitest';
import { type MonthlyFigures, monthlyMetrics } from '#app/metrics';
import { listConnectors } from '#ledger/queries';
import type { ChangeItemKind } from '#ledger/schemas';
import type { StoredLicense, StoredVersion } from '#ledger/store/records';
import { licenseFacts } from '#ledger/view';
import { type Harness, harness } from '../support/ledger-harness.ts';

const DAY = 86_400_000;
let clock = Date.parse('2026-03-10T09:00:00.000Z');
let h: Harness;
let connectors: string[];

const plus = (iso: string, days: number) => new Date(Date.parse(iso) + days * DAY).toISOString();

/** A version that says what the trials work will record, written as it will write it (kind by name). */
async function writeKind(cid: string, lid: string, kind: string, patch: Record<string, unknown>) {
  const current = (await h.ledger.currentLicense(cid, lid))!;
  const raw = { ...JSON.parse(current.rawJson), ...patch };
  const result = await h.ledger.writeLicenses([
    {
      connectorId: cid,
      licenseId: lid,
      account: current.account,
      change: 'updated',
      kind: kind as ChangeItemKind,
      baseline: false,
      rev: current.rev + 1,
      expectedRev: current.rev,
      facts: licenseFacts(cid, raw),
      rawJson: JSON.stringify(raw),
      hash: `${current.hash}-${kind}`,
      changes: Object.keys(patch),
      firstSeenAt: current.firstSeenAt,
      observedAt: new Date(clock++).toISOString(),
    },
  ]);
  expect(result).toEqual(['written']);
}

/** Every license ever recorded, with all its versions: what the figures must not need, read here to check them. */
async function everything(filter: { connectorId?: string }) {
  const out: { current: StoredLicense; versions: StoredVersion[] }[] = [];
  for (const cid of connectors.filter((c) => !filter.connectorId || c === filter.connectorId)) {
    const page = await h.ledger.listLicenses(cid, { includeDeleted: true, limit: 1000 });
    for (const current of page.items) {
      const versions = (await h.ledger.licenseVersions(current.licenseId, { limit: 1000 })).items.reverse();
      out.push({ current, versions });
    }
  }
  return out;
}

function naive(all: Awaited<ReturnType<typeof everything>>, months: string[], now: string): MonthlyFigures[] {
  return months.map((month) => {
    const next = new Date(Date.parse(`${month}-01T00:00:00.000Z`));
    next.setUTCMonth(next.getUTCMonth() + 1);
    const end = next.toISOString() < now ? new Date(next.getTime() - 1).toISOString() : now;
    const kinds = (k: string) =>
      all
        .flatMap((l) => l.versions)
        .filter((v) => v.observedAt.startsWith(month) && (v as unknown as { kind: string }).kind === k)
        .length;
    const live = all.filter((l) => {
      const then = l.versions.filter((v) => v.observedAt <= end).at(-1);
      return then && then.change !== 'deleted';
    }).length;
    const expired = all.filter(
      (l) => !l.current.deletedAt && l.current.expires?.startsWith(month) && l.current.expires <= now,
    ).length;
    const renewed = kinds('renewed');
    return {
      month,
      live,
      created: kinds('created'),
      renewed,
      expired,
      installed: kinds('installed'),
      deleted: kinds('deleted'),
      trialsStarted: kinds('trial-started'),
      converted: kinds('converted'),
      renewalRate: renewed + expired ? renewed / (renewed + expired) : null,
    };
  });
}

beforeAll(async () => {
  h = await harness({
    dataSet: { connectors: 2, licensesPerConnector: 40 },
    now: () => new Date(clock++),
  });
  connectors = h.emu.connectors().map((c) => c._id);
  const [c0, c1] = connectors as [string, string];
  await h.sync(); // March: the baseline
  clock = Date.parse('2026-04-05T10:00:00.000Z');
  const l0 = h.emu.licenses(c0);
  for (const l of l0.slice(0, 3)) h.emu.mutateLicense(c0, l._id, { expires: plus(l.expires, 365) });
  h.emu.deleteLicense(c0, l0[3]!._id);
  h.emu.deleteLicense(c1, h.emu.licenses(c1)[0]!._id);
  h.emu.addLicense(c0);
  h.emu.addLicense(c1);
  await h.sync();
  clock = Date.parse('2026-05-20T10:00:00.000Z');
  const pending = h.emu.licenses(c1).find((l) => !l.user._id)!;
  h.emu.mutateLicense(c1, pending._id, {
    user: { _id: 'u-9', name: 'Now Installed' },
    _integrationId: 'i-9',
  });
  h.emu.deleteLicense(c1, h.emu.licenses(c1)[1]!._id);
  const l1 = h.emu.licenses(c1)[2]!;
  h.emu.mutateLicense(c1, l1._id, { expires: plus(l1.expires, 30) });
  await h.sync();
  clock = Date.parse('2026-06-15T10:00:00.000Z');
  const [t0, t1] = h.emu.licenses(c0).slice(5, 7);
  await writeKind(c0, t0!._id, 'trial-started', { trialEndDate: '2026-07-01T00:00:00.000Z' });
  await writeKind(c0, t1!._id, 'converted', { trialEndDate: undefined });
  clock = Date.parse('2026-07-20T10:00:00.000Z');
}, 120_000);

describe('monthly figures', () => {
  it('equal a naive count over every version, month by month, for the whole ledger and one connector', async () => {
    for (const connectorId of [undefined, connectors[1]]) {
      const figures = await monthlyMetrics(h.ledger, { months: 6, connectorId });
      const now = new Date(clock).toISOString();
      expect(figures.map((f) => f.month)).toEqual([
        '2026-02',
        '2026-03',
        '2026-04',
        '2026-05',
        '2026-06',
        '2026-07',
      ]);
      expect(figures).toEqual(
        naive(
          await everything({ connectorId }),
          figures.map((f) => f.month),
          now,
        ),
      );
    }
  });

  it('counts what happened: the baseline as created, renewals, deletions, an install, trial kinds by name', async () => {
    const byMonth = Object.fromEntries(
      (await monthlyMetrics(h.ledger, { months: 5 })).map((f) => [f.month, f]),
    );
    expect(byMonth['2026-03']).toMatchObject({ created: 80, live: 80, deleted: 0 });
    expect(byMonth['2026-04']).toMatchObject({ created: 2, deleted: 2, live: 80 });
    expect(byMonth['2026-04']!.renewed).toBeGreaterThanOrEqual(3);
    expect(byMonth['2026-05']).toMatchObject({ installed: 1, deleted: 1, live: 79 });
    expect(byMonth['2026-06']).toMatchObject({ trialsStarted: 1, converted: 1 });
    const live = (await listConnectors(h.ledger)).reduce((n, c) => n + c.licenses, 0);
    expect(byMonth['2026-07']!.live).toBe(live);
  });

  it('refuses a months out of range, and an unknown connector', async () => {
    await expect(monthlyMetrics(h.ledger, { months: 0 })).rejects.toMatchObject({ field: 'months' });
    await expect(monthlyMetrics(h.ledger, { months: 121 })).rejects.toMatchObject({ field: 'months' });
    await expect(monthlyMetrics(h.ledger, { connectorId: 'ffffffffffffffffffffffff' })).rejects.toMatchObject(
      {
        code: 'not_found',
      },
    );
  });
});
