// The warm store from a client's side: reuse the data dir's DynamoDB Local or start its supervisor; hold a lease; status; stop.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, renameSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type LocalAccess, storeAccess } from '#local/store/access';
import { terminatePid } from '#local/store/children';
import { LOG_FILE, prepareDataDir, storeDir } from '#local/store/datadir';
import { type EmbeddedDynamo, javaReady } from '#local/store/embedded';
import { StoreError } from '#local/store/errors';
import { leaseState, takeLease } from '#local/store/lease';
import { commandLine, isAlive, isDynamoLocalOn, liveHolder, readLock } from '#local/store/lock';
import { EXIT_BUSY, lastError, type PortFile, readPortFile } from '#local/store/protocol';

export const DEFAULT_IDLE_MINUTES = 15;
/** A cold JVM on a busy 2-core laptop takes 5-10 s; the supervisor itself gives up after 30 s per attempt. */
const START_TIMEOUT_MS = 90_000;
/** The log is kept across starts, and set aside once it grows past this. */
const LOG_ROTATE_BYTES = 1024 * 1024;

export interface WarmStore extends EmbeddedDynamo {
  /** The data dir's key: every client of this store must use it (see access.ts). */
  access: LocalAccess;
  /** The supervisor, which owns java (`pid`). */
  supervisorPid: number;
  startedAt: string;
  /** False when this call started the store. */
  reused: boolean;
  /** This client is done: the store stays up for the idle time from now. Idempotent. */
  release(): void;
}

export interface OpenWarmStoreOptions {
  /** The --data-dir; the store lives in `<dataDir>/dynamodb`. */
  dataDir: string;
  /** Minutes without a client before the store stops (fractions allowed); default 15. */
  idleMinutes?: number;
  log?: (line: string) => void;
}

/** Reuses the data dir's running store or starts one in the background, and holds it until release(). */
export async function openWarmStore(options: OpenWarmStoreOptions): Promise<WarmStore> {
  const idleMinutes = options.idleMinutes ?? DEFAULT_IDLE_MINUTES;
  if (!Number.isFinite(idleMinutes) || idleMinutes < 0) {
    throw new StoreError('bad_store', `store idle time must be a number of minutes >= 0, got ${idleMinutes}`);
  }
  const dbDir = prepareDataDir(resolve(options.dataDir));
  const access = storeAccess(dbDir);
  // Before the port file is read: the supervisor's idle stop relies on this order.
  const lease = takeLease(dbDir, Math.round(idleMinutes * 60_000));
  try {
    const { info, reused } = await reach(dbDir, options.log ?? (() => {}));
    return {
      endpoint: info.endpoint,
      pid: info.javaPid,
      supervisorPid: info.pid,
      startedAt: info.startedAt,
      access,
      reused,
      release: lease.release,
      stop: async () => {
        lease.release();
        await stopStore(options.dataDir);
      },
    };
  } catch (err) {
    lease.release();
    throw err;
  }
}

interface Starting {
  pid?: number;
  /** Set once the supervisor exited. */
  exitCode?: number;
  error?: Error;
}

async function reach(
  dbDir: string,
  log: (line: string) => void,
): Promise<{ info: PortFile; reused: boolean }> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  let starting: Starting | undefined;
  let starts = 0;
  for (;;) {
    const info = runningStore(dbDir);
    if (info && (await listening(info.port))) return { info, reused: starting === undefined };
    if (starting?.exitCode !== undefined && starting.exitCode !== EXIT_BUSY)
      throw startFailure(dbDir, starting);
    const holder = liveHolder(dbDir);
    if (holder && holder.kind !== 'supervisor') {
      throw new StoreError(
        'store_busy',
        `store ${dbDir} is in use by pid ${holder.pid}, which runs DynamoDB Local for itself: stop it first`,
      );
    }
    // Nobody holds the lock: start a supervisor (a second one racing ours finds the lock taken and exits busy).
    if (!holder && (starting === undefined || starting.exitCode !== undefined)) {
      if (++starts > 5) {
        throw new StoreError(
          'store_start_failed',
          `could not start the store in ${dbDir}: see ${logPath(dbDir)}`,
        );
      }
      await javaReady();
      starting = startSupervisor(dbDir);
      log(`starting DynamoDB Local for ${dbDir} in the background (log: ${logPath(dbDir)})`);
    }
    if (Date.now() > deadline) {
      throw new StoreError(
        'store_start_failed',
        `the store in ${dbDir} did not come up within ${START_TIMEOUT_MS / 1000} s: see ${logPath(dbDir)}`,
      );
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The port file, if the supervisor that wrote it still lives and still holds the lock it names. */
function runningStore(dbDir: string): PortFile | undefined {
  const info = readPortFile(dbDir);
  const lock = readLock(dbDir)?.info;
  if (!info || !lock || lock.token !== info.token) return undefined;
  return isAlive(info.pid, lock.pidStamp) && isAlive(info.javaPid, lock.javaStamp) ? info : undefined;
}

/** A TCP connect on loopback: a millisecond, and it catches a java that stopped answering since it was recorded. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const socket = connect({ host: '127.0.0.1', port, timeout: 1_000 });
    const done = (ok: boolean) => {
      socket.destroy();
      resolvePromise(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}

function logPath(dbDir: string): string {
  return join(dbDir, LOG_FILE);
}

/**
 * The supervisor runs in a session of its own (detached: Ctrl-C of this command cannot reach it), its output in
 * the log file (an inherited pipe would keep whoever reads ours waiting), without this command's secrets.
 */
function startSupervisor(dbDir: string): Starting {
  const path = logPath(dbDir);
  try {
    if (statSync(path).size > LOG_ROTATE_BYTES) renameSync(path, `${path}.1`);
  } catch {
    // no log yet
  }
  const fd = openSync(path, 'a', 0o600);
  const starting: Starting = {};
  try {
    const child = spawn(process.execPath, [...supervisorCommand(), dbDir], {
      cwd: dbDir,
      detached: true,
      stdio: ['ignore', fd, fd],
      env: supervisorEnv(),
    });
    starting.pid = child.pid;
    child.once('error', (err) => {
      starting.error = err;
      starting.exitCode = -1;
    });
    child.once('exit', (code, signal) => {
      starting.exitCode = code ?? (signal ? 128 : -1);
    });
    child.unref();
  } finally {
    closeSync(fd);
  }
  return starting;
}

/**
 * From sources the supervisor runs through tsx, like the CLI; the bundled CLI builds it as an entry of its own,
 * beside main.js (this module may sit in a chunk one directory down).
 */
function supervisorCommand(): string[] {
  const here = import.meta.url;
  if (here.endsWith('.ts')) {
    return ['--import', import.meta.resolve('tsx'), fileURLToPath(new URL('./supervisor.ts', here))];
  }
  const built = ['./supervisor.js', '../supervisor.js'].map((p) => fileURLToPath(new URL(p, here)));
  return [built.find((path) => existsSync(path)) ?? built[0]!];
}

/**
 * What the supervisor and its java need to run, and nothing else: a process that outlives the command gets none of
 * its tokens or credentials, also those under names of the user's choosing (an accounts file's `tokenEnv`).
 */
const SUPERVISOR_ENV =
  /^(PATH|HOME|USER|LOGNAME|SHELL|JAVA_HOME|LANG|LANGUAGE|LC_[A-Z]+|TZ|TMPDIR|TMP|TEMP|SYSTEMROOT|WINDIR|COMSPEC|PATHEXT)$/i;

export function supervisorEnv(from: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(from)) if (SUPERVISOR_ENV.test(key)) env[key] = value;
  return env;
}

function startFailure(dbDir: string, starting: Starting): StoreError {
  if (starting.error) {
    return new StoreError(
      'store_start_failed',
      `cannot start the store's supervisor: ${starting.error.message}`,
    );
  }
  let said: ReturnType<typeof lastError>;
  try {
    said = lastError(readFileSync(logPath(dbDir), 'utf8'));
  } catch {
    said = undefined;
  }
  return new StoreError(
    said?.code ?? 'store_start_failed',
    said?.message ?? `the store's supervisor exited (code ${starting.exitCode}): see ${logPath(dbDir)}`,
  );
}

export type StoreStatus =
  | { running: false; dataDir: string }
  | {
      running: true;
      dataDir: string;
      endpoint: string;
      /** The supervisor: `kill <pid>` stops the store as `store stop` does. */
      pid: number;
      javaPid: number;
      startedAt: string;
      /** When it stops if no client comes; null while a client holds it (a running serve or demo). */
      idleStopAt: string | null;
      heldBy: number[];
      log: string;
    };

/** What runs for this data dir; reads files only (creates nothing, touches no lease). */
export function storeStatus(dataDir: string): StoreStatus {
  const absolute = resolve(dataDir);
  const dbDir = storeDir(absolute);
  const info = runningStore(dbDir);
  if (!info) return { running: false, dataDir: absolute };
  const { holders, expiresAt } = leaseState(dbDir);
  return {
    running: true,
    dataDir: absolute,
    endpoint: info.endpoint,
    pid: info.pid,
    javaPid: info.javaPid,
    startedAt: info.startedAt,
    idleStopAt: holders.length > 0 ? null : new Date(Math.max(expiresAt, Date.now())).toISOString(),
    heldBy: holders,
    log: logPath(dbDir),
  };
}

export interface StopResult {
  /** 'store': its supervisor stopped; 'orphan': a DynamoDB Local left by a killed supervisor; 'none': nothing ran. */
  stopped: 'store' | 'orphan' | 'none';
  pid?: number;
  /** Clients that held it open (their next store call fails). */
  heldBy?: number[];
}

/** Stops the data dir's store (its supervisor stops java) and waits until it is gone. */
export async function stopStore(dataDir: string): Promise<StopResult> {
  const dbDir = storeDir(resolve(dataDir));
  if (!existsSync(dbDir)) return { stopped: 'none' };
  const held = readLock(dbDir)?.info;
  if (held && isAlive(held.pid, held.pidStamp)) {
    if (held.kind !== 'supervisor') {
      throw new StoreError(
        'store_busy',
        `store ${dbDir} is in use by pid ${held.pid}, which runs DynamoDB Local for itself: stop that process`,
      );
    }
    // A recorded pid may since belong to another process: signal only our supervisor.
    if (commandLine(held.pid).includes('supervisor')) {
      const { holders } = leaseState(dbDir);
      // The supervisor stops java within its own grace; SIGKILL it (and java) only if it hangs past that.
      if (!(await terminatePid(held.pid, 15_000)) || (held.javaPid && isDynamoLocalOn(held.javaPid, dbDir))) {
        if (held.javaPid) await terminatePid(held.javaPid);
      }
      return { stopped: 'store', pid: held.pid, heldBy: holders };
    }
  }
  if (held?.javaPid && isDynamoLocalOn(held.javaPid, dbDir)) {
    await terminatePid(held.javaPid);
    return { stopped: 'orphan', pid: held.javaPid };
  }
  return { stopped: 'none' };
}
