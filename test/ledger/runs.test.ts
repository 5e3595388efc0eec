// Run records: a unit delivered twice, or again after a failure, is counted once with its last outcome.
import { describe, expect, it } from 'vitest';
import { type ConnectorRun, zeroCounts } from '#ledger/schemas';
import { createDynamoStore } from '#ledger/store/dynamo/index';
import { freshTable } from '../support/tables.ts';

const unit = (
  connectorId: string,
  status: ConnectorRun['status'],
  seen: number,
  at: string,
): ConnectorRun => ({
  runId: 'run-1',
  connectorId,
  status,
  counts: { ...zeroCounts(), seen, unchanged: seen },
  pages: 1,
  pagesUnchanged: 1,
  startedAt: at,
  finishedAt: at,
  durationMs: 1,
  ...(status === 'failed' ? { error: { code: 'upstream_error', message: '500 upstream_error' } } : {}),
});

describe('run records', () => {
  it('counts each connector once, with its last outcome, and derives the status', async () => {
    const { client, tableName } = await freshTable('runs');
    const ledger = createDynamoStore(client, tableName);
    await ledger.startRun({ runId: 'run-1', startedAt: '2026-06-15T12:00:00.000Z', connectors: 2 });
    expect((await ledger.getRun('run-1'))!.status).toBe('running');

    await ledger.recordConnectorRun(unit('a', 'failed', 10, '2026-06-15T12:00:01.000Z'));
    expect(await ledger.getRun('run-1')).toMatchObject({ status: 'running', completed: 0, failed: 1 });

    // SQS redelivers the failed unit and it completes: it moves from failed to completed, counts replaced.
    await ledger.recordConnectorRun(unit('a', 'completed', 40, '2026-06-15T12:00:02.000Z'));
    // A duplicate delivery of the completed unit changes nothing.
    await ledger.recordConnectorRun(unit('a', 'completed', 40, '2026-06-15T12:00:03.000Z'));
    expect(await ledger.getRun('run-1')).toMatchObject({ status: 'running', completed: 1, failed: 0 });

    await Promise.all([
      ledger.recordConnectorRun(unit('b', 'completed', 5, '2026-06-15T12:00:04.000Z')),
      ledger.recordConnectorRun(unit('b', 'completed', 5, '2026-06-15T12:00:04.000Z')),
    ]);
    const done = await ledger.getRun('run-1');
    expect(done).toMatchObject({
      status: 'completed',
      completed: 2,
      failed: 0,
      finishedAt: '2026-06-15T12:00:04.000Z',
    });
    expect(done!.counts).toMatchObject({ seen: 45, unchanged: 45 });
    expect((await ledger.listRuns({})).items[0]).toEqual(done);
  });

  it('a unit outside any planned run keeps its own record', async () => {
    const { client, tableName } = await freshTable('runs');
    const ledger = createDynamoStore(client, tableName);
    await ledger.recordConnectorRun(unit('z', 'completed', 1, '2026-06-15T12:00:00.000Z'));
    expect(await ledger.getRun('run-1')).toBeUndefined();
  });
});
