// The account rule at the HTTP edge: a write to a connector whose partner account is no longer configured answers
// 409 account_not_configured and reaches no Partner API, never with the remaining account's token.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '#api/app';
import { createPartnerApi, type PartnerApi } from '#celigo/client';
import { createDynamoStore } from '#ledger/store/dynamo/index';
import type { LedgerStore } from '#ledger/store/port';
import { planSync, runPlan } from '#ledger/sync';
import { type Emulator, startEmulator } from '#local/emulator/index';
import { type ServedApp, serveApp } from '#local/serve/server';
import { errorsOf } from '../support/api-harness.ts';
import { freshTable } from '../support/tables.ts';

const US = 'api-rule-us-token';
const EU = 'api-rule-eu-token';
let emu: Emulator;
let ledger: LedgerStore;
let server: ServedApp;
/** Which account each client handed out was asked for. */
const asked: string[] = [];

beforeAll(async () => {
  emu = await startEmulator({
    token: US,
    dataSet: { connectors: 1, licensesPerConnector: 3 },
    accounts: [{ token: EU, dataSet: { connectors: 1, licensesPerConnector: 3 }, seed: 'eu' }],
  });
  const { client, tableName } = await freshTable('api-rule');
  ledger = createDynamoStore(client, tableName);
  const clients: Record<string, PartnerApi> = {
    us: createPartnerApi({ apiUrl: emu.url, token: US }),
    eu: createPartnerApi({ apiUrl: emu.url, token: EU }),
  };
  const plan = await planSync({
    ledger,
    accounts: ['us', 'eu'].map((name) => ({ name, api: () => clients[name]! })),
  });
  await runPlan({ ledger, api: (name) => clients[name]! }, plan);
  // Since then, `eu` was dropped from the configuration: only `us` is left.
  const app = createApp({
    ledger,
    accounts: ['us'],
    partnerApi: (account) => {
      asked.push(account);
      return clients.us!;
    },
    log: () => undefined,
  });
  server = await serveApp(app, { port: 0 });
}, 60_000);
afterAll(async () => {
  await server?.close();
  await emu?.close();
});

const call = (path: string, init: RequestInit & { json?: unknown } = {}) =>
  fetch(`${server.url}${path}`, {
    ...init,
    headers: init.json === undefined ? {} : { 'content-type': 'application/json' },
    body: init.json === undefined ? undefined : JSON.stringify(init.json),
  });

describe('writes to a connector of an account no longer configured', () => {
  it('answer 409 account_not_configured for POST, PUT and DELETE, and send nothing upstream', async () => {
    const cid = emu.account(EU).connectors()[0]!._id;
    const lid = emu.account(EU).licenses(cid)[0]!._id;
    const before = JSON.stringify(emu.account(EU).licenses(cid));
    const writes = [
      call(`/connectors/${cid}/licenses`, {
        method: 'POST',
        json: { email: 'new.customer@example.com', expires: '2027-12-31', opts: {} },
      }),
      call(`/connectors/${cid}/licenses/${lid}`, { method: 'PUT', json: { expires: '2031-01-01' } }),
      call(`/connectors/${cid}/licenses/${lid}`, { method: 'DELETE' }),
    ];
    for (const res of await Promise.all(writes)) {
      expect(res.status).toBe(409);
      const [error] = await errorsOf(res);
      expect(error!.code).toBe('account_not_configured');
      expect(error!.message).toMatch(/partner account eu, which is no longer configured/);
    }
    expect(asked).toEqual([]);
    expect(JSON.stringify(emu.account(EU).licenses(cid))).toBe(before);
    // Its licenses are still read as recorded, under their account.
    const view = await (await call(`/licenses/${lid}`)).json();
    expect(view).toMatchObject({ id: lid, account: 'eu' });
  });

  it("go out with the configured account's client for its own connectors", async () => {
    const cid = emu.connectors()[0]!._id;
    const lid = emu.licenses(cid)[0]!._id;
    const res = await call(`/connectors/${cid}/licenses/${lid}`, {
      method: 'PUT',
      json: { expires: '2031-01-01' },
    });
    expect(res.status).toBe(200);
    expect(asked).toEqual(['us']);
  });
});
