// The warm store through the CLI: reuse, status and stop, serve holding it, killed stores restarted, two at once, idle stop.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isAlive, LOCK_FILE } from '#local/store/lock';
import { type StoreStatus, storeStatus } from '#local/store/warm';
import { cli } from '../support/cli.ts';
import { dataDirs, javaOn, until } from '../support/store-helpers.ts';

const dirs = dataDirs('lw-warm-');
afterAll(() => dirs.cleanup());

const dataDir = dirs.make();
const dbDir = join(dataDir, 'dynamodb');
const BIN = join(import.meta.dirname, '..', '..', 'bin', 'licensewatch.js');
/** 30 s: long enough for the next command to find it, short enough that a leftover dies soon (afterAll stops it anyway). */
const env = {
  LICENSEWATCH_DATA_DIR: dataDir,
  LICENSEWATCH_STORE: 'embedded',
  LICENSEWATCH_STORE_IDLE: '0.5',
  LICENSEWATCH_TABLE: 'warm',
  CELIGO_API_TOKEN: '',
  // A token under a name of the user's choosing (an accounts file's tokenEnv): it must not outlive the command.
  US_PARTNER_KEY: 'do-not-leak-42',
};

function running(): Extract<StoreStatus, { running: true }> {
  const status = storeStatus(dataDir);
  if (!status.running) throw new Error('the store is not running');
  return status;
}

/** How many times a DynamoDB Local came up in this data dir, from the store's log. */
const starts = () => (readFileSync(join(dbDir, 'store.log'), 'utf8').match(/ready on port/g) ?? []).length;

async function connectors(extra: string[] = []): Promise<void> {
  const r = await cli([...extra, 'connectors', '--json'], env);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  expect(JSON.parse(r.stdout)).toEqual({ items: [] });
}

describe('the warm store', () => {
  it('status and stop say that nothing runs, with exit 0', async () => {
    const json = await cli(['store', 'status', '--json'], env);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({ running: false, dataDir });
    const stop = await cli(['store', 'stop'], env);
    expect(stop).toMatchObject({ code: 0, stdout: `no store running for ${dataDir}\n` });
  });

  it('is started in the background by the first command and reused by the next (same java)', async () => {
    await connectors();
    const first = running();
    expect(javaOn(dataDir)).toEqual([first.javaPid]);
    // The store outlives the command: none of the command's environment beyond what java needs goes with it.
    for (const pid of [first.pid, first.javaPid]) {
      const environ = readFileSync(`/proc/${pid}/environ`, 'utf8');
      expect(environ).not.toContain('do-not-leak-42');
      expect(environ).toContain('PATH=');
    }
    await connectors();
    expect(running()).toMatchObject({ pid: first.pid, javaPid: first.javaPid, startedAt: first.startedAt });
    expect(starts()).toBe(1);

    const r = await cli(['store', 'status', '--json'], env);
    expect(r.code).toBe(0);
    const status = JSON.parse(r.stdout);
    expect(status).toMatchObject({
      running: true,
      dataDir,
      endpoint: first.endpoint,
      pid: first.pid,
      javaPid: first.javaPid,
      startedAt: first.startedAt,
      heldBy: [],
    });
    expect(status.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const stopsIn = Date.parse(status.idleStopAt) - Date.now();
    expect(stopsIn).toBeGreaterThan(0);
    expect(stopsIn).toBeLessThanOrEqual(30_000);
    const text = (await cli(['store', 'status'], env)).stdout;
    expect(text).toContain(`endpoint  ${first.endpoint}`);
    // The key is the only thing between the LAN and the ledger: never printed, never logged.
    const { accessKeyId, secretAccessKey } = JSON.parse(
      readFileSync(join(dbDir, 'credentials.json'), 'utf8'),
    );
    for (const out of [r.stdout, text, readFileSync(join(dbDir, 'store.log'), 'utf8')]) {
      expect(out).not.toContain(accessKeyId);
      expect(out).not.toContain(secretAccessKey);
    }
  }, 60_000);

  it('is held by a running serve, which Ctrl-C stops without reaching the store', async () => {
    const { javaPid } = running();
    const serve = spawn(process.execPath, [BIN, 'serve', '--port', '0'], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
      detached: true, // a process group of its own, as a shell gives it: Ctrl-C goes to the whole group
    });
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
      serve.once('exit', (code, signal) => resolve({ code, signal })),
    );
    try {
      let stderr = '';
      serve.stderr.on('data', (d) => {
        stderr += d;
      });
      // Its last line before it waits for the signal; give it a moment to install the handler after printing it.
      await until(() => stderr.includes('Ctrl-C to stop'), 30_000, 'serve is up');
      await new Promise((r) => setTimeout(r, 300));
      expect(running()).toMatchObject({ javaPid, heldBy: [serve.pid], idleStopAt: null });
      process.kill(-serve.pid!, 'SIGINT');
      await expect(exited).resolves.toEqual({ code: 0, signal: null });
      expect(running()).toMatchObject({ javaPid, heldBy: [] });
    } finally {
      serve.kill('SIGKILL');
    }
  }, 60_000);

  it('keeps a running serve answering when its java dies: the next request starts the store again', async () => {
    const before = running();
    const serve = spawn(process.execPath, [BIN, 'serve', '--port', '0'], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    try {
      let stderr = '';
      serve.stderr.on('data', (d) => {
        stderr += d;
      });
      await until(() => /API on http:\/\/127\.0\.0\.1:\d+/.test(stderr), 30_000, 'serve is up');
      const url = /API on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr)![1]!;
      expect((await fetch(`${url}/connectors`)).status).toBe(200);
      const startsBefore = starts();
      process.kill(before.javaPid, 'SIGKILL');
      await until(() => !storeStatus(dataDir).running, 10_000, 'the store notices');
      const res = await fetch(`${url}/connectors`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ items: [] });
      const after = running();
      expect(after.javaPid).not.toBe(before.javaPid);
      expect(after.heldBy).toEqual([serve.pid]);
      expect(starts()).toBe(startsBefore + 1);
    } finally {
      serve.kill('SIGINT');
      await new Promise((r) => serve.once('exit', r));
    }
  }, 60_000);

  it('notices a java killed with SIGKILL, and the next command starts it again', async () => {
    const before = running();
    process.kill(before.javaPid, 'SIGKILL');
    await until(() => !storeStatus(dataDir).running, 10_000, 'the store notices');
    await until(() => !existsSync(join(dbDir, LOCK_FILE)), 10_000, 'the supervisor lets go of the lock');
    expect(readFileSync(join(dbDir, 'store.log'), 'utf8')).toContain(
      'DynamoDB Local exited unexpectedly (SIGKILL)',
    );
    await connectors();
    const after = running();
    expect(after.javaPid).not.toBe(before.javaPid);
    expect(javaOn(dataDir)).toEqual([after.javaPid]);
  }, 60_000);

  it("does not take a later process given the dead supervisor's pid for the store (pid reuse)", async () => {
    const before = running();
    process.kill(before.pid, 'SIGKILL');
    await until(() => javaOn(dataDir).length === 0, 15_000, 'java follows its supervisor');
    // Another process of ours now has the pids the lock and the port file name (as after a reboot or in a
    // container, where pids repeat): their recorded stamps say it is not the supervisor nor its java.
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' });
    try {
      for (const file of [join(dbDir, LOCK_FILE), join(dbDir, 'store.json')]) {
        const info = JSON.parse(readFileSync(file, 'utf8'));
        writeFileSync(file, JSON.stringify({ ...info, pid: other.pid, javaPid: other.pid }), { mode: 0o600 });
      }
      expect(storeStatus(dataDir).running).toBe(false);
      await connectors();
      const after = running();
      expect(after.pid).not.toBe(other.pid);
      expect(javaOn(dataDir)).toEqual([after.javaPid]);
      expect(isAlive(other.pid!)).toBe(true); // left alone
    } finally {
      other.kill('SIGKILL');
    }
  }, 60_000);

  it('takes its java along when the supervisor is killed, and the next command gets past the stale files', async () => {
    const before = running();
    process.kill(before.pid, 'SIGKILL');
    await until(() => javaOn(dataDir).length === 0, 15_000, 'java follows its supervisor');
    // Left behind by the killed supervisor: the next command must not trust them.
    expect(existsSync(join(dbDir, LOCK_FILE))).toBe(true);
    expect(existsSync(join(dbDir, 'store.json'))).toBe(true);
    expect(storeStatus(dataDir).running).toBe(false);
    await connectors();
    const after = running();
    expect(after.pid).not.toBe(before.pid);
    expect(javaOn(dataDir)).toEqual([after.javaPid]);
  }, 60_000);

  it('stops on `store stop` (exit 0) and waits until java is gone', async () => {
    const { pid, javaPid } = running();
    const stop = await cli(['store', 'stop'], env);
    expect(stop).toMatchObject({ code: 0, stdout: `stopped the store (pid ${pid}) for ${dataDir}\n` });
    expect(isAlive(pid)).toBe(false);
    expect(isAlive(javaPid)).toBe(false);
    expect(storeStatus(dataDir).running).toBe(false);
    expect(existsSync(join(dbDir, LOCK_FILE))).toBe(false);
  }, 30_000);

  it('is shared by two commands started at once, and stops by itself after the idle time', async () => {
    const startsBefore = starts();
    const idle = ['--store-idle', '0.05']; // 3 s
    await Promise.all([connectors(idle), connectors(idle)]);
    expect(starts()).toBe(startsBefore + 1);
    const { javaPid, idleStopAt } = running();
    expect(javaOn(dataDir)).toEqual([javaPid]);
    expect(Date.parse(idleStopAt!) - Date.now()).toBeLessThanOrEqual(3_000);
    await until(() => !storeStatus(dataDir).running, 15_000, 'the idle stop');
    await until(() => javaOn(dataDir).length === 0, 10_000, 'java stops');
    expect(readFileSync(join(dbDir, 'store.log'), 'utf8')).toContain('no client used it for its idle time');
  }, 60_000);

  it('refuses a bad --store-idle with one line on stderr and a non-zero exit', async () => {
    for (const [args, extra] of [
      [['--store-idle', '-1', 'connectors'], {}],
      [['connectors'], { LICENSEWATCH_STORE_IDLE: 'soon' }],
    ] as const) {
      const r = await cli([...args], { ...env, ...extra });
      expect(r.code).not.toBe(0);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(
        /--store-idle .* must be a number of minutes from 0 to 10080, got '(-1|soon)'/,
      );
    }
    expect(storeStatus(dataDir).running).toBe(false);
  });
});
