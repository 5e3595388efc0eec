// Data-directory lock: one DynamoDB Local per dbPath, since two on the same sqlite file lock or corrupt it.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StoreError } from '#local/store/errors';

export const LOCK_FILE = 'licensewatch-dynamodb.lock';

interface LockInfo {
  /** The Node process that started DynamoDB Local. */
  pid: number;
  /** The java process, once spawned. */
  javaPid?: number;
  startedAt: string;
}

export interface DataDirLock {
  path: string;
  setJavaPid(pid: number): void;
  /** Removes the lock file if it is still ours; synchronous, so it also works in an 'exit' handler. */
  release(): void;
}

/** True while the process exists and is not a zombie. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

function readLock(path: string): LockInfo | undefined {
  try {
    const info = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockInfo>;
    return typeof info.pid === 'number' ? (info as LockInfo) : undefined;
  } catch {
    return undefined;
  }
}

/** Takes `<dir>/licensewatch-dynamodb.lock` (stale when neither recorded pid is alive) or throws 'store_busy'. */
export function acquireDataDirLock(dir: string): DataDirLock {
  const path = join(dir, LOCK_FILE);
  const info: LockInfo = { pid: process.pid, startedAt: new Date().toISOString() };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(path, JSON.stringify(info), { flag: 'wx' });
      return handle(path, info);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const held = readLock(path);
    if (held && isAlive(held.pid)) {
      const java = held.javaPid ? `, DynamoDB Local pid ${held.javaPid}` : '';
      const who = held.pid === process.pid ? 'this process' : `pid ${held.pid}`;
      throw new StoreError(
        'store_busy',
        `store ${dir} is already in use by ${who}${java}: stop that first (lock file ${path})`,
      );
    }
    if (held?.javaPid && isAlive(held.javaPid)) {
      throw new StoreError(
        'store_busy',
        `store ${dir} is held by an orphaned DynamoDB Local (pid ${held.javaPid}): kill it, then retry`,
      );
    }
    // Stale (or half-written) lock: remove it and try again.
    rmSync(path, { force: true });
  }
  throw new StoreError(
    'store_busy',
    `store ${dir} is being opened concurrently by another process (${path})`,
  );
}

function handle(path: string, info: LockInfo): DataDirLock {
  let released = false;
  return {
    path,
    setJavaPid(pid) {
      info.javaPid = pid;
      if (!released) writeFileSync(path, JSON.stringify(info));
    },
    release() {
      if (released) return;
      released = true;
      const held = readLock(path);
      if (held?.pid === info.pid && held.startedAt === info.startedAt) rmSync(path, { force: true });
    },
  };
}
