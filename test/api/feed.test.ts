// GET /changes/feed under load: a poller over HTTP while syncs of two accounts and API writes run at once, against
// DynamoDB Local and the emulator; the union of what it polled is the ledger's history, nothing missed or repeated.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '#api/app';
import { createPartnerApi } from '#celigo/client';
import { feedPage } from '#ledger/feed';
import { createDynamoStore } from '#ledger/store/dynamo/index';
import { planSync, runPlan } from '#ledger/sync';
import { type Emulator, startEmulator } from '#local/emulator/index';
import { type ServedApp, serveApp } from '#local/serve/server';
import { freshTable } from '../support/tables.ts';

const US = 'feed-us-token';
const EU = 'feed-eu-token';
const SETTLE_MS = 3_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let emu: Emulator;
let server: ServedApp;
let ledger: ReturnType<typeof createDynamoStore>;
let clients: Record<string, ReturnType<typeof createPartnerApi>>;

beforeAll(async () => {
  emu = await startEmulator({
    token: US,
    dataSet: { connectors: 2, licensesPerConnector: 40 },
    accounts: [{ token: EU, dataSet: { connectors: 1, licensesPerConnector: 30 } }],
    latencyMs: 15,
  });
  const { client, tableName } = await freshTable('feed-api');
  // The real clock: what the settle window bounds is real time in flight.
  ledger = createDynamoStore(client, tableName);
  const opts = { apiUrl: emu.url, pageSize: 10, backoffMs: 5, retries: 2, timeoutMs: 10_000 };
  clients = { us: createPartnerApi({ ...opts, token: US }), eu: createPartnerApi({ ...opts, token: EU }) };
  const app = createApp({
    ledger,
    partnerApi: (account) => clients[account]!,
    accounts: ['us', 'eu'],
    config: { feedSettleMs: SETTLE_MS },
    log: () => undefined,
  });
  server = await serveApp(app, { port: 0 });
});
afterAll(async () => {
  await server?.close();
  await emu?.close();
});

// biome-ignore lint/suspicious/noExplicitAny: JSON bodies, checked by the schemas where it matters
const get = async (path: string): Promise<any> => {
  const res = await fetch(`${server.url}${path}`);
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res.json();
};

const sync = async () => {
  const accounts = ['us', 'eu'].map((name) => ({ name, api: () => clients[name]! }));
  const plan = await planSync({ ledger, accounts });
  await runPlan({ ledger, api: (account) => clients[account]! }, plan, 3);
};

const plusDays = (iso: string, days: number) => new Date(Date.parse(iso) + days * 86_400_000).toISOString();

describe('GET /changes/feed', () => {
  it('starts now with no items, then a poller following the cursor sees every version once, in commit order', async () => {
    const first = feedPage.parse(await get('/changes/feed'));
    expect(first.items).toEqual([]);

    const polled: ReturnType<typeof feedPage.parse>['items'] = [];
    let cursor = first.cursor;
    let polling = true;
    const poll = async () => {
      const page = feedPage.parse(await get(`/changes/feed?cursor=${encodeURIComponent(cursor)}&limit=25`));
      cursor = page.cursor;
      polled.push(...page.items);
      return page.items.length;
    };
    const poller = (async () => {
      while (polling) {
        await poll();
        await sleep(40);
      }
    })();

    const upstream = [emu, emu.account(EU)] as const;
    const writes = async (round: number) => {
      // API writes on both accounts while the sync below walks: each re-snapshots its license at once.
      const targets = [
        ...emu.connectors().map((c) => ({ cid: c._id, l: emu.licenses(c._id)[round * 3 + 1]! })),
        ...emu
          .account(EU)
          .connectors()
          .map((c) => ({ cid: c._id, l: emu.account(EU).licenses(c._id)[round * 3 + 1]! })),
      ];
      await Promise.all(
        targets.map(async ({ cid, l }) => {
          const res = await fetch(`${server.url}/connectors/${cid}/licenses/${l._id}`, {
            method: 'PUT',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ expires: plusDays(l.expires, 100 + round) }),
          });
          expect(res.status).toBe(200);
        }),
      );
    };

    await sync(); // the baseline, polled as it lands
    for (let round = 0; round < 3; round++) {
      for (const account of upstream)
        for (const c of account.connectors()) {
          const ls = account.licenses(c._id);
          account.mutateLicense(c._id, ls[round * 3 + 2]!._id, {
            expires: plusDays(ls[0]!.expires, 7 + round),
          });
          account.addLicense(c._id);
          if (round === 1) account.deleteLicense(c._id, ls.at(-1)!._id);
        }
      await Promise.all([sync(), writes(round)]);
    }
    const doneAt = Date.now();
    await sleep(SETTLE_MS + 100);
    polling = false;
    await poller;
    while (await poll()) {}
    expect(Date.now() - doneAt).toBeGreaterThan(SETTLE_MS);

    // The history, license by license, of every connector of both accounts (deleted licenses included).
    const history: string[] = [];
    for (const c of (await get('/connectors')).items as { id: string }[]) {
      const licenses = await get(`/connectors/${c.id}/licenses?includeDeleted=true&limit=1000`);
      for (const l of licenses.items as { id: string }[])
        for (const v of (await get(`/licenses/${l.id}/history?limit=1000`)).items as { observedAt: string }[])
          history.push(`${l.id}|${v.observedAt}`);
    }
    const seen = polled.map((i) => `${i.licenseId}|${i.observedAt}`);
    expect(new Set(seen).size).toBe(seen.length); // never a repeat
    expect([...seen].sort()).toEqual([...history].sort()); // never a miss
    expect(new Set(polled.map((i) => i.account))).toEqual(new Set(['us', 'eu']));
    expect(polled.some((i) => i.kind === 'deleted')).toBe(true);
    const committed = polled.map((i) => i.committedAt);
    expect(committed).toEqual([...committed].sort());
    // Commit order is not observation order: walks stamp their start, and API writes land between.
    const observed = polled.map((i) => i.observedAt);
    expect(observed).not.toEqual([...observed].sort());
  }, 180_000);

  it('filters by account, and answers 400 to a cursor it did not hand out or an unknown account', async () => {
    const { cursor } = feedPage.parse(await get('/changes/feed?account=eu'));
    const bad = await fetch(`${server.url}/changes/feed?cursor=${cursor}`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { errors: { code: string }[] }).errors[0]!.code).toBe('bad_cursor');
    const unknown = await fetch(`${server.url}/changes/feed?account=mars`);
    expect(unknown.status).toBe(400);
    const page = feedPage.parse(await get(`/changes/feed?account=eu&cursor=${cursor}`));
    expect(page.items.every((i) => i.account === 'eu')).toBe(true);
  });
});
