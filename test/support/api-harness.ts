// HTTP API test harness: the emulator, a fresh DynamoDB Local table synced from it, the app served on a real port.
import { createApp } from '#api/app';
import { createPartnerApi, type PartnerApi } from '#celigo/client';
import { createDynamoStore } from '#ledger/store/dynamo/index';
import type { LedgerStore as Ledger } from '#ledger/store/port';
import { planSync, runPlan } from '#ledger/sync';
import { type Emulator, type EmulatorOptions, startEmulator } from '#local/emulator/index';
import { type ServedApp, serveApp } from '#local/serve/server';
import { freshTable } from './tables.ts';

export const NOW = new Date('2026-06-15T12:00:00.000Z');
export const TOKEN = 'api-test-token';

export interface ApiHarness {
  emu: Emulator;
  api: PartnerApi;
  ledger: Ledger;
  server: ServedApp;
  /** Request log lines the app wrote. */
  logs: string[];
  sync(): Promise<void>;
  /** fetch against the served app; `json` sets the body and Content-Type. */
  call(path: string, init?: RequestInit & { json?: unknown }): Promise<Response>;
  close(): Promise<void>;
}

export async function apiHarness(
  options: Pick<EmulatorOptions, 'dataSet'> & { partnerApi?: 'emulator' | 'none'; sync?: boolean } = {},
): Promise<ApiHarness> {
  const emu = await startEmulator({
    now: NOW,
    token: TOKEN,
    dataSet: options.dataSet ?? { connectors: 2, licensesPerConnector: 120 },
  });
  const { client, tableName } = await freshTable('api');
  // Each read of the clock moves it 1 ms, so every observation (sync, then a write) has its own timestamp.
  let clock = NOW.getTime();
  const ledger = createDynamoStore(client, tableName, { now: () => new Date(clock++) });
  const api = createPartnerApi({ apiUrl: emu.url, token: TOKEN, backoffMs: 5, retries: 1, timeoutMs: 5_000 });
  const logs: string[] = [];
  const app = createApp({
    ledger,
    partnerApi: () => {
      if (options.partnerApi === 'none') throw new Error('no Partner API token: set CELIGO_API_TOKEN');
      return api;
    },
    log: (line) => logs.push(line),
  });
  const server = await serveApp(app, { port: 0 });
  const sync = async () => {
    const plan = await planSync({ ledger, api });
    await runPlan({ ledger, api }, plan, 2);
  };
  if (options.sync !== false) await sync();
  return {
    emu,
    api,
    ledger,
    server,
    logs,
    sync,
    call(path, init = {}) {
      const { json, ...rest } = init;
      const headers = new Headers(rest.headers);
      if (json !== undefined) headers.set('content-type', 'application/json');
      return fetch(`${server.url}${path}`, {
        ...rest,
        headers,
        body: json === undefined ? rest.body : JSON.stringify(json),
      });
    },
    async close() {
      await server.close();
      await emu.close();
    },
  };
}

/** The `{ errors: [...] }` body of an error response, checked for shape. */
/** PUT and POST of licenses through the API, on a default connector. */
export function licenseWrites(h: () => ApiHarness, defaultCid: () => string) {
  return {
    put: (lid: string, json: unknown, connector = defaultCid()) =>
      h().call(`/connectors/${connector}/licenses/${lid}`, { method: 'PUT', json }),
    post: (json: unknown, connector = defaultCid()) =>
      h().call(`/connectors/${connector}/licenses`, { method: 'POST', json }),
  };
}

export async function errorsOf(
  response: Response,
): Promise<{ code: string; message: string; field?: string }[]> {
  const body = (await response.json()) as { errors?: unknown };
  if (!Array.isArray(body.errors) || body.errors.length === 0)
    throw new Error(`not an error body: ${JSON.stringify(body)}`);
  for (const e of body.errors as Record<string, unknown>[]) {
    if (typeof e.code !== 'string' || typeof e.message !== 'string')
      throw new Error(`bad error entry: ${JSON.stringify(e)}`);
  }
  return body.errors as { code: string; message: string; field?: string }[];
}
