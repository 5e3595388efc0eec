// Reliability: the sync process or the database killed mid-walk; the next sync converges with no duplicate versions.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { createPartnerApi } from '#celigo/client';
import { allLicenses, licenseHistory } from '#ledger/queries';
import { createDynamoStore } from '#ledger/store/dynamo/index';
import type { LedgerStore as Ledger } from '#ledger/store/port';
import { planSync, runPlan } from '#ledger/sync';
import { DEFAULT_LEASE_MS } from '#ledger/walk';
import { type Emulator, startEmulator } from '#local/emulator/index';
import { ensureTable, localClients } from '#local/store/connect';
import { startEmbeddedDynamo } from '#local/store/embedded';

const BIN = fileURLToPath(new URL('../../bin/licensewatch.js', import.meta.url));
const TOKEN = 'reliability-token-42';
const cleanup: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

function startSync(env: Record<string, string>): {
  child: ChildProcess;
  done: Promise<{ code: number | null; signal: string | null; stderr: string }>;
} {
  const child = spawn(process.execPath, [BIN, 'sync'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d) => {
    stderr += d;
  });
  const done = new Promise<{ code: number | null; signal: string | null; stderr: string }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, stderr })),
  );
  cleanup.push(() => child.kill('SIGKILL'));
  return { child, done };
}

async function until(check: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Changes a third of the licenses and deletes a few, returning what each license's history must end with. */
function changeUpstream(emu: Emulator): Map<string, string[]> {
  const expected = new Map<string, string[]>();
  for (const c of emu.connectors()) {
    emu.licenses(c._id).forEach((l, i) => {
      if (i % 3 === 0) {
        emu.mutateLicense(c._id, l._id, { expires: '2033-03-03T18:29:59.999Z' });
        expected.set(l._id, ['updated', 'created']);
      } else if (i % 50 === 1) {
        emu.deleteLicense(c._id, l._id);
        expected.set(l._id, ['deleted', 'created']);
      } else if (i % 10 === 2) {
        expected.set(l._id, ['created']); // a sample of the untouched ones
      }
    });
  }
  return expected;
}

async function expectConverged(ledger: Ledger, emu: Emulator, expected: Map<string, string[]>) {
  for (const c of emu.connectors()) {
    const live: Record<string, unknown> = {};
    for await (const v of allLicenses(ledger, { connectorId: c._id })) live[v.id] = v.raw;
    expect(live).toEqual(Object.fromEntries(emu.licenses(c._id).map((l) => [l._id, l])));
  }
  for (const [lid, changes] of expected) {
    const history = (await licenseHistory(ledger, lid, { limit: 10 })).items.map((v) => v.change);
    expect(history, lid).toEqual(changes);
  }
}

// Three pages per connector, so a kill lands between pages: some written, some not. The emulator's pageCap of 50
// stands in for the API's 1000: 3 × 150 licenses page as 3 × 3,000 would against the API, and cost a seventh of the
// writes the 3 × 1,050 (two pages of 1000) took before.
const PAGE = 50;
const LICENSES = 150;

async function setUp(endpoint: string) {
  const emu = await startEmulator({
    token: TOKEN,
    pageCap: PAGE,
    dataSet: { connectors: 3, licensesPerConnector: LICENSES },
  });
  cleanup.push(() => emu.close());
  const { raw, client } = localClients(endpoint);
  const table = `kill-${randomBytes(4).toString('hex')}`;
  await ensureTable(raw, table);
  // The store's clock moves past a killed walk's lease (60 s) when the test says so.
  let ahead = 0;
  const ledger = createDynamoStore(client, table, { now: () => new Date(Date.now() + ahead) });
  const api = createPartnerApi({ apiUrl: emu.url, token: TOKEN });
  const sync = async () => runPlan({ ledger, api }, await planSync({ ledger, api }));
  await sync();
  const afterLeases = () => {
    ahead += DEFAULT_LEASE_MS + 1_000;
  };
  const env = {
    CELIGO_API_URL: emu.url,
    CELIGO_API_TOKEN: TOKEN,
    LICENSEWATCH_STORE: endpoint,
    LICENSEWATCH_TABLE: table,
  };
  return { emu, ledger, sync, env, afterLeases };
}

const licenseRequests = (emu: Emulator) => emu.requests().filter((r) => r.path.endsWith('/licenses')).length;

describe('killed mid-walk', () => {
  it('SIGKILL of the sync process: the next sync converges, no duplicate versions, nothing lost', async () => {
    const { emu, ledger, sync, env, afterLeases } = await setUp(inject('dynamoEndpoint'));
    const expected = changeUpstream(emu);
    emu.setLatency(150);
    emu.resetStats();
    const { child, done } = startSync(env);
    // Past the first pages (whose changes are being written) and into the second ones.
    await until(() => licenseRequests(emu) >= 6, 60_000);
    await new Promise((r) => setTimeout(r, 100));
    child.kill('SIGKILL');
    expect((await done).signal).toBe('SIGKILL');
    emu.setLatency(0);
    // Right after the kill its walks still hold their connectors: a sync now stands down for them.
    expect((await sync()).some((r) => r.status === 'skipped' && r.reason === 'walk_in_progress')).toBe(true);
    afterLeases(); // a killed walk frees its connector once its lease runs out
    const runs = await sync();
    expect(runs.every((r) => r.status === 'completed')).toBe(true);
    await expectConverged(ledger, emu, expected);
  }, 120_000);

  it('DynamoDB killed mid-sync: a clear error, then the next sync converges', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'lw-kill-'));
    cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
    let dynamo = await startEmbeddedDynamo({ dataDir });
    cleanup.push(() => dynamo.stop());
    const port = Number(new URL(dynamo.endpoint).port);
    const { emu, ledger, sync, env, afterLeases } = await setUp(dynamo.endpoint);
    const expected = changeUpstream(emu);
    emu.setLatency(150);
    emu.resetStats();
    const { done } = startSync(env);
    await until(() => licenseRequests(emu) >= 5, 60_000);
    process.kill(dynamo.pid, 'SIGKILL');
    const result = await done;
    expect(result.code).not.toBe(0);
    const lines = result.stderr.trim().split('\n');
    expect(lines.at(-1)).toMatch(/^licensewatch: cannot reach DynamoDB at http:\/\/127\.0\.0\.1:\d+/);
    await dynamo.stop(); // the process is gone already; this releases the data dir's lock
    dynamo = await startEmbeddedDynamo({ dataDir, port });
    emu.setLatency(0);
    afterLeases(); // the failed process's walks could not release their leases
    const runs = await sync();
    expect(runs.every((r) => r.status === 'completed')).toBe(true);
    await expectConverged(ledger, emu, expected);
  }, 180_000);
});
