// The warm store's keeper, run detached by the first command: owns DynamoDB Local for one data dir, stops it when idle.
// Usage: node supervisor.js <dbDir>   (stdout and stderr: <dbDir>/store.log, opened by the client that starts it)
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { storeAccess } from '#local/store/access';
import { hasExited, killAndWait, terminatePid } from '#local/store/children';
import { carryOverSharedDb, LOG_FILE } from '#local/store/datadir';
import {
  awaitDynamo,
  dynamoLocalArgs,
  freePort,
  isPortRace,
  JVM_HEAP,
  meaningfulLine,
} from '#local/store/embedded';
import { StoreError } from '#local/store/errors';
import { dropReleasedLeases, leaseState } from '#local/store/lease';
import { acquireDataDirLock, type DataDirLock, isAlive, isDynamoLocalOn, readLock } from '#local/store/lock';
import {
  EXIT_BUSY,
  EXIT_FAILED,
  errorLine,
  type PortFile,
  removePortFile,
  writePortFile,
} from '#local/store/protocol';

/** How often the leases are read: the idle stop is this late at most. */
const TICK_MS = 500;

/**
 * Linux's setpriv makes the kernel SIGTERM java when this process dies, even by SIGKILL: no orphan holds the files.
 * Tried once first: a sandbox that forbids prctl must not keep the store from starting.
 */
const SETPRIV = (() => {
  if (process.platform !== 'linux') return undefined;
  const path = ['/usr/bin/setpriv', '/bin/setpriv'].find(existsSync);
  if (!path) return undefined;
  return spawnSync(path, ['--pdeathsig', 'TERM', '--', 'true'], { stdio: 'ignore' }).status === 0
    ? path
    : undefined;
})();

const dbDir = resolve(process.argv[2] ?? '.');
const say = (line: string) =>
  process.stdout.write(`${new Date().toISOString()} supervisor ${process.pid}: ${line}\n`);

let java: ChildProcess | undefined;
let lock: DataDirLock | undefined;
let token: string | undefined;
let portFile: PortFile | undefined;
let stopping = false;
let timer: NodeJS.Timeout | undefined;

// Whatever ends this process ends java with it, and takes the port file and lock along.
process.on('exit', () => {
  if (java && !hasExited(java)) java.kill('SIGTERM');
  if (token) removePortFile(dbDir, token);
  lock?.release();
});
process.on('uncaughtException', (err) => {
  say(errorLine('store_start_failed', err instanceof Error ? err.message : String(err)));
  process.exit(EXIT_FAILED);
});
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
  process.on(signal, () => void shutdown(`${signal} received`, 0));
}

// DynamoDB Local's database files (and anything else made from here) are 0600: nobody else on the machine reads them.
process.umask(0o077);

await reapOrphan();
try {
  lock = acquireDataDirLock(dbDir, 'supervisor');
} catch (err) {
  if (err instanceof StoreError && err.code === 'store_busy') {
    say(`not starting, another process has the store: ${err.message}`);
    process.exit(EXIT_BUSY);
  }
  throw err;
}
token = lock.info.token;
removePortFile(dbDir); // left by a supervisor that was killed
try {
  const access = storeAccess(dbDir);
  const note = carryOverSharedDb(dbDir, access);
  if (note) say(note);
  const { port, child, seconds } = await launch(access);
  portFile = {
    pid: process.pid,
    javaPid: child.pid!,
    port,
    endpoint: `http://127.0.0.1:${port}`,
    startedAt: new Date().toISOString(),
    token: token!,
  };
  writePortFile(dbDir, portFile);
  const tied = SETPRIV ? 'stops with this supervisor' : 'not tied to this supervisor: no setpriv';
  say(`DynamoDB Local (pid ${child.pid}, heap ${JVM_HEAP}, ${tied}) ready on port ${port} in ${seconds} s`);
  child.once('exit', (code, signal) => {
    if (stopping) return;
    say(`DynamoDB Local exited unexpectedly (${signal ?? `code ${code}`}); the next command starts it again`);
    void shutdown('DynamoDB Local is gone', 1);
  });
  timer = setInterval(tick, TICK_MS);
} catch (err) {
  const e = err instanceof StoreError ? err : new StoreError('store_start_failed', String(err));
  say(errorLine(e.code, e.message));
  await shutdown('could not start', EXIT_FAILED);
}

/** Starts java and waits until it answers; a port taken between choosing and binding it is retried. */
async function launch(access: ReturnType<typeof storeAccess>) {
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const logPath = join(dbDir, LOG_FILE);
    const logOffset = size(logPath);
    const args = dynamoLocalArgs({ dbPath: dbDir, port });
    const child = SETPRIV
      ? spawn(SETPRIV, ['--pdeathsig', 'TERM', '--', 'java', ...args], {
          stdio: ['ignore', 'inherit', 'inherit'],
        })
      : spawn('java', args, { stdio: ['ignore', 'inherit', 'inherit'] });
    java = child;
    let spawnError: Error | undefined;
    child.once('error', (err) => {
      spawnError = err;
    });
    if (child.pid !== undefined) lock!.setJavaPid(child.pid);
    try {
      await awaitDynamo({
        port,
        access,
        pid: child.pid,
        exited: () =>
          spawnError?.message ??
          (hasExited(child) ? (child.signalCode ?? `code ${child.exitCode}`) : undefined),
        lastLine: () => lastOutputLine(logPath, logOffset),
      });
      return { port, child, seconds: ((Date.now() - started) / 1000).toFixed(1) };
    } catch (err) {
      await killAndWait(child);
      if (!isPortRace(err) || attempt >= 3) throw err;
      say(`port ${port} was taken meanwhile; retrying on another port`);
    }
  }
}

/** The idle stop. The port file goes first, then the leases are read again: a client that took a lease before
 * the port file went is seen and keeps the store; one that comes after finds no port file and starts another. */
function tick(): void {
  if (stopping) return;
  if (java && hasExited(java)) {
    void shutdown('DynamoDB Local is gone', 1); // its 'exit' event says why, this is the backstop
    return;
  }
  if (!lock!.held()) {
    void shutdown('its lock file is gone (was the data dir removed?)', 0);
    return;
  }
  if (!idle()) return;
  removePortFile(dbDir, token);
  if (!idle()) {
    writePortFile(dbDir, portFile!);
    return;
  }
  void shutdown('no client used it for its idle time', 0);
}

function idle(): boolean {
  const now = Date.now();
  const { holders, expiresAt } = leaseState(dbDir, now, true);
  return holders.length === 0 && now >= expiresAt;
}

async function shutdown(reason: string, code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  if (timer) clearInterval(timer);
  say(`stopping: ${reason}`);
  if (token) removePortFile(dbDir, token);
  if (java && !hasExited(java)) await killAndWait(java);
  if (lock?.held()) dropReleasedLeases(dbDir);
  lock?.release();
  say('stopped');
  process.exit(code);
}

/** A supervisor killed where setpriv is missing (macOS) leaves its java running on the files: stop that first. */
async function reapOrphan(): Promise<void> {
  const held = readLock(dbDir)?.info;
  if (!held || isAlive(held.pid, held.pidStamp) || !held.javaPid || !isDynamoLocalOn(held.javaPid, dbDir))
    return;
  say(`stopping DynamoDB Local pid ${held.javaPid}, left behind by supervisor ${held.pid} which is gone`);
  await terminatePid(held.javaPid, 5_000);
}

function size(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

function lastOutputLine(path: string, from: number): string {
  try {
    const text = readFileSync(path, 'utf8').slice(from);
    const lines = text.split(/\r?\n/).map((l) => l.trim());
    return lines.filter((l) => meaningfulLine(l) && !l.includes(' supervisor ')).pop() ?? '';
  } catch {
    return '';
  }
}
