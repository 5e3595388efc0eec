// The data-dir lock file: held, stale and orphaned locks, and two processes breaking one stale lock.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { acquireDataDirLock, isAlive, isDynamoLocalOn, LOCK_FILE } from '#local/store/lock';
import { tempDir } from '../support/store-helpers.ts';

const dir = tempDir('lw-lock-');
const lockPath = join(dir, LOCK_FILE);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A pid that certainly belonged to a process which has exited. */
function deadPid(): number {
  const pid = spawnSync(process.execPath, ['-e', 'console.log(process.pid)']).stdout.toString().trim();
  return Number(pid);
}

describe('acquireDataDirLock', () => {
  it('writes our pid, refuses a second holder, and removes the file on release', () => {
    const lock = acquireDataDirLock(dir);
    lock.setJavaPid(4242);
    expect(JSON.parse(readFileSync(lockPath, 'utf8'))).toMatchObject({ pid: process.pid, javaPid: 4242 });
    expect(() => acquireDataDirLock(dir)).toThrow(expect.objectContaining({ code: 'store_busy' }));
    lock.release();
    expect(existsSync(lockPath)).toBe(false);
  });

  it('takes over a stale lock whose processes are gone', () => {
    const dead = deadPid();
    expect(isAlive(dead)).toBe(false);
    writeFileSync(lockPath, JSON.stringify({ pid: dead, javaPid: dead, startedAt: 'then' }));
    const lock = acquireDataDirLock(dir);
    expect(JSON.parse(readFileSync(lockPath, 'utf8')).pid).toBe(process.pid);
    lock.release();
  });

  it('takes over an unreadable lock file', () => {
    writeFileSync(lockPath, '');
    acquireDataDirLock(dir).release();
    expect(existsSync(lockPath)).toBe(false);
  });

  it('refuses while an orphaned DynamoDB Local from a dead owner still runs on this dir', async () => {
    // Looks like DynamoDB Local on this dir to `ps`: its arguments are what count.
    const orphan = spawn(
      process.execPath,
      ['-e', 'setTimeout(() => {}, 60000)', 'DynamoDBLocal.jar', '-dbPath', dir],
      { stdio: 'ignore' },
    );
    try {
      await new Promise((r) => orphan.once('spawn', r));
      expect(isDynamoLocalOn(orphan.pid!, dir)).toBe(true);
      writeFileSync(lockPath, JSON.stringify({ pid: deadPid(), javaPid: orphan.pid, startedAt: 'then' }));
      expect(() => acquireDataDirLock(dir)).toThrow(
        expect.objectContaining({
          code: 'store_busy',
          message: expect.stringContaining(`orphaned DynamoDB Local (pid ${orphan.pid})`),
        }),
      );
    } finally {
      orphan.kill('SIGKILL');
      rmSync(lockPath, { force: true });
    }
  });

  it('takes over a stale lock whose recorded java pid now belongs to another program', () => {
    expect(isDynamoLocalOn(process.pid, dir)).toBe(false);
    writeFileSync(lockPath, JSON.stringify({ pid: deadPid(), javaPid: process.pid, startedAt: 'then' }));
    acquireDataDirLock(dir, 'supervisor').release();
    expect(existsSync(lockPath)).toBe(false);
  });

  it('lets exactly one of many processes breaking the same stale lock take it', async () => {
    writeFileSync(lockPath, JSON.stringify({ pid: deadPid(), startedAt: 'then' }));
    // Each contender tries to take the lock, reports, and holds it for a moment so the others meet a live one.
    const script = `
      const { acquireDataDirLock } = await import('#local/store/lock');
      try {
        const lock = acquireDataDirLock(${JSON.stringify(dir)}, 'supervisor');
        console.log('took');
        setTimeout(() => lock.release(), 1500);
      } catch (err) {
        console.log(err.code);
      }`;
    const outcomes = await Promise.all(
      Array.from({ length: 4 }, () => {
        const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        let out = '';
        child.stdout.on('data', (d) => {
          out += d;
        });
        return new Promise<string>((r) => child.once('exit', () => r(out.trim())));
      }),
    );
    expect(outcomes.filter((o) => o === 'took')).toHaveLength(1);
    expect(outcomes.filter((o) => o !== 'took').every((o) => o === 'store_busy')).toBe(true);
    expect(existsSync(lockPath)).toBe(false);
  }, 60_000);
});
