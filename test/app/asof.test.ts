// As-of reads against DynamoDB Local: random histories written through the ledger's write path, then every as-of
// answer (a license, a connector's list, a customer) compared with a replay of the history at random instants.
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { connectorLicensesAsOf, customerLicensesAsOf, licenseAsOf } from '#app/asof';
import { recordOutsideWalk } from '#ledger/snapshot';
import { createDynamoStore } from '#ledger/store/dynamo/index';
import type { LedgerStore } from '#ledger/store/port';
import { type Meter, meter } from '#local/store/meter';
import { freshTable } from '../support/tables.ts';

const SEED = Number(process.env.ASOF_SEED ?? Date.now() % 2 ** 31);
const RUNS = Number(process.env.ASOF_RUNS ?? 12);
const START = Date.parse('2026-01-01T00:00:00.000Z');
const MINUTE = 60_000;
const DOMAINS = ['acme.example', 'globex.example'] as const;

let ledger: LedgerStore;
let m: Meter;
let clock = START;

beforeAll(async () => {
  const { client, tableName } = await freshTable('asof');
  m = meter(client);
  ledger = createDynamoStore(client, tableName, { now: () => new Date(clock) });
});

/** A write through our API, as the ledger records it. */
const rec = (connectorId: string, licenseId: string, raw: Record<string, unknown> | undefined) =>
  recordOutsideWalk(ledger, { connectorId, licenseId, account: 'default', raw });

const hexId = () => randomBytes(12).toString('hex');

/** One write: a license (by index) put with these contents, or deleted. */
const event = fc.record({
  gapMinutes: fc.integer({ min: 1, max: 3 * 24 * 60 }),
  license: fc.integer({ min: 0, max: 4 }),
  op: fc.oneof(
    fc.record({
      kind: fc.constant('put' as const),
      expiresDays: fc.integer({ min: -30, max: 400 }),
      installed: fc.boolean(),
      user: fc.integer({ min: 0, max: 2 }),
      domain: fc.integer({ min: 0, max: 1 }),
    }),
    fc.constant({ kind: 'delete' as const }),
  ),
});

interface Recorded {
  at: string;
  raw: Record<string, unknown>;
  deleted: boolean;
}

/** The replay: each license's recorded versions, oldest first, as the ledger decides them (no-op writes skipped). */
function replayAt(history: Recorded[], at: string): Recorded | undefined {
  return history.filter((v) => v.at <= at).at(-1);
}

const emailDomain = (raw: Record<string, unknown>) =>
  ((raw.user as { email?: string } | undefined)?.email ?? '').split('@')[1];

describe('as of a moment', () => {
  it(`answers what a replay of the history says, at random instants (seed ${SEED}, ${RUNS} runs)`, async () => {
    process.stderr.write(`as-of property: seed ${SEED}, ${RUNS} runs (ASOF_SEED=${SEED} replays them)\n`);
    await fc.assert(
      fc.asyncProperty(
        fc.array(event, { minLength: 1, maxLength: 24 }),
        fc.array(fc.double({ min: -0.1, max: 1.1, noNaN: true }), { minLength: 4, maxLength: 8 }),
        async (events, fractions) => {
          const connectors = [hexId(), hexId()];
          const licenses = Array.from({ length: 5 }, (_, i) => ({
            id: hexId(),
            connectorId: connectors[i % 2]!,
          }));
          const histories = licenses.map(() => [] as Recorded[]);
          const first = clock + MINUTE;
          for (const e of events) {
            clock += e.gapMinutes * MINUTE;
            const lic = licenses[e.license]!;
            const history = histories[e.license]!;
            const last = history.at(-1);
            const at = new Date(clock).toISOString();
            if (e.op.kind === 'delete') {
              await rec(lic.connectorId, lic.id, undefined);
              if (last && !last.deleted) history.push({ at, raw: last.raw, deleted: true });
              continue;
            }
            const raw = {
              _id: lic.id,
              expires: new Date(clock + e.op.expiresDays * 86_400_000).toISOString(),
              created: new Date(first).toISOString(),
              user: {
                email: `user${e.op.user}@${DOMAINS[e.op.domain]}`,
                ...(e.op.installed ? { _id: `u-${lic.id}` } : {}),
              },
              ...(e.op.installed ? { _integrationId: `i-${lic.id}` } : {}),
              opts: { connectorEdition: 'standard' },
            };
            await rec(lic.connectorId, lic.id, raw);
            if (!last || last.deleted || JSON.stringify(last.raw) !== JSON.stringify(raw))
              history.push({ at, raw, deleted: false });
          }
          const end = clock;
          // Past every instant asked (up to a tenth of the span after the last write): none is in the future.
          clock += Math.ceil((end - first) * 0.2) + 60 * MINUTE;
          for (const f of fractions) {
            const asOf = new Date(Math.round(first + f * (end - first))).toISOString();
            const then = histories.map((h) => replayAt(h, asOf));
            // One license.
            for (const [i, lic] of licenses.entries()) {
              const expected = then[i];
              if (!expected) {
                await expect(licenseAsOf(ledger, lic.id, asOf)).rejects.toMatchObject({ code: 'not_found' });
                continue;
              }
              const view = await licenseAsOf(ledger, lic.id, asOf);
              expect(view.raw).toEqual(expected.raw);
              expect(Boolean(view.deletedAt), `${lic.id} deleted at ${asOf}`).toBe(expected.deleted);
              expect(view.firstSeenAt).toBe(histories[i]![0]!.at);
            }
            // A connector's list, live only and with the deleted.
            for (const cid of connectors) {
              for (const includeDeleted of [false, true]) {
                const page = await connectorLicensesAsOf(ledger, cid, asOf, { includeDeleted });
                const want = licenses
                  .map((l, i) => ({ l, v: then[i] }))
                  .filter(({ l, v }) => l.connectorId === cid && v && (includeDeleted || !v.deleted))
                  .map(({ l, v }) => ({ id: l.id, raw: v!.raw }))
                  .sort((a, b) => a.id.localeCompare(b.id));
                expect(page.items.map((x) => ({ id: x.id, raw: x.raw }))).toEqual(want);
              }
            }
            // A customer by domain: licenses of that domain now (the index holds today's addresses) and then.
            for (const domain of DOMAINS) {
              const page = await customerLicensesAsOf(ledger, { domain }, asOf, { limit: 1000 });
              const want = licenses
                .filter((_, i) => {
                  const v = then[i];
                  const now = histories[i]!.at(-1);
                  return v && !v.deleted && emailDomain(v.raw) === domain && emailDomain(now!.raw) === domain;
                })
                .map((l) => l.id)
                .sort();
              // Earlier runs wrote to the same domains: this run's licenses only.
              const mine = new Set(licenses.map((l) => l.id));
              expect(
                page.items
                  .map((x) => x.id)
                  .filter((id) => mine.has(id))
                  .sort(),
              ).toEqual(want);
            }
          }
        },
      ),
      { numRuns: RUNS, seed: SEED, verbose: 1, endOnFailure: true },
    );
  }, 300_000);

  it('reads no version of a license unchanged since the moment asked', async () => {
    const cid = hexId();
    const ids = [hexId(), hexId(), hexId()];
    clock += MINUTE;
    for (const id of ids) await rec(cid, id, { _id: id, expires: '2027-01-01T00:00:00.000Z', opts: {} });
    clock += MINUTE;
    const asOf = new Date(clock).toISOString();
    clock += MINUTE;
    await rec(cid, ids[0]!, {
      _id: ids[0],
      expires: '2028-01-01T00:00:00.000Z',
      opts: {},
    });
    m.reset();
    const page = await connectorLicensesAsOf(ledger, cid, asOf);
    expect(page.items.map((l) => l.expires)).toEqual(ids.map(() => '2027-01-01T00:00:00.000Z'));
    // The list itself, and the one changed license's versions.
    expect(m.calls).toEqual({ Query: 2 });
  });

  it('judges the expiry on the day asked, not today', async () => {
    const cid = hexId();
    const id = hexId();
    clock += MINUTE;
    const created = clock;
    await rec(cid, id, {
      _id: id,
      expires: new Date(created + 10 * 86_400_000).toISOString(),
      opts: {},
    });
    clock += 40 * 86_400_000;
    const then = await licenseAsOf(ledger, id, new Date(created + 86_400_000).toISOString());
    expect(then).toMatchObject({ daysToExpiry: 9, expiry: 'expiring' });
    const later = await licenseAsOf(ledger, id, new Date(created + 20 * 86_400_000).toISOString());
    expect(later).toMatchObject({ daysToExpiry: -10, expiry: 'expired' });
  });
});
