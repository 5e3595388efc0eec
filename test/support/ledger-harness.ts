// Ledger test harness: an emulator, a fresh DynamoDB Local table, a metered ledger and a client with small pages.
import { createPartnerApi, type PartnerApi } from '#celigo/client';
import { licenseHistory } from '#ledger/queries';
import { createDynamoStore } from '#ledger/store/dynamo/index';
import type { LedgerStore as Ledger } from '#ledger/store/port';
import { planSync, runPlan } from '#ledger/sync';
import { type Emulator, type EmulatorOptions, startEmulator } from '#local/emulator/index';
import { type Meter, meter } from '#local/store/meter';
import { freshTable } from './tables.ts';

export interface Harness {
  emu: Emulator;
  api: PartnerApi;
  ledger: Ledger;
  meter: Meter;
  /** Plans and runs a whole sync in-process; returns the per-connector results. */
  sync(options?: { concurrency?: number }): Promise<Awaited<ReturnType<typeof runPlan>>>;
  history(lid: string): Promise<Awaited<ReturnType<typeof licenseHistory>>['items']>;
  /** Moves the store's clock (leases expire on it). */
  advance(ms: number): void;
  close(): Promise<void>;
}

const TOKEN = 'harness-token-0123456789';
export const NOW = new Date('2026-06-15T12:00:00.000Z');

export async function harness(
  options: EmulatorOptions & { pageSize?: number; now?: () => Date; retries?: number } = {},
): Promise<Harness> {
  const emu = await startEmulator({
    now: NOW,
    dataSet: { connectors: 3, licensesPerConnector: 120 },
    ...options,
    token: TOKEN,
  });
  const { client, tableName } = await freshTable('ledger');
  const m = meter(client);
  let clock = NOW.getTime();
  // Each call moves the clock 1 ms, so every observation has its own timestamp, as in real life.
  const ledger = createDynamoStore(client, tableName, { now: options.now ?? (() => new Date(clock++)) });
  const api = createPartnerApi({
    apiUrl: emu.url,
    token: TOKEN,
    pageSize: options.pageSize ?? 50,
    backoffMs: 5,
    retries: options.retries ?? 1,
  });
  return {
    emu,
    api,
    ledger,
    meter: m,
    async sync({ concurrency = 3 } = {}) {
      const plan = await planSync({ ledger, api });
      return runPlan({ ledger, api }, plan, concurrency);
    },
    advance(ms) {
      clock += ms;
    },
    async history(lid) {
      return (await licenseHistory(ledger, lid, { limit: 1000 })).items;
    },
    close: () => emu.close(),
  };
}
