// What the warm store's supervisor and its clients share: the port file, the supervisor's exit codes, its error line.
import { randomBytes } from 'node:crypto';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PORT_FILE } from '#local/store/datadir';
import type { StoreErrorCode } from '#local/store/errors';

/** `<dbDir>/store.json`, written once DynamoDB Local answers. No secret in it: the key stays in credentials.json. */
export interface PortFile {
  /** The supervisor: stop it (SIGTERM) and it stops java. */
  pid: number;
  javaPid: number;
  port: number;
  endpoint: string;
  startedAt: string;
  /** The lock's token: a port file is current only while the lock file carries the same one. */
  token: string;
}

/** Another supervisor holds the data dir's lock: the client waits for that one's port file. */
export const EXIT_BUSY = 3;
/** The supervisor could not start DynamoDB Local; its last log line says why. */
export const EXIT_FAILED = 2;

const ERROR_MARK = 'licensewatch-store error ';

export function readPortFile(dbDir: string): PortFile | undefined {
  try {
    const info = JSON.parse(readFileSync(join(dbDir, PORT_FILE), 'utf8')) as Partial<PortFile>;
    const complete =
      typeof info.pid === 'number' &&
      typeof info.javaPid === 'number' &&
      typeof info.port === 'number' &&
      typeof info.token === 'string';
    return complete ? (info as PortFile) : undefined;
  } catch {
    return undefined;
  }
}

/** Aside and renamed into place, so a client never reads half a port file. */
export function writePortFile(dbDir: string, info: PortFile): void {
  const path = join(dbDir, PORT_FILE);
  const tmp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, path);
}

/** Removes the port file if it is the one with `token` (or any, without). */
export function removePortFile(dbDir: string, token?: string): void {
  if (token === undefined || readPortFile(dbDir)?.token === token) {
    rmSync(join(dbDir, PORT_FILE), { force: true });
  }
}

/** The supervisor's last word on a failed start, as one log line a client can find and repeat. */
export function errorLine(code: StoreErrorCode, message: string): string {
  return `${ERROR_MARK}${JSON.stringify({ code, message })}`;
}

/** The last error line in `logText`, if any. */
export function lastError(logText: string): { code: StoreErrorCode; message: string } | undefined {
  const at = logText.lastIndexOf(ERROR_MARK);
  if (at < 0) return undefined;
  const line = logText.slice(at + ERROR_MARK.length).split('\n')[0]!;
  try {
    return JSON.parse(line) as { code: StoreErrorCode; message: string };
  } catch {
    return undefined;
  }
}
