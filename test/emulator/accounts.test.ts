// The emulator's partner accounts over HTTP: each token opens its own account's data, ids never repeat across
// accounts, and an outage of one account leaves the other answering.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_TOKEN, DEMO_TOKEN_EU, type Emulator, startEmulator } from '#local/emulator/index';
import { call, NOW } from '../support/emulator-http.ts';

let emu: Emulator;
const as = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

beforeAll(async () => {
  emu = await startEmulator({
    now: NOW,
    token: DEMO_TOKEN,
    accounts: [{ token: DEMO_TOKEN_EU, dataSet: 'demo-eu' }],
  });
});
afterAll(() => emu?.close());

async function idsOf(token: string) {
  const connectors = (await (await call(emu, '/connectors', as(token))).json()) as { _id: string }[];
  const licenses: string[] = [];
  for (const c of connectors) {
    const res = await call(emu, `/connectors/${c._id}/licenses?limit=1000`, as(token));
    if (res.status === 200) licenses.push(...((await res.json()) as { _id: string }[]).map((l) => l._id));
  }
  return { connectors: connectors.map((c) => c._id), licenses };
}

describe('two partner accounts by token', () => {
  it('serves each token its own connectors and licenses, ids never repeating across them', async () => {
    const us = await idsOf(DEMO_TOKEN);
    const eu = await idsOf(DEMO_TOKEN_EU);
    expect(us.connectors.sort()).toEqual(
      emu
        .connectors()
        .map((c) => c._id)
        .sort(),
    );
    expect(eu.connectors.sort()).toEqual(
      emu
        .account(DEMO_TOKEN_EU)
        .connectors()
        .map((c) => c._id)
        .sort(),
    );
    expect(eu.connectors.length).toBeGreaterThan(0);
    const usIds = new Set([...us.connectors, ...us.licenses]);
    expect([...eu.connectors, ...eu.licenses].filter((id) => usIds.has(id))).toEqual([]);
    // Another account's connector is unknown to this token.
    expect((await call(emu, `/connectors/${eu.connectors[0]}/licenses`, as(DEMO_TOKEN))).status).toBe(404);
    expect((await call(emu, '/connectors', as('neither-token'))).status).toBe(401);
  });

  it("an outage of one account fails only that account's requests", async () => {
    emu.account(DEMO_TOKEN_EU).setOutage(503);
    try {
      expect((await call(emu, '/connectors', as(DEMO_TOKEN_EU))).status).toBe(503);
      expect((await call(emu, '/connectors', as(DEMO_TOKEN))).status).toBe(200);
    } finally {
      emu.account(DEMO_TOKEN_EU).setOutage(undefined);
    }
    expect((await call(emu, '/connectors', as(DEMO_TOKEN_EU))).status).toBe(200);
  });
});
