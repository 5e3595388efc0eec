// Leases: how clients tell the warm store they use it. One file per open store; the supervisor reads them to idle out.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isAlive, processStamp } from '#local/store/lock';

export const LEASES_DIR = 'leases';

interface LeaseInfo {
  pid: number;
  /** Which process `pid` is (see processStamp). */
  stamp?: string;
  /** How long after its last use this client wants the store kept up (its --store-idle). */
  idleMs: number;
  /** True while the client holds the store open; its file's mtime is when it was last opened or released. */
  open: boolean;
}

export interface Lease {
  path: string;
  /** Marks the lease released now: the store stays up for its idle time from here. Idempotent. */
  release(): void;
}

export interface LeaseState {
  /** Pids of live clients holding the store open (a running serve or demo among them). */
  holders: number[];
  /** When the last released or abandoned lease runs out (epoch ms); 0 with no lease at all. */
  expiresAt: number;
}

/** Aside and renamed into place: the supervisor never reads half a lease, and sees it whole before the client reads the port file. */
function write(path: string, info: LeaseInfo): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, JSON.stringify(info), { mode: 0o600 });
  renameSync(tmp, path);
}

/** Takes a lease in `<dbDir>/leases`; call before reading the port file (see the supervisor's idle stop). */
export function takeLease(dbDir: string, idleMs: number): Lease {
  const dir = join(dbDir, LEASES_DIR);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, `${process.pid}-${randomBytes(4).toString('hex')}.lease`);
  const stamp = processStamp(process.pid);
  const mine = { pid: process.pid, ...(stamp ? { stamp } : {}), idleMs };
  write(path, { ...mine, open: true });
  let released = false;
  return {
    path,
    release() {
      if (released) return;
      released = true;
      try {
        write(path, { ...mine, open: false });
      } catch {
        // The data dir is gone: nothing to keep up.
      }
    },
  };
}

/**
 * Reads every lease: open ones whose process lives hold the store; the others keep it up until their mtime plus
 * their idle time (a client killed mid-command counts from when it opened). With `sweep`, deletes leases that ran out.
 */
export function leaseState(dbDir: string, now = Date.now(), sweep = false): LeaseState {
  const dir = join(dbDir, LEASES_DIR);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return { holders: [], expiresAt: 0 };
  }
  const holders: number[] = [];
  let expiresAt = 0;
  for (const name of names) {
    const path = join(dir, name);
    if (!name.endsWith('.lease')) {
      if (sweep && name.endsWith('.tmp') && age(path, now) > 60_000) rmSync(path, { force: true });
      continue;
    }
    let info: LeaseInfo;
    let mtimeMs: number;
    try {
      mtimeMs = statSync(path).mtimeMs;
      info = JSON.parse(readFileSync(path, 'utf8')) as LeaseInfo;
    } catch {
      continue; // released and swept meanwhile
    }
    if (info.open && isAlive(info.pid, info.stamp)) {
      holders.push(info.pid);
      continue;
    }
    const until = mtimeMs + (Number.isFinite(info.idleMs) ? info.idleMs : 0);
    if (until > expiresAt) expiresAt = until;
    if (sweep && until < now) rmSync(path, { force: true });
  }
  return { holders: [...new Set(holders)].sort((a, b) => a - b), expiresAt };
}

/** Forgets every lease no live client holds open: after a stop, the next store counts its idle time afresh. */
export function dropReleasedLeases(dbDir: string): void {
  const dir = join(dbDir, LEASES_DIR);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.endsWith('.lease')) continue; // a client is between writing and renaming it
    const path = join(dir, name);
    try {
      const info = JSON.parse(readFileSync(path, 'utf8')) as LeaseInfo;
      if (info.open && isAlive(info.pid, info.stamp)) continue;
    } catch {
      continue;
    }
    rmSync(path, { force: true });
  }
}

function age(path: string, now: number): number {
  try {
    return now - statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}
