// Opens the ledger's DynamoDB store (the warm embedded DynamoDB Local, an endpoint URL, or AWS) and ensures the table.
import { existsSync } from 'node:fs';
import { Agent } from 'node:http';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { markCurrent } from '#ledger/store/dynamo/migrations/index';
import { ensureTable } from '#ledger/store/dynamo/table';
import { LOCAL_ACCESS, type LocalAccess } from '#local/store/access';
import { type EmbeddedDynamo, listensOn } from '#local/store/embedded';
import { StoreError } from '#local/store/errors';
import { openWarmStore } from '#local/store/warm';

/** The table is the ledger adapter's to provision; re-exported for the store's callers. */
export { ensureTable };

export type StoreSpec = 'embedded' | 'aws' | (string & {});

export interface OpenStoreOptions {
  /** 'embedded' (DynamoDB Local under dataDir), 'aws' (default credential chain), or an http(s) endpoint URL. */
  store: StoreSpec;
  /** Root data directory; the embedded database lives in `<dataDir>/dynamodb`. */
  dataDir: string;
  table: string;
  region?: string;
  /** Embedded store: minutes without a client before it stops (fractions allowed); default 15. */
  idleMinutes?: number;
  log?: (line: string) => void;
}

export interface Store {
  client: DynamoDBDocumentClient;
  raw: DynamoDBClient;
  tableName: string;
  /** Destroys the clients and lets go of the embedded store (which stays warm for its idle time); idempotent. */
  close(): Promise<void>;
  /** One line for logs, e.g. "embedded DynamoDB Local at http://127.0.0.1:PORT (data: ...), table licensewatch". */
  description: string;
  /** The embedded instance, when store is 'embedded' (`pid`: its java; `stop()` stops it for every client). */
  embedded?: EmbeddedDynamo;
}

/**
 * Clients for a local endpoint (DynamoDB Local or compatible), short timeouts. DynamoDB Local keeps one database
 * per key id and region: the embedded store passes its data dir's key; the default is the one every test and
 * endpoint-URL client shares.
 */
export function localClients(endpoint: string, access: LocalAccess = LOCAL_ACCESS, httpAgent?: Agent) {
  const { region, accessKeyId, secretAccessKey } = access;
  return makeClients({
    endpoint,
    region,
    credentials: { accessKeyId, secretAccessKey },
    maxAttempts: 2,
    requestHandler: {
      connectionTimeout: 3_000,
      requestTimeout: 30_000,
      throwOnRequestTimeout: true,
      ...(httpAgent ? { httpAgent } : {}),
    },
  });
}

/**
 * Whether `pid` (our store's java) owns the socket listening on `port`: false once it died or another program holds
 * the port, undefined where /proc cannot tell (not Linux).
 */
export function storeOwnsPort(pid: number, port: number): boolean | undefined {
  if (!existsSync('/proc/net/tcp')) return undefined;
  return listensOn(pid, port) ?? false;
}

/**
 * An HTTP agent that opens a connection to the store only while its own java listens there. When java dies, its
 * port is free for any local program to take: a request sent there would hand it the data dir's key id and take its
 * answer for the ledger. Checked before each new connection (kept-alive ones end with java); a port not ours is
 * refused (ECONNREFUSED) without a byte sent, and the client reopens its own store.
 */
export function ownedPortAgent(owner: () => number): Agent {
  const agent = new Agent({ keepAlive: true, maxSockets: 50 });
  const connect = agent.createConnection.bind(agent);
  agent.createConnection = ((
    options: { port?: number | string },
    callback: (err: Error | null, s?: Socket) => void,
  ) => {
    const pid = owner();
    if (storeOwnsPort(pid, Number(options.port)) === false) {
      const refused = Object.assign(
        new Error(`port ${options.port} is not held by the store's java (pid ${pid})`),
        {
          code: 'ECONNREFUSED',
        },
      );
      // The agent expects the error through the callback, after this call returns.
      process.nextTick(() => callback(refused));
      return undefined;
    }
    return connect(options as never, callback as never);
  }) as typeof agent.createConnection;
  return agent;
}

function makeClients(config: DynamoDBClientConfig) {
  const raw = new DynamoDBClient(config);
  const client = DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } });
  return { raw, client };
}

/** The table as this version defines it; one it just created holds nothing older, so no migration will scan it. */
async function provision(raw: DynamoDBClient, client: DynamoDBDocumentClient, tableName: string) {
  if ((await ensureTable(raw, tableName)) === 'created')
    await markCurrent({ doc: client, name: tableName }, new Date());
}

export async function openStore(options: OpenStoreOptions): Promise<Store> {
  const { store, table: tableName, region } = options;
  if (!tableName) throw new StoreError('bad_store', 'table name is empty');

  if (store === 'aws') {
    const { raw, client } = makeClients(region ? { region } : {});
    const description = `AWS DynamoDB (${region ?? 'default region'}), table ${tableName}`;
    return { raw, client, tableName, description, close: once(async () => raw.destroy()) };
  }

  if (store === 'embedded') {
    const dir = join(options.dataDir, 'dynamodb');
    const open = () =>
      openWarmStore({ dataDir: options.dataDir, idleMinutes: options.idleMinutes, log: options.log });
    const embedded = await open();
    // A long-running client (serve, demo) outlives a store that died (java killed, `store stop`): a request the
    // store refuses opens the data dir's store again (started anew if need be) and goes there once more.
    let current = embedded;
    const held = [embedded];
    let reopening: Promise<void> | undefined;
    const reopen = () => {
      reopening ??= open()
        .then((next) => {
          current = next;
          held.push(next);
          options.log?.(`the store stopped; reconnected to ${next.endpoint}`);
        })
        .finally(() => {
          reopening = undefined;
        });
      return reopening;
    };
    const agent = ownedPortAgent(() => current.pid);
    const { raw, client } = localClients(embedded.endpoint, embedded.access, agent);
    raw.config.endpoint = async () => endpointOf(current.endpoint);
    raw.middlewareStack.add(
      (next) => async (args) => {
        const before = current;
        try {
          return await next(args);
        } catch (err) {
          if (!isRefused(err)) throw err;
          if (current === before) await reopen();
          return next(args);
        }
      },
      { step: 'initialize', name: 'reopenEmbeddedStore' },
    );
    const close = once(async () => {
      raw.destroy();
      agent.destroy();
      for (const h of held) h.release();
    });
    try {
      await provision(raw, client, tableName);
    } catch (err) {
      await close();
      throw err;
    }
    const description = `embedded DynamoDB Local at ${embedded.endpoint} (data: ${dir}), table ${tableName}`;
    return { raw, client, tableName, description, close, embedded };
  }

  const url = parseEndpoint(store);
  const { raw, client } = localClients(url, { ...LOCAL_ACCESS, region: region ?? LOCAL_ACCESS.region });
  try {
    await provision(raw, client, tableName);
  } catch (err) {
    raw.destroy();
    throw unreachable(url, err) ?? err;
  }
  return {
    raw,
    client,
    tableName,
    description: `DynamoDB at ${url}, table ${tableName}`,
    close: once(async () => raw.destroy()),
  };
}

function parseEndpoint(store: string): string {
  const hint = "expected 'embedded', 'aws' or an http(s):// endpoint URL";
  let url: URL;
  try {
    url = new URL(store);
  } catch {
    throw new StoreError('bad_store', `unknown store '${store}': ${hint}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new StoreError('bad_store', `unsupported store URL '${store}': ${hint}`);
  }
  return store.replace(/\/+$/, '');
}

const NETWORK_REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host lookup failed',
  ECONNRESET: 'connection reset',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  TimeoutError: 'connection timed out',
};

/** Maps a network-level failure to 'store_unreachable'; undefined for anything else (e.g. an HTTP error). */
function unreachable(url: string, err: unknown): StoreError | undefined {
  const e = err as { code?: string; name?: string; errors?: { code?: string }[] } | undefined;
  const code = e?.code ?? e?.errors?.[0]?.code ?? e?.name ?? '';
  const reason = NETWORK_REASONS[code];
  if (!reason) return undefined;
  return new StoreError('store_unreachable', `cannot reach DynamoDB at ${url}: ${reason}`, { cause: err });
}

/** The endpoint as the SDK's resolved form: a URL string parsed into its parts. */
function endpointOf(url: string) {
  const u = new URL(url);
  return { protocol: u.protocol, hostname: u.hostname, port: Number(u.port), path: u.pathname };
}

/** Nobody listens there any more: the store stopped. */
function isRefused(err: unknown): boolean {
  const e = err as { code?: string; errors?: { code?: string }[]; cause?: { code?: string } } | undefined;
  return [e?.code, e?.errors?.[0]?.code, e?.cause?.code].includes('ECONNREFUSED');
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => {
    done ??= fn();
    return done;
  };
}
