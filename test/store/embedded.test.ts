// Embedded DynamoDB Local: start/stop, persistence across restarts on one data dir, the data-dir lock.
import { existsSync, rmSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { join } from 'node:path';
import { DescribeTableCommand, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { localClients, openStore } from '#local/store/connect';
import { startEmbeddedDynamo } from '#local/store/embedded';
import { LOCK_FILE } from '#local/store/lock';
import { probePid, tempDir } from './helpers.ts';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('startEmbeddedDynamo', () => {
  it('starts in memory on a free port, answers, and stop leaves no process behind', async () => {
    const dynamo = await startEmbeddedDynamo();
    expect(dynamo.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
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

describe('openStore embedded', () => {
  it('creates the table with its indexes, persists across restarts, and locks the data dir', async () => {
    const dataDir = tempDir();
    dirs.push(dataDir);
    const lockPath = join(dataDir, 'dynamodb', LOCK_FILE);

    const first = await openStore({ store: 'embedded', dataDir, table: 'ledger' });
    try {
      expect(first.description).toContain('embedded DynamoDB Local at http://127.0.0.1:');
      expect(first.tableName).toBe('ledger');
      const { Table } = await first.raw.send(new DescribeTableCommand({ TableName: 'ledger' }));
      expect(Table?.TableStatus).toBe('ACTIVE');
      expect(Table?.KeySchema?.map((k) => k.AttributeName)).toEqual(['PK', 'SK']);
      expect(Table?.GlobalSecondaryIndexes?.map((g) => g.IndexName).sort()).toEqual([
        'byExpiry',
        'feed',
        'lookup',
      ]);
      await first.client.send(
        new PutCommand({
          TableName: 'ledger',
          Item: { PK: 'L#1', SK: 'CURRENT', seats: 3, note: undefined },
        }),
      );
      expect(existsSync(lockPath)).toBe(true);

      // A second start on the same data dir while the first runs is refused.
      await expect(openStore({ store: 'embedded', dataDir, table: 'ledger' })).rejects.toMatchObject({
        code: 'store_busy',
        message: expect.stringContaining(
          `is already in use by this process, DynamoDB Local pid ${first.embedded?.pid}`,
        ),
      });
    } finally {
      await first.close();
    }
    expect(probePid(first.embedded!.pid)).toBe('ESRCH');
    expect(existsSync(lockPath)).toBe(false);
    expect(existsSync(join(dataDir, 'dynamodb', 'shared-local-instance.db'))).toBe(true);

    const second = await openStore({ store: 'embedded', dataDir, table: 'ledger' });
    try {
      const { Item } = await second.client.send(
        new GetCommand({ TableName: 'ledger', Key: { PK: 'L#1', SK: 'CURRENT' } }),
      );
      expect(Item).toEqual({ PK: 'L#1', SK: 'CURRENT', seats: 3 });
    } finally {
      await second.close();
    }
    expect(probePid(second.embedded!.pid)).toBe('ESRCH');
  }, 120_000);
});
