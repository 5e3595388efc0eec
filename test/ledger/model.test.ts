// Model-based test of the ledger's guarantee (fast-check commands against DynamoDB Local and the emulator over HTTP):
// after any mix of upstream changes, API writes, whole syncs, walks paused mid-listing, walks that crash, failing
// syncs and two syncs at once, one quiet complete sync leaves the ledger equal to the Partner API; every history is
// one chain; and no license is ever marked deleted while it exists upstream.
// `npm run test:model` runs many more cases (MODEL_RUNS); MODEL_SEED replays one.
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp } from '#api/app';
import { createPartnerApi, type PartnerApi } from '#celigo/client';
import { canonicalJson } from '#ledger/hash';
import { allLicenses } from '#ledger/queries';
import { createDynamoStore } from '#ledger/store/dynamo/index';
import type { LedgerStore } from '#ledger/store/port';
import { planSync, runPlan, syncConnector } from '#ledger/sync';
import { type Emulator, startEmulator } from '#local/emulator/index';
import { type Gate, gatedApi } from '../support/gate.ts';
import { expectHistoriesSound, expectLedgerEqualsUpstream } from '../support/ledger-checks.ts';
import { freshTable } from '../support/tables.ts';

/** Nested `depth` levels deep. */
const deep = (depth: number): unknown => (depth === 0 ? {} : { d: deep(depth - 1) });
/** A record DynamoDB could not hold natively: numbers past 2^53, nesting past 32 levels, unicode keys, empty objects. */
const oddRecord = (n: number) => ({
  opts: {
    connectorEdition: `odd${n % 3}`,
    addonLicenses: [
      {
        type: 'unlimited',
        seats: 2 ** 60 + n * 4096,
        licenses: [{ addOnEdition: 'ē', nested: deep(33 + (n % 5)) }],
      },
      { type: 'ключ 🔑', licenses: [], '': {}, 'a.b[0]': { '🙂': [] } },
    ],
  },
  extra: { big: 1e21 * (n + 1), deep: deep(40), empty: {} },
});

const RUNS = Number(process.env.MODEL_RUNS ?? 25);
const SEED = Number(process.env.MODEL_SEED ?? Date.now() % 2 ** 31);
const TOKEN = 'model-token-0123456789';
/** Long enough that no heartbeat fires during a case: a crashed walk's lease runs out only when the test says. */
const LEASE_MS = 600_000;

interface Walk {
  gate: Gate;
  done: Promise<unknown>;
}

interface Real {
  emu: Emulator;
  api: PartnerApi;
  ledger: LedgerStore;
  advance(ms: number): void;
  walks: Walk[];
  cids: string[];
  /** What our API last recorded per license, until something upstream changes it again. */
  apiValues: Map<string, unknown>;
}

interface Model {
  walks: number;
}

type Cmd = fc.AsyncCommand<Model, Real>;
const pick = <T>(list: T[], n: number) => list[n % list.length];
const app = (r: Real) => createApp({ ledger: r.ledger, partnerApi: () => r.api, log: () => undefined });
const call = (r: Real, method: string, path: string, json?: unknown) =>
  app(r).request(path, {
    method,
    ...(json === undefined
      ? {}
      : { body: JSON.stringify(json), headers: { 'content-type': 'application/json' } }),
  });
const sync = async (r: Real) =>
  runPlan(
    { ledger: r.ledger, api: r.api, leaseMs: LEASE_MS },
    await planSync({ ledger: r.ledger, api: r.api }),
    2,
  );

/**
 * At every point: no license deleted in the ledger while it exists upstream; and no walk replaced what our API
 * recorded with an older value (while upstream still holds what the API wrote, so does the ledger).
 */
async function invariants(r: Real) {
  for (const cid of r.cids) {
    const upstream = new Map(r.emu.licenses(cid).map((l) => [l._id, l]));
    for await (const v of allLicenses(r.ledger, { connectorId: cid, includeDeleted: true })) {
      if (v.deletedAt && upstream.has(v.id))
        throw new Error(`license ${v.id} is marked deleted but exists upstream`);
      const written = r.apiValues.get(v.id);
      if (written !== undefined && canonicalJson(upstream.get(v.id)) === canonicalJson(written)) {
        if (v.deletedAt || canonicalJson(v.raw) !== canonicalJson(written))
          throw new Error(`license ${v.id}: a walk replaced the value our API recorded with an older one`);
      }
    }
  }
}

class Upstream implements Cmd {
  constructor(
    readonly what: 'create' | 'expires' | 'edition' | 'install' | 'delete' | 'odd',
    readonly c: number,
    readonly n: number,
  ) {}
  check = () => true;
  async run(_m: Model, r: Real) {
    const cid = pick(r.cids, this.c)!;
    const list = r.emu.licenses(cid);
    const target = pick(list, this.n);
    if (target) r.apiValues.delete(target._id);
    if (this.what === 'create' || !target) r.emu.addLicense(cid);
    else if (this.what === 'delete') r.emu.deleteLicense(cid, target._id);
    else if (this.what === 'expires')
      r.emu.mutateLicense(cid, target._id, { expires: `2031-0${1 + (this.n % 9)}-15T00:00:00.000Z` });
    else if (this.what === 'edition')
      r.emu.mutateLicense(cid, target._id, { opts: { connectorEdition: `e${this.n % 3}` } } as never);
    else if (this.what === 'odd') r.emu.mutateLicense(cid, target._id, oddRecord(this.n) as never);
    else r.emu.mutateLicense(cid, target._id, { _integrationId: `int${this.n % 5}` } as never);
    await invariants(r);
  }
  toString = () => `upstream ${this.what} c${this.c} #${this.n}`;
}

class ApiWrite implements Cmd {
  constructor(
    readonly method: 'PUT' | 'POST' | 'DELETE',
    readonly c: number,
    readonly n: number,
  ) {}
  check = () => true;
  async run(_m: Model, r: Real) {
    const cid = pick(r.cids, this.c)!;
    const target = pick(r.emu.licenses(cid), this.n);
    let res: Response;
    if (this.method === 'POST' || !target) {
      const email = r.emu.licenses(r.cids[0]!)[0]?.user.email ?? 'model.user@example.com';
      r.emu.addUser(email);
      res = await call(r, 'POST', `/connectors/${cid}/licenses`, { email, expires: '2030-05-05', opts: {} });
    } else if (this.method === 'PUT') {
      res = await call(r, 'PUT', `/connectors/${cid}/licenses/${target._id}`, {
        expires: `2032-0${1 + (this.n % 9)}-01`,
      });
    } else {
      res = await call(r, 'DELETE', `/connectors/${cid}/licenses/${target._id}`);
    }
    if (res.status >= 300) throw new Error(`${this.method} answered ${res.status}: ${await res.text()}`);
    if (this.method !== 'DELETE' && target !== undefined) r.apiValues.delete(target._id);
    if (res.status === 200 || res.status === 201) {
      const view = (await res.json()) as { id: string; raw: unknown; deletedAt?: string };
      if (view.deletedAt) r.apiValues.delete(view.id);
      else r.apiValues.set(view.id, view.raw);
    }
    await invariants(r);
  }
  toString = () => `api ${this.method} c${this.c} #${this.n}`;
}

class Sync implements Cmd {
  constructor(
    readonly kind: 'whole' | 'twoAtOnce' | 'failing',
    readonly afterPages: number,
    readonly c: number,
  ) {}
  check = () => true;
  async run(_m: Model, r: Real) {
    if (this.kind === 'whole') await sync(r);
    else if (this.kind === 'twoAtOnce') await Promise.all([sync(r), sync(r)]);
    else {
      // A sync whose walk of one connector fails after some pages (a 500 that does not go away).
      r.emu.failConnector(pick(r.cids, this.c)!, { afterPages: this.afterPages, status: 500 });
      await sync(r);
      r.emu.clearFailures();
    }
    await invariants(r);
  }
  toString = () =>
    `sync ${this.kind}${this.kind === 'failing' ? ` c${this.c} after ${this.afterPages}` : ''}`;
}

/** Starts a walk of one connector that stops when its `holdFrom`-th listing result is on its way. */
class StartWalk implements Cmd {
  constructor(
    readonly c: number,
    readonly holdFrom: number,
  ) {}
  check = (m: Readonly<Model>) => m.walks < 3;
  async run(m: Model, r: Real) {
    const cid = pick(r.cids, this.c)!;
    const unit = (await planSync({ ledger: r.ledger, api: r.api })).units.find((u) => u.connectorId === cid)!;
    const gate = gatedApi(r.api, this.holdFrom);
    const done = syncConnector({ ledger: r.ledger, api: gate.api, leaseMs: LEASE_MS }, unit);
    r.walks.push({ gate, done });
    m.walks++;
    await Promise.race([gate.fetched(this.holdFrom), done]);
    await invariants(r);
  }
  toString = () => `start walk c${this.c} holding from ${this.holdFrom}`;
}

/** Lets a paused walk go on to its end. */
class ReleaseWalk implements Cmd {
  constructor(readonly i: number) {}
  check = (m: Readonly<Model>) => m.walks > 0;
  async run(m: Model, r: Real) {
    const [walk] = r.walks.splice(this.i % r.walks.length, 1);
    m.walks--;
    walk!.gate.open();
    await walk!.done;
    await invariants(r);
  }
  toString = () => `release walk ${this.i}`;
}

/**
 * A race at a pause point: a walk is held at its `point`-th pause point (after a fetch, before a compare, between
 * compare and write, between pages, before the deletion pass, before a META transition); meanwhile something
 * changes; then the walk goes on.
 */
class PauseRace implements Cmd {
  constructor(
    readonly c: number,
    readonly point: number,
    readonly meanwhile: Cmd,
  ) {}
  check = () => true;
  async run(m: Model, r: Real) {
    const cid = pick(r.cids, this.c)!;
    const unit = (await planSync({ ledger: r.ledger, api: r.api })).units.find((u) => u.connectorId === cid)!;
    let n = 0;
    let reached!: () => void;
    let release!: () => void;
    const atPoint = new Promise<void>((resolve) => {
      reached = resolve;
    });
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const pauses = {
      at: async () => {
        if (++n !== this.point) return;
        reached();
        await held;
      },
    };
    const done = syncConnector({ ledger: r.ledger, api: r.api, leaseMs: LEASE_MS, pauses }, unit);
    await Promise.race([atPoint, done]);
    await this.meanwhile.run(m, r);
    release();
    await done;
    await invariants(r);
  }
  toString = () => `pause c${this.c} at point ${this.point}: ${this.meanwhile}`;
}

/** A paused walk's process dies: it never goes on, and its lease runs out. */
class CrashWalk implements Cmd {
  constructor(readonly i: number) {}
  check = (m: Readonly<Model>) => m.walks > 0;
  async run(m: Model, r: Real) {
    r.walks.splice(this.i % r.walks.length, 1);
    m.walks--;
    r.advance(LEASE_MS + 1);
  }
  toString = () => `crash walk ${this.i}`;
}

/**
 * A race, in one step: a walk of a connector is paused once its `hold`-th listing result is on its way; meanwhile
 * something changes (upstream or through our API); then the walk goes on. With `touch`, a record on page one
 * changes first, so the walk compares pages instead of skipping them.
 */
class Race implements Cmd {
  constructor(
    readonly c: number,
    readonly hold: number,
    readonly touch: boolean,
    readonly meanwhile: Cmd,
  ) {}
  check = () => true;
  async run(m: Model, r: Real) {
    const cid = pick(r.cids, this.c)!;
    const first = r.emu.licenses(cid)[0];
    if (this.touch && first) {
      r.emu.mutateLicense(cid, first._id, { opts: { connectorEdition: `touched${this.hold}` } } as never);
      r.apiValues.delete(first._id);
    }
    const unit = (await planSync({ ledger: r.ledger, api: r.api })).units.find((u) => u.connectorId === cid)!;
    const gate = gatedApi(r.api, this.hold);
    const done = syncConnector({ ledger: r.ledger, api: gate.api, leaseMs: LEASE_MS }, unit);
    await Promise.race([gate.fetched(this.hold), done]);
    await this.meanwhile.run(m, r);
    gate.open();
    await done;
    await invariants(r);
  }
  toString = () => `race c${this.c} hold ${this.hold}${this.touch ? ' touched' : ''}: ${this.meanwhile}`;
}

const upstream = fc
  .tuple(
    fc.constantFrom('create', 'expires', 'edition', 'install', 'delete', 'odd' as const),
    fc.nat(3),
    fc.nat(40),
  )
  .map(([what, c, n]) => new Upstream(what as Upstream['what'], c, n));
const apiWrite = fc
  .tuple(fc.constantFrom('PUT', 'POST', 'DELETE' as const), fc.nat(3), fc.nat(40))
  .map(([m, c, n]) => new ApiWrite(m, c, n));
const syncs = fc
  .tuple(fc.constantFrom('whole', 'twoAtOnce', 'failing' as const), fc.integer({ min: 1, max: 3 }), fc.nat(3))
  .map(([kind, after, c]) => new Sync(kind, after, c));
const startWalk = fc
  .tuple(fc.nat(3), fc.integer({ min: 1, max: 4 }))
  .map(([c, hold]) => new StartWalk(c, hold));
const releaseWalk = fc.nat(5).map((i) => new ReleaseWalk(i));
/** The same change, on connector `c`. */
const on = (c: number, cmd: Upstream | ApiWrite) =>
  cmd instanceof Upstream ? new Upstream(cmd.what, c, cmd.n) : new ApiWrite(cmd.method, c, cmd.n);
const race = fc
  .tuple(fc.nat(3), fc.integer({ min: 1, max: 3 }), fc.boolean(), fc.oneof(upstream, apiWrite))
  .map(([c, hold, touch, meanwhile]) => new Race(c, hold, touch, on(c, meanwhile)));
const pauseRace = fc
  .tuple(fc.nat(3), fc.integer({ min: 1, max: 20 }), fc.oneof(upstream, apiWrite))
  .map(([c, point, meanwhile]) => new PauseRace(c, point, on(c, meanwhile)));
// Weighted towards what races: writes and changes while a walk is paused half-way through a listing.
const commands = [
  race,
  pauseRace,
  pauseRace,
  race,
  race,
  upstream,
  upstream,
  upstream,
  apiWrite,
  apiWrite,
  syncs,
  startWalk,
  startWalk,
  releaseWalk,
  releaseWalk,
  fc.nat(5).map((i) => new CrashWalk(i)),
];

/** The guarantee, checked after every remaining walk crashed and one quiet complete sync. */
async function quietSyncThenCheck(r: Real) {
  if (r.walks.length > 0) r.advance(LEASE_MS + 1);
  r.walks.length = 0;
  r.emu.clearFailures();
  const runs = await sync(r);
  expect(runs.map((run) => run.status)).toEqual(runs.map(() => 'completed'));
  for (const cid of r.cids) {
    await expectLedgerEqualsUpstream(r.ledger, r.emu, cid);
    await expectHistoriesSound(r.ledger, cid);
  }
  await invariants(r);
}

const opened: Emulator[] = [];
afterAll(async () => {
  for (const emu of opened) await emu.close();
});

describe('the ledger against the Partner API, as a model', () => {
  it(`equals the Partner API after a quiet complete sync, whatever came before (seed ${SEED}, ${RUNS} runs)`, async () => {
    process.stderr.write(`model test: seed ${SEED}, ${RUNS} runs (MODEL_SEED=${SEED} replays them)\n`);
    await fc.assert(
      fc.asyncProperty(fc.commands(commands, { maxCommands: 20 }), async (cmds) => {
        const emu = await startEmulator({
          token: TOKEN,
          dataSet: { connectors: 2, licensesPerConnector: 5 },
        });
        opened.push(emu);
        const { client, tableName } = await freshTable('model');
        let clock = Date.now();
        const ledger = createDynamoStore(client, tableName, {
          now: () => {
            clock += 1;
            return new Date(clock);
          },
        });
        const api = createPartnerApi({
          apiUrl: emu.url,
          token: TOKEN,
          pageSize: 3,
          retries: 0,
          backoffMs: 1,
        });
        const real: Real = {
          emu,
          api,
          ledger,
          advance: (ms) => {
            clock += ms;
          },
          walks: [],
          cids: emu.connectors().map((c) => c._id),
          apiValues: new Map(),
        };
        try {
          await sync(real); // a ledger with a history, so walks have something to compare and to delete
          await fc.asyncModelRun(() => ({ model: { walks: 0 }, real }), cmds);
          await quietSyncThenCheck(real);
        } finally {
          // Crashed walks stay paused forever; let them go so nothing keeps the process busy.
          for (const walk of real.walks) walk.gate.open();
          await emu.close();
        }
      }),
      { numRuns: RUNS, seed: SEED, verbose: 1, endOnFailure: true },
    );
  }, 600_000);
});
