// `npm start` (licensewatch demo) end to end: serves the API on embedded defaults, stops cleanly, and a second start shows only what changed.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { stopStore, storeStatus } from '#local/store/warm';

const BIN = fileURLToPath(new URL('../../bin/licensewatch.js', import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), 'lw-demo-'));
afterAll(async () => {
  await stopStore(dataDir);
  rmSync(dataDir, { recursive: true, force: true });
});

/** Starts the demo, waits for its URL, runs `probe`, then Ctrl-C; returns what it printed and how it ended. */
async function demo(probe: (url: string) => Promise<void>) {
  const child = spawn(process.execPath, [BIN, 'demo', '--port', '0', '--data-dir', dataDir], {
    // The store outlives the demo (warm for the next command): short, in case afterAll never runs.
    env: { ...process.env, CELIGO_API_TOKEN: '', CELIGO_API_URL: '', LICENSEWATCH_STORE_IDLE: '0.5' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d) => {
      stdout += d;
      const m = /HTTP API and dashboard: (http:\/\/127\.0\.0\.1:\d+)\//.exec(stdout);
      if (m) resolve(m[1]!);
    });
    child.on('exit', () => reject(new Error(`demo exited early: ${stderr}`)));
  });
  try {
    await probe(url);
  } finally {
    child.kill('SIGINT');
  }
  const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  return { stdout, stderr, code };
}

/** DynamoDB Local processes whose data lives under this test's data dir. */
async function javaLeftBehind(): Promise<number> {
  const { execFileSync } = await import('node:child_process');
  const out = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' });
  return out.split('\n').filter((l) => l.includes('DynamoDBLocal') && l.includes(dataDir)).length;
}

describe('npm start', () => {
  it('syncs the demo, reports, serves the API, stops on Ctrl-C and leaves the store warm for the next run', async () => {
    const first = await demo(async (url) => {
      const connectors = (await (await fetch(`${url}/connectors`)).json()) as {
        items: { licenses: number; account: string }[];
      };
      // Two partner accounts: the US one (4 connectors, 1,298 licenses) and the EU one (2, 184).
      expect(connectors.items).toHaveLength(6);
      expect(connectors.items.filter((c) => c.account === 'eu')).toHaveLength(2);
      expect(connectors.items.reduce((n, c) => n + c.licenses, 0)).toBe(1298 + 184);
      expect((await fetch(`${url}/`)).status).toBe(200);
      // Trials in every state and sandboxes: some ending soon (production and sandbox), some ended.
      type Views = { items: { trial?: string; sandbox: boolean; daysToTrialEnd?: number }[] };
      const trials = (await (await fetch(`${url}/reports/trials?withinDays=14`)).json()) as Views;
      expect(trials.items.length).toBeGreaterThan(0);
      expect(trials.items.every((v) => v.trial === 'active' && v.daysToTrialEnd! <= 14)).toBe(true);
      const sandboxes = (await (await fetch(`${url}/reports/trials?sandbox=true`)).json()) as Views;
      expect(sandboxes.items.length).toBeGreaterThan(0);
      expect(sandboxes.items.every((v) => v.sandbox)).toBe(true);
      // The first sync is every connector's baseline: nothing is news yet.
      expect(((await (await fetch(`${url}/changes`)).json()) as { items: unknown[] }).items).toEqual([]);
    });
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/Sync: 6 connectors \(us 4, eu 2\), 1482 licenses stored/);
    expect(first.stdout).toMatch(/Expiring within 7 days \(\d+\)/);
    expect(first.stdout).toMatch(/Alerts raised now: \d+ \((?=.*\d+ trial-ending)(?=.*\d+ trial-ended)/);
    expect(first.stdout).toMatch(/Trials ending within 14 days \([1-9]\d*\)/);
    const warm = storeStatus(dataDir);
    expect(warm).toMatchObject({ running: true, heldBy: [] });
    expect(await javaLeftBehind()).toBe(1);

    const second = await demo(async (url) => {
      const changes = (await (await fetch(`${url}/changes`)).json()) as {
        items: { kind: string; licenseId: string }[];
      };
      expect(changes.items.map((c) => c.kind).sort()).toEqual(['converted', 'installed', 'renewed']);
      const converted = changes.items.find((c) => c.kind === 'converted')!;
      const view = (await (await fetch(`${url}/licenses/${converted.licenseId}`)).json()) as {
        trial?: string;
      };
      expect(view.trial).toBe('converted');
      const page = await (await fetch(`${url}/?q=%40acme-supply.example`)).text();
      expect(page).toContain('<section id="search">');
    });
    expect(second.stdout).toMatch(/since the last run: 0 new, 3 changed, 0 gone upstream/);
    expect(second.stderr).toMatch(/renewed license/);
    expect(storeStatus(dataDir)).toMatchObject({ running: true, javaPid: warm.running ? warm.javaPid : 0 });
    await expect(stopStore(dataDir)).resolves.toMatchObject({ stopped: 'store' });
    expect(await javaLeftBehind()).toBe(0);
  }, 180_000);
});
