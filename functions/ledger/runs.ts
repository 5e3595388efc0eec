// Sync run records: one summary per run and one item per connector walked, with counts, timings and errors.

import { randomBytes } from 'node:crypto';
import { GetCommand, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { FEED, key } from './keys.ts';
import { feedPage, type Ledger, queryAll } from './ledger.ts';
import { isConditionFailure } from './snapshot.ts';

export const COUNT_NAMES = [
  'seen',
  'created',
  'updated',
  'deleted',
  'unchanged',
  'invalid',
  'skipped',
] as const;
export type Counts = Record<(typeof COUNT_NAMES)[number], number>;
export const zeroCounts = (): Counts => ({
  seen: 0,
  created: 0,
  updated: 0,
  deleted: 0,
  unchanged: 0,
  invalid: 0,
  skipped: 0,
});

export interface ConnectorRun {
  runId: string;
  connectorId: string;
  status: 'completed' | 'failed';
  counts: Counts;
  pages: number;
  /** Pages whose body matched the last walk's digest and were skipped. */
  pagesUnchanged: number;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  error?: { code: string; message: string };
}

export interface RunSummary {
  runId: string;
  startedAt: string;
  finishedAt?: string;
  status: 'running' | 'completed' | 'failed';
  connectors: number;
  completed: number;
  failed: number;
  counts: Counts;
  errors?: { connectorId: string; code: string; message: string }[];
}

/** Sortable, unique run ids: the start time plus a random suffix. */
export function newRunId(now: Date): string {
  return `${now.toISOString()}-${randomBytes(3).toString('hex')}`;
}

export async function startRun(
  ledger: Ledger,
  runId: string,
  startedAt: string,
  connectors: number,
): Promise<void> {
  // Status and finish time are derived on read from the counts (see toRunSummary).
  const summary = { runId, startedAt, connectors, completed: 0, failed: 0, counts: zeroCounts() };
  await ledger.doc.send(
    new PutCommand({
      TableName: ledger.tableName,
      Item: {
        ...key.runSummary(runId),
        type: 'run',
        feed_pk: FEED.runs,
        feed_sk: `${startedAt}#${runId}`,
        ...summary,
      },
    }),
  );
}

/**
 * Records one connector's walk and folds it into the run summary, in one transaction. Idempotent per unit:
 * SQS may deliver a unit twice, or again after a failed walk. A repeat of a completed walk changes nothing;
 * a walk that follows a failed one replaces it (its counts and its "failed" move to this outcome).
 */
export async function recordConnectorRun(
  ledger: Ledger,
  run: ConnectorRun,
  /** A write that must land before the run counts this walk (the connector's walk marker); sent with the first read. */
  alongside?: () => Promise<unknown>,
): Promise<void> {
  const runKey = key.runConnector(run.runId, run.connectorId);
  for (let attempt = 0; attempt < 5; attempt++) {
    const read = ledger.doc.send(
      new GetCommand({ TableName: ledger.tableName, Key: runKey, ConsistentRead: true }),
    );
    const [got] = await Promise.all([read, attempt === 0 ? alongside?.() : undefined]);
    const prev = got.Item as ConnectorRun | undefined;
    if (prev?.status === 'completed') return; // counted already: a duplicate delivery
    const own = {
      Put: {
        TableName: ledger.tableName,
        Item: { ...runKey, type: 'connectorRun', ...run },
        ...(prev
          ? {
              ConditionExpression: '#status = :failed AND finishedAt = :prevAt',
              ExpressionAttributeNames: { '#status': 'status' },
              ExpressionAttributeValues: { ':failed': 'failed', ':prevAt': prev.finishedAt },
            }
          : { ConditionExpression: 'attribute_not_exists(PK)' }),
      },
    };
    try {
      await ledger.doc.send(
        new TransactWriteCommand({ TransactItems: [own, { Update: summaryUpdate(ledger, run, prev) }] }),
      );
      return;
    } catch (error) {
      const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons;
      if (reasons?.[1]?.Code === 'ConditionalCheckFailed' && reasons[0]?.Code !== 'ConditionalCheckFailed') {
        // No summary (a unit walked outside a planned run): keep the connector's own record only.
        await ledger.doc.send(new PutCommand(own.Put));
        return;
      }
      if (!isConditionFailure(error)) throw error;
      // Another delivery of this unit recorded first: read again and decide again.
    }
  }
  throw new Error(`could not record the walk of connector ${run.connectorId} in run ${run.runId}`);
}

/** ADDs this outcome to the summary, minus what an earlier failed attempt of the same unit added. */
function summaryUpdate(ledger: Ledger, run: ConnectorRun, prev: ConnectorRun | undefined) {
  const names: Record<string, string> = {
    '#counts': 'counts',
    '#completed': 'completed',
    '#failed': 'failed',
  };
  const values: Record<string, unknown> = {
    ':completed': run.status === 'completed' ? 1 : 0,
    ':failed': (run.status === 'failed' ? 1 : 0) - (prev ? 1 : 0),
    ':at': run.finishedAt,
  };
  const adds = ['#completed :completed', '#failed :failed'];
  for (const name of COUNT_NAMES) {
    names[`#${name}`] = name;
    values[`:${name}`] = run.counts[name] - (prev?.counts[name] ?? 0);
    adds.push(`#counts.#${name} :${name}`);
  }
  let update = `ADD ${adds.join(', ')} SET lastFinishedAt = :at`;
  if (run.error) {
    update += ', #errors = list_append(if_not_exists(#errors, :empty), :error)';
    names['#errors'] = 'errors';
    values[':empty'] = [];
    values[':error'] = [{ connectorId: run.connectorId, ...run.error }];
  }
  return {
    TableName: ledger.tableName,
    Key: key.runSummary(run.runId),
    UpdateExpression: update,
    ConditionExpression: 'attribute_exists(PK)',
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  };
}

/** The stored summary with its status derived: a run is over once every connector has an outcome. */
function toRunSummary(item: Record<string, unknown>): RunSummary {
  const { lastFinishedAt, ...rest } = stripKeys<RunSummary & { lastFinishedAt?: string }>(item);
  const done = rest.completed + rest.failed >= rest.connectors;
  const finishedAt = rest.connectors === 0 ? rest.startedAt : lastFinishedAt;
  return {
    ...rest,
    status: done ? (rest.failed > 0 ? 'failed' : 'completed') : 'running',
    ...(done && finishedAt ? { finishedAt } : {}),
  };
}

export async function getRun(ledger: Ledger, runId: string): Promise<RunSummary | undefined> {
  const res = await ledger.doc.send(
    new GetCommand({ TableName: ledger.tableName, Key: key.runSummary(runId), ConsistentRead: true }),
  );
  return res.Item ? toRunSummary(res.Item) : undefined;
}

export async function connectorRuns(ledger: Ledger, runId: string): Promise<ConnectorRun[]> {
  const out: ConnectorRun[] = [];
  for await (const item of queryAll<Record<string, unknown>>(ledger, {
    KeyConditionExpression: 'PK = :pk AND begins_with(SK, :c)',
    ExpressionAttributeValues: { ':pk': key.runSummary(runId).PK, ':c': 'CONNECTOR#' },
    ConsistentRead: true,
  })) {
    out.push(stripKeys<ConnectorRun>(item));
  }
  return out;
}

/** Sync runs, newest first, paged. */
export function listRuns(ledger: Ledger, options: { limit?: number; cursor?: string } = {}) {
  return feedPage(ledger, FEED.runs, { ...options, defaultLimit: 50 }, toRunSummary);
}

export function stripKeys<T>(item: Record<string, unknown>): T {
  const { PK: _pk, SK: _sk, feed_pk: _fp, feed_sk: _fs, type: _t, ...rest } = item;
  return rest as T;
}
