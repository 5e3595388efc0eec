// The data-dir lock file: held, stale and orphaned locks.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { acquireDataDirLock, isAlive, LOCK_FILE } from '#local/store/lock';
import { tempDir } from './helpers.ts';

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

  it('refuses while an orphaned DynamoDB Local from a dead owner still runs', () => {
    writeFileSync(lockPath, JSON.stringify({ pid: deadPid(), javaPid: process.pid, startedAt: 'then' }));
    expect(() => acquireDataDirLock(dir)).toThrow(
      expect.objectContaining({
        code: 'store_busy',
        message: expect.stringContaining(`orphaned DynamoDB Local (pid ${process.pid})`),
      }),
    );
    rmSync(lockPath);
  });
});
