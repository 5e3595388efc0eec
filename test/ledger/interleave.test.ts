// Deterministic interleavings (issue 20): a walk held at each of its pause points in turn, and one thing done there
// (an API PUT, POST or DELETE, an upstream change or delete, a second walk, a crash), on a one-page and a three-page
// connector; then the change undone upstream where it can be, and quiet syncs. After the first quiet sync the ledger
// is the Partner API and every history one chain with no stale version after a newer one; the second quiet sync
// skips every page and reads and writes O(1) items. `npm run test:interleave` (INTERLEAVE_WIDE=1) runs every pause
// point with every injection, with and without a change on each page; `npm test` runs a rotation of them.
import pLimit from 'p-limit';
import { describe, expect, it } from 'vitest';
import { createApp } from '#api/app';
import { planSync, runPlan, syncConnector } from '#ledger/sync';
import type { PauseAt, PausePoint } from '#ledger/walk';
import type { LicenseRecord } from '#local/emulator/index';
import { expectHistoriesSound, expectLedgerEqualsUpstream } from '../support/ledger-checks.ts';
import { type Harness, harness } from '../support/ledger-harness.ts';

const WIDE = process.env.INTERLEAVE_WIDE === '1';
const LEASE_MS = 600_000;
const INJECTIONS = [
  'apiPut',
  'apiPost',
  'apiDelete',
  'upstreamChange',
  'upstreamDelete',
  'secondWalk',
  'crash',
] as const;
type Injection = (typeof INJECTIONS)[number];
const SHAPES = [
  { name: 'one page', licenses: 4, pageSize: 10 },
  { name: 'three pages', licenses: 9, pageSize: 3 },
];

interface Outcome {
  hit?: { point: PausePoint; where: PauseAt };
  quiet: { pages: number; unchanged: number; read: number; written: number };
}

const send = (h: Harness, method: string, path: string, json?: unknown) =>
  createApp({ ledger: h.ledger, partnerApi: () => h.api, log: () => undefined }).request(path, {
    method,
    ...(json === undefined
      ? {}
      : { body: JSON.stringify(json), headers: { 'content-type': 'application/json' } }),
  });

/**
 * A harness of this shape, synced once, its connector's id and the next walk's unit. Touched: a change on every page
 * since, so the walk compares each page rather than skipping it.
 */
async function prepared(shape: (typeof SHAPES)[number], touched: boolean) {
  const h = await harness({
    pageSize: shape.pageSize,
    dataSet: { connectors: 1, licensesPerConnector: shape.licenses },
  });
  try {
    await h.sync();
    const cid = h.emu.connectors()[0]!._id;
    if (touched)
      h.emu.licenses(cid).forEach((l, i) => {
        if (i % shape.pageSize === 0)
          h.emu.mutateLicense(cid, l._id, { opts: { connectorEdition: `touched${i}` } } as never);
      });
    const unit = (await planSync({ ledger: h.ledger, api: h.api })).units[0]!;
    return { h, cid, unit };
  } catch (error) {
    await h.close();
    throw error;
  }
}

/** One scenario: the walk held at its `target`-th pause point, `injection` done there. Undefined: fewer points. */
async function scenario(
  shape: (typeof SHAPES)[number],
  touched: boolean,
  target: number,
  injection: Injection,
): Promise<Outcome | undefined> {
  const { h, cid, unit } = await prepared(shape, touched);
  try {
    let seen = 0;
    let undo = () => undefined as unknown;
    let hit: Outcome['hit'];
    const onPage = (where: PauseAt): LicenseRecord => {
      const list = h.emu.licenses(cid);
      return list[Math.min(list.length - 1, (where.page ?? 0) * shape.pageSize + 1)]!;
    };
    const inject = async (where: PauseAt) => {
      const target = onPage(where);
      switch (injection) {
        case 'apiPut': {
          const res = await send(h, 'PUT', `/connectors/${cid}/licenses/${target._id}`, {
            expires: '2033-03-03',
          });
          expect(res.status).toBe(200);
          undo = () => h.emu.mutateLicense(cid, target._id, { expires: target.expires }); // set back in Celigo
          return;
        }
        case 'apiPost': {
          const res = await send(h, 'POST', `/connectors/${cid}/licenses`, {
            email: target.user.email,
            expires: '2030-01-01',
            opts: {},
          });
          expect(res.status).toBe(201);
          const { id } = (await res.json()) as { id: string };
          undo = () => h.emu.deleteLicense(cid, id);
          return;
        }
        case 'apiDelete':
          expect((await send(h, 'DELETE', `/connectors/${cid}/licenses/${target._id}`)).status).toBe(200);
          return;
        case 'upstreamChange':
          h.emu.mutateLicense(cid, target._id, { expires: '2034-04-04T00:00:00.000Z' });
          undo = () => h.emu.mutateLicense(cid, target._id, { expires: target.expires });
          return;
        case 'upstreamDelete':
          h.emu.deleteLicense(cid, target._id);
          return;
        case 'secondWalk': {
          const second = await syncConnector({ ledger: h.ledger, api: h.api, leaseMs: LEASE_MS }, unit);
          // Before the first walk took the lease, the second one walks; after, it stands down.
          expect(second.status).toBe(where.transition === 'beginWalk' ? 'completed' : 'skipped');
          return;
        }
        case 'crash':
          return;
      }
    };
    let held = () => undefined as unknown;
    const crashed = new Promise<'held'>((r) => {
      held = () => r('held');
    });
    const pauses = {
      async at(point: PausePoint, where: PauseAt) {
        if (++seen !== target) return;
        hit = { point, where };
        await inject(where);
        if (injection === 'crash') {
          held();
          await new Promise<never>(() => undefined); // the process died here
        }
      },
    };
    const walk = syncConnector({ ledger: h.ledger, api: h.api, leaseMs: LEASE_MS, pauses }, unit);
    if (injection === 'crash') {
      // Held at the target, or ended before reaching it.
      if ((await Promise.race([walk, crashed])) !== 'held') return undefined;
      h.advance(LEASE_MS + 1); // its lease runs out
    } else {
      await walk;
      if (!hit) return undefined;
    }
    undo();
    await h.sync(); // the first quiet sync
    await expectLedgerEqualsUpstream(h.ledger, h.emu, cid);
    await expectHistoriesSound(h.ledger, cid);
    // The second, its walk metered (the plan's reads are per run, not per connector).
    const plan = await planSync({ ledger: h.ledger, api: h.api });
    h.meter.reset();
    const [run] = await runPlan({ ledger: h.ledger, api: h.api }, plan);
    const quiet = {
      pages: run!.pages,
      unchanged: run!.pagesUnchanged,
      read: h.meter.read,
      written: h.meter.written,
    };
    await expectLedgerEqualsUpstream(h.ledger, h.emu, cid);
    return { hit, quiet };
  } finally {
    await h.close();
  }
}

/** How many pause points a walk of this shape passes (a scenario that injects nothing, counting). */
async function countPoints(shape: (typeof SHAPES)[number], touched: boolean): Promise<number> {
  const { h, unit } = await prepared(shape, touched);
  try {
    let points = 0;
    const pauses = { at: async () => void points++ };
    expect((await syncConnector({ ledger: h.ledger, api: h.api, pauses }, unit)).status).toBe('completed');
    return points;
  } finally {
    await h.close();
  }
}

describe('a walk held at each pause point, with one thing done there', () => {
  for (const shape of SHAPES) {
    for (const touched of WIDE ? [true, false] : [true]) {
      it(`${shape.name}${touched ? ', every page changed' : ', nothing changed'}`, async () => {
        const points = await countPoints(shape, touched);
        const limit = pLimit(4);
        const results: { target: number; injection: Injection; outcome: Outcome }[] = [];
        // Every pause point; each with every injection (wide) or with one, rotating (so each injection meets each
        // kind of point across the shapes).
        const runs: [number, Injection][] = [];
        const only = process.env.INTERLEAVE_ONLY?.split(':');
        for (let target = 1; target <= points; target++)
          if (!only || Number(only[1]) === target)
            for (const injection of WIDE ? INJECTIONS : [INJECTIONS[(target - 1) % INJECTIONS.length]!])
              if (!only || only[0] === injection) runs.push([target, injection]);
        await Promise.all(
          runs.map(([target, injection]) =>
            limit(async () => {
              const outcome = await scenario(shape, touched, target, injection);
              expect(outcome, `${injection} at #${target}`).toBeDefined();
              results.push({ target, injection, outcome: outcome! });
            }),
          ),
        );
        expect(points).toBeGreaterThan(3);
        for (const { target, injection, outcome } of results) {
          const label = `${injection} at #${target} ${outcome.hit!.point} ${JSON.stringify(outcome.hit!.where)} ${JSON.stringify(outcome.quiet)}`;
          expect(outcome.quiet.unchanged, label).toBe(outcome.quiet.pages);
          // The walk: its lease taken and given back on META, the run recorded (read, then written with its
          // summary): no license read or written.
          expect(outcome.quiet.read, label).toBeLessThanOrEqual(1);
          expect(outcome.quiet.written, label).toBeLessThanOrEqual(4);
        }
        process.stderr.write(
          `interleavings (${shape.name}): ${results.length} scenarios over ${points} pause points; quiet sync cost ` +
            `${JSON.stringify(results[0]?.outcome.quiet)}\n`,
        );
      }, 600_000);
    }
  }
});
