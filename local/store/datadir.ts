// The embedded store's directory: its file names, private modes, and carrying a pre-upgrade shared database over.
import { chmodSync, existsSync, mkdirSync, readdirSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { LocalAccess } from '#local/store/access';

/** Under `--data-dir`: the database, its key, the lock, the port file, the leases and the log all live here. */
export const STORE_DIR = 'dynamodb';
/** Written by the supervisor once DynamoDB Local answers, removed before it stops. */
export const PORT_FILE = 'store.json';
export const LOG_FILE = 'store.log';
/** What DynamoDB Local called its only database while it ran with -sharedDb (before the key per data dir). */
export const SHARED_DB_FILE = 'shared-local-instance.db';

/** What licensewatch itself puts in a data dir: a dir holding only these is ours to tighten to 0700. */
const OURS = new Set([STORE_DIR, 'emulator-data.json']);

export function storeDir(dataDir: string): string {
  return join(dataDir, STORE_DIR);
}

/** Creates `dir` (and missing parents) with mode 0700, and takes group/other access away from an existing one. */
export function makePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if ((statSync(dir).mode & 0o077) !== 0) chmodSync(dir, 0o700);
}

/**
 * Makes `<dataDir>` 0700 and `<dataDir>/dynamodb` 0700. A data dir that holds anything but licensewatch's own files
 * (say `--data-dir ~`) keeps its mode: the store's own directory is private either way, and that is what guards the key.
 */
export function prepareDataDir(dataDir: string): string {
  if (!existsSync(dataDir) || readdirSync(dataDir).every((name) => OURS.has(name))) makePrivateDir(dataDir);
  const dir = storeDir(dataDir);
  makePrivateDir(dir);
  return dir;
}

/** The database file DynamoDB Local (without -sharedDb) opens for this key id and region. */
export function databaseFile(access: LocalAccess): string {
  return `${access.accessKeyId}_${access.region}.db`;
}

/**
 * Before the key per data dir, DynamoDB Local ran with -sharedDb and kept everything in shared-local-instance.db.
 * Renamed to the new key's file name (with any SQLite side file, so a hot journal still rolls back), it opens as is.
 * Only while holding the data dir's lock, with no DynamoDB Local running on it. Returns what it did, for the log.
 */
export function carryOverSharedDb(dbDir: string, access: LocalAccess): string | undefined {
  const from = join(dbDir, SHARED_DB_FILE);
  const to = join(dbDir, databaseFile(access));
  if (!existsSync(from)) return undefined;
  if (existsSync(to)) return `left ${SHARED_DB_FILE} alone: the store already has its own database`;
  for (const suffix of ['-journal', '-wal', '-shm']) {
    if (existsSync(from + suffix)) renameSync(from + suffix, to + suffix);
  }
  renameSync(from, to);
  chmodSync(to, 0o600);
  return `carried the database over from ${SHARED_DB_FILE} (written before the store had its own key)`;
}
