// Data-directory lock: one DynamoDB Local per dbPath, since two on the same SQLite file lock or corrupt it.
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { linkSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { StoreError } from '#local/store/errors';

export const LOCK_FILE = 'licensewatch-dynamodb.lock';

export interface LockInfo {
  /** The Node process that started DynamoDB Local (the supervisor, for the warm store). */
  pid: number;
  /** Which process `pid` is (see processStamp): a later process given the same pid is not the holder. */
  pidStamp?: string;
  /** The java process, once spawned. */
  javaPid?: number;
  javaStamp?: string;
  startedAt: string;
  /** Makes every lock's content unique, so a stale one is told apart from the fresh one that replaced it. */
  token?: string;
  /** 'supervisor': the warm store, which other commands share; absent: a process that keeps the store to itself. */
  kind?: 'supervisor';
}

export interface DataDirLock {
  path: string;
  info: LockInfo;
  setJavaPid(pid: number): void;
  /** True while the lock file is still this one (someone may have removed the data dir). */
  held(): boolean;
  /** Removes the lock file if it is still ours; synchronous, so it also works in an 'exit' handler. */
  release(): void;
}

/** A breaker that died between its two steps leaves its marker: older than this, the marker is void. */
const BREAKER_STALE_MS = 10_000;

let bootId: string | undefined | null = null;

/**
 * Which process a pid names, where the system can say (Linux: the boot and the process's start time in /proc), so a
 * pid recorded by a process that died is not mistaken for another process given the same pid later. Undefined
 * elsewhere.
 */
export function processStamp(pid: number): string | undefined {
  try {
    if (bootId === null) bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name: state is field 3, starttime field 22.
    const startTime = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
    return bootId && startTime ? `${bootId}/${startTime}` : undefined;
  } catch {
    bootId ??= undefined;
    return undefined;
  }
}

/**
 * True while the process exists and is not a zombie; with the `stamp` recorded beside the pid, only while the pid
 * still names that same process.
 */
export function isAlive(pid: number, stamp?: string): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM' && stamp === undefined;
  }
  if (stamp !== undefined) {
    const now = processStamp(pid);
    if (now !== undefined && now !== stamp) return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

/** The command line of a live process, or '' (from /proc on Linux, `ps` elsewhere). */
export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    try {
      return execFileSync('ps', ['-o', 'args=', '-p', String(pid)], {
        encoding: 'utf8',
        timeout: 2_000,
      }).trim();
    } catch {
      return '';
    }
  }
}

/** True when `pid` is a DynamoDB Local on `dbDir`: a recorded pid may since belong to an unrelated process. */
export function isDynamoLocalOn(pid: number, dbDir: string): boolean {
  if (!isAlive(pid)) return false;
  const args = commandLine(pid);
  return args.includes('DynamoDBLocal.jar') && args.includes(`-dbPath ${resolve(dbDir)}`);
}

export function readLock(dir: string): { info: LockInfo; raw: string } | undefined {
  try {
    const raw = readFileSync(join(dir, LOCK_FILE), 'utf8');
    const info = JSON.parse(raw) as Partial<LockInfo>;
    return typeof info.pid === 'number' ? { info: info as LockInfo, raw } : undefined;
  } catch {
    return undefined;
  }
}

/** The lock's holder while its process lives; undefined when there is no lock or it is stale. */
export function liveHolder(dir: string): LockInfo | undefined {
  const held = readLock(dir);
  return held && isAlive(held.info.pid, held.info.pidStamp) ? held.info : undefined;
}

/**
 * Takes `<dir>/licensewatch-dynamodb.lock` or throws 'store_busy'. A lock whose holder is gone is stale and taken
 * over, unless the DynamoDB Local it recorded still runs on this dir (an orphan: kill it first, see reapOrphan).
 */
export function acquireDataDirLock(dir: string, kind?: LockInfo['kind']): DataDirLock {
  const path = join(dir, LOCK_FILE);
  const pidStamp = processStamp(process.pid);
  const info: LockInfo = {
    pid: process.pid,
    ...(pidStamp ? { pidStamp } : {}),
    startedAt: new Date().toISOString(),
    token: randomBytes(8).toString('hex'),
    ...(kind ? { kind } : {}),
  };
  for (let attempt = 0; attempt < 5; attempt++) {
    if (createWhole(path, JSON.stringify(info))) return handle(path, info);
    let raw: string;
    try {
      raw = readFileSync(path, 'utf8');
    } catch {
      continue; // released meanwhile
    }
    const held = parse(raw);
    if (held && isAlive(held.pid, held.pidStamp)) {
      const java = held.javaPid ? `, DynamoDB Local pid ${held.javaPid}` : '';
      const who = held.pid === process.pid ? 'this process' : `pid ${held.pid}`;
      throw new StoreError(
        'store_busy',
        `store ${dir} is already in use by ${who}${java}: stop that first (lock file ${path})`,
      );
    }
    if (held?.javaPid && isDynamoLocalOn(held.javaPid, dir)) {
      throw new StoreError(
        'store_busy',
        `store ${dir} is held by an orphaned DynamoDB Local (pid ${held.javaPid}): kill it, then retry`,
      );
    }
    breakStale(path, raw);
  }
  throw new StoreError(
    'store_busy',
    `store ${dir} is being opened concurrently by another process (${path})`,
  );
}

/** Lock content is written aside and linked or renamed into place: a reader never sees half a lock. */
function aside(path: string, content: string): string {
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(tmp, content, { mode: 0o600, flag: 'wx' });
  return tmp;
}

/** Creates `path` with `content` unless it exists (false then). */
function createWhole(path: string, content: string): boolean {
  const tmp = aside(path, content);
  try {
    linkSync(tmp, path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return false;
  } finally {
    rmSync(tmp, { force: true });
  }
}

function parse(raw: string): LockInfo | undefined {
  try {
    const info = JSON.parse(raw) as Partial<LockInfo>;
    return typeof info.pid === 'number' ? (info as LockInfo) : undefined;
  } catch {
    return undefined;
  }
}

function mtime(path: string): number {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

/**
 * Removes the stale lock `raw`, and never a fresh one. Two processes may find the same stale lock: only the one
 * that creates its marker (one per stale content) removes it, and drops the marker only after, so a latecomer
 * that then takes the marker re-reads the file, finds a fresh lock (or none) and leaves it be.
 */
function breakStale(path: string, raw: string): void {
  const marker = `${path}.break-${createHash('sha256').update(raw).digest('hex').slice(0, 16)}`;
  try {
    writeFileSync(marker, String(process.pid), { flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    if (Date.now() - mtime(marker) > BREAKER_STALE_MS) rmSync(marker, { force: true });
    return;
  }
  try {
    let current: string | undefined;
    try {
      current = readFileSync(path, 'utf8');
    } catch {
      current = undefined;
    }
    if (current === raw) rmSync(path, { force: true });
  } finally {
    rmSync(marker, { force: true });
  }
}

function handle(path: string, info: LockInfo): DataDirLock {
  let released = false;
  const ours = () => {
    try {
      const held = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockInfo>;
      return held.pid === info.pid && held.token === info.token;
    } catch {
      return false;
    }
  };
  return {
    path,
    info,
    setJavaPid(pid) {
      info.javaPid = pid;
      const javaStamp = processStamp(pid);
      if (javaStamp) info.javaStamp = javaStamp;
      if (!released && ours()) renameSync(aside(path, JSON.stringify(info)), path);
    },
    held: () => !released && ours(),
    release() {
      if (released) return;
      released = true;
      if (ours()) rmSync(path, { force: true });
    },
  };
}
