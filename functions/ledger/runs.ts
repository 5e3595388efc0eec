// Sync run records: one summary per run and one item per connector walked, with counts, timings and errors.

import { randomBytes } from 'node:crypto';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { FEED, key } from './keys.ts';
import { feedPage, type Ledger, queryAll } from './ledger.ts';

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
  const summary: RunSummary = {
    runId,
    startedAt,
    status: connectors === 0 ? 'completed' : 'running',
    connectors,
    completed: 0,
    failed: 0,
    counts: zeroCounts(),
    ...(connectors === 0 ? { finishedAt: startedAt } : {}),
  };
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
 * Records one connector's walk and folds its counts into the run summary with atomic ADDs,
 * so workers running in parallel (SQS in AWS) never overwrite each other. The last one closes the run.
 */
export async function recordConnectorRun(ledger: Ledger, run: ConnectorRun): Promise<void> {
  const ownRecord = ledger.doc.send(
    new PutCommand({
      TableName: ledger.tableName,
      Item: { ...key.runConnector(run.runId, run.connectorId), type: 'connectorRun', ...run },
    }),
  );
  const names: Record<string, string> = { '#counts': 'counts', '#done': run.status };
  const values: Record<string, unknown> = { ':one': 1 };
  const adds = ['#done :one'];
  for (const name of COUNT_NAMES) {
    names[`#${name}`] = name;
    values[`:${name}`] = run.counts[name];
    adds.push(`#counts.#${name} :${name}`);
  }
  let update = `ADD ${adds.join(', ')}`;
  if (run.error) {
    update += ' SET #errors = list_append(if_not_exists(#errors, :empty), :error)';
    names['#errors'] = 'errors';
    values[':empty'] = [];
    values[':error'] = [{ connectorId: run.connectorId, ...run.error }];
  }
  const [, res] = await Promise.all([
    ownRecord,
    ledger.doc
      .send(
        new UpdateCommand({
          TableName: ledger.tableName,
          Key: key.runSummary(run.runId),
          UpdateExpression: update,
          ConditionExpression: 'attribute_exists(PK)',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      )
      .catch((error) => {
        // A connector walked outside a planned run (a re-driven message after the summary expired, say): keep its own record only.
        if ((error as { name?: string }).name === 'ConditionalCheckFailedException') return undefined;
        throw error;
      }),
  ]);
  const summary = res?.Attributes as RunSummary | undefined;
  if (summary && summary.status === 'running' && summary.completed + summary.failed >= summary.connectors) {
    await ledger.doc
      .send(
        new UpdateCommand({
          TableName: ledger.tableName,
          Key: key.runSummary(run.runId),
          UpdateExpression: 'SET #status = :status, finishedAt = :at',
          ConditionExpression: '#status = :running',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':status': summary.failed > 0 ? 'failed' : 'completed',
            ':at': run.finishedAt,
            ':running': 'running',
          },
        }),
      )
      .catch((error) => {
        if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') throw error;
      });
  }
}

export async function getRun(ledger: Ledger, runId: string): Promise<RunSummary | undefined> {
  const res = await ledger.doc.send(
    new GetCommand({ TableName: ledger.tableName, Key: key.runSummary(runId), ConsistentRead: true }),
  );
  return res.Item ? stripKeys<RunSummary>(res.Item) : undefined;
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
  return feedPage(ledger, FEED.runs, { ...options, defaultLimit: 50 }, (i) => stripKeys<RunSummary>(i));
}

export function stripKeys<T>(item: Record<string, unknown>): T {
  const { PK: _pk, SK: _sk, feed_pk: _fp, feed_sk: _fs, type: _t, ...rest } = item;
  return rest as T;
}
