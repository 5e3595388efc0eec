// Opens the ledger's DynamoDB store (embedded DynamoDB Local, an endpoint URL, or AWS) and ensures the table.
import { join } from 'node:path';
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ensureTable } from '#ledger/store/dynamo/table';
import { type EmbeddedDynamo, startEmbeddedDynamo } from '#local/store/embedded';
import { StoreError } from '#local/store/errors';

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
  log?: (line: string) => void;
}

export interface Store {
  client: DynamoDBDocumentClient;
  raw: DynamoDBClient;
  tableName: string;
  /** Destroys the clients and stops the embedded DynamoDB Local, if any; idempotent. */
  close(): Promise<void>;
  /** One line for logs, e.g. "embedded DynamoDB Local at http://127.0.0.1:PORT (data: ...), table licensewatch". */
  description: string;
  /** The embedded instance, when store is 'embedded'. */
  embedded?: EmbeddedDynamo;
}

const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

/** Clients for a local endpoint (DynamoDB Local or compatible): dummy credentials, short timeouts. */
export function localClients(endpoint: string, region = 'us-east-1') {
  return makeClients({
    endpoint,
    region,
    credentials: LOCAL_CREDENTIALS,
    maxAttempts: 2,
    requestHandler: { connectionTimeout: 3_000, requestTimeout: 30_000, throwOnRequestTimeout: true },
  });
}

function makeClients(config: DynamoDBClientConfig) {
  const raw = new DynamoDBClient(config);
  const client = DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } });
  return { raw, client };
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
    const embedded = await startEmbeddedDynamo({ dataDir: dir, log: options.log });
    const { raw, client } = localClients(embedded.endpoint, region);
    const close = once(async () => {
      raw.destroy();
      await embedded.stop();
    });
    try {
      await ensureTable(raw, tableName);
    } catch (err) {
      await close();
      throw err;
    }
    const description = `embedded DynamoDB Local at ${embedded.endpoint} (data: ${dir}), table ${tableName}`;
    return { raw, client, tableName, description, close, embedded };
  }

  const url = parseEndpoint(store);
  const { raw, client } = localClients(url, region);
  try {
    await ensureTable(raw, tableName);
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

function once(fn: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => {
    done ??= fn();
    return done;
  };
}
