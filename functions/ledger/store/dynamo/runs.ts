// Sync run records: a summary per run and an item per connector walked, folded together in one transaction.
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import pLimit from 'p-limit';
import { COUNT_NAMES, type ConnectorRun, type RunSummary, zeroCounts } from '../../schemas.ts';
import type { PageRequest, RunStore } from '../port.ts';
import { IN_FLIGHT } from './bulk.ts';
import { FEED, key, PREFIX } from './keys.ts';
import {
  backoff,
  cancellationCodes,
  feedPage,
  type Item,
  isConditionFailure,
  queryAll,
  stripKeys,
  type Table,
  transact,
} from './query.ts';
import type { Site } from './site.ts';

export async function startRun(
  table: Table,
  run: {
    runId: string;
    startedAt: string;
    connectors: number;
    accountErrors?: { account: string; code: string; message: string }[];
    failed?: ConnectorRun[];
  },
): Promise<void> {
  // Status and finish time are derived on read from the counts (see toRunSummary); no account errors, no attribute.
  const { accountErrors, failed = [], ...rest } = run;
  // Walks failed before they began: their own items first, then the summary already counting them. Folding each into
  // the summary by a transaction of its own would set them all on one item at once, and DynamoDB cancels
  // transactions that meet on one item (TransactionConflict): one failing account would fail the plan.
  const limit = pLimit(IN_FLIGHT);
  await Promise.all(
    failed.map((f) =>
      limit(() =>
        table.doc.send(
          new PutCommand({
            TableName: table.name,
            Item: { ...key.runConnector(f.runId, f.connectorId), type: 'connectorRun', ...f },
          }),
        ),
      ),
    ),
  );
  const errors = failed.flatMap((f) => (f.error ? [{ connectorId: f.connectorId, ...f.error }] : []));
  await table.doc.send(
    new PutCommand({
      TableName: table.name,
      Item: {
        ...key.runSummary(run.runId),
        type: 'run',
        feed_pk: FEED.runs,
        feed_sk: `${run.startedAt}#${run.runId}`,
        ...rest,
        ...(accountErrors?.length ? { accountErrors } : {}),
        completed: 0,
        failed: failed.length,
        skipped: 0,
        counts: zeroCounts(),
        ...(errors.length ? { errors } : {}),
        ...(failed.length ? { lastFinishedAt: run.startedAt } : {}),
      },
    }),
  );
}

/**
 * Records one connector's walk and folds it into the run summary, in one transaction. Idempotent per unit:
 * SQS may deliver a unit twice, or again after a failed walk. A repeat of a completed walk changes nothing;
 * a walk that follows a failed (or stood-down) one replaces it (its counts and its status move to this outcome).
 */
export async function recordConnectorRun(table: Table, run: ConnectorRun): Promise<void> {
  const runKey = key.runConnector(run.runId, run.connectorId);
  // Every walk of a run folds into its one summary item: workers finishing together meet there, and DynamoDB cancels
  // all but one of the transactions that meet (TransactionConflict). Each tries again after a growing, random wait,
  // long enough overall (about a minute) that a walk done is never handed back to the queue for a busy summary.
  for (let attempt = 0; attempt < RECORD_ATTEMPTS; attempt++) {
    if (attempt > 0) await backoff(attempt);
    const got = await table.doc.send(
      new GetCommand({ TableName: table.name, Key: runKey, ConsistentRead: true }),
    );
    const prev = got.Item as ConnectorRun | undefined;
    if (prev?.status === 'completed') return; // counted already: a duplicate delivery
    if (prev && run.status === 'skipped') return; // a walk that stood down adds nothing to one that ran
    const own = {
      Put: {
        TableName: table.name,
        Item: { ...runKey, type: 'connectorRun', ...run },
        ...(prev
          ? {
              ConditionExpression: '#status = :prevStatus AND finishedAt = :prevAt',
              ExpressionAttributeNames: { '#status': 'status' },
              ExpressionAttributeValues: { ':prevStatus': prev.status, ':prevAt': prev.finishedAt },
            }
          : { ConditionExpression: 'attribute_not_exists(PK)' }),
      },
    };
    try {
      await transact(table, [own, { Update: summaryUpdate(table, run, prev) }]);
      return;
    } catch (error) {
      const codes = cancellationCodes(error);
      if (codes?.[1] === 'ConditionalCheckFailed' && codes[0] !== 'ConditionalCheckFailed') {
        // No summary (a unit walked outside a planned run): keep the connector's own record only.
        await table.doc.send(new PutCommand(own.Put));
        return;
      }
      if (!isConditionFailure(error)) throw error;
      // Another delivery of this unit recorded first, or another walk's transaction held the summary: read again
      // and decide again.
    }
  }
  throw new Error(`could not record the walk of connector ${run.connectorId} in run ${run.runId}`);
}

/** Tries at recording one walk: with waits capped at 2 s, about a minute in all before giving up. */
const RECORD_ATTEMPTS = 40;

const STATUS_FIELD = { completed: '#completed', failed: '#failed', skipped: '#skipped' } as const;

/** ADDs this outcome to the summary, minus what an earlier attempt of the same unit added. */
function summaryUpdate(table: Table, run: ConnectorRun, prev: ConnectorRun | undefined) {
  const names: Record<string, string> = {
    '#counts': 'counts',
    '#completed': 'completed',
    '#failed': 'failed',
    '#skipped': 'skipped',
  };
  const values: Record<string, unknown> = { ':at': run.finishedAt };
  const delta = { completed: 0, failed: 0, skipped: 0 };
  delta[run.status]++;
  if (prev) delta[prev.status]--;
  const adds = (Object.keys(delta) as (keyof typeof delta)[]).map((s) => {
    values[`:${s}`] = delta[s];
    return `${STATUS_FIELD[s]} :${s}`;
  });
  for (const name of COUNT_NAMES) {
    names[`#${name}`] = name;
    values[`:${name}`] = run.counts[name] - (prev?.counts[name] ?? 0);
    adds.push(`#counts.#${name} :${name}`);
  }
  let update = `ADD ${adds.join(', ')} SET lastFinishedAt = :at`;
  const append = (attr: string, entry: unknown) => {
    names[`#${attr}`] = attr;
    values[':empty'] = [];
    values[`:${attr}`] = [entry];
    update += `, #${attr} = list_append(if_not_exists(#${attr}, :empty), :${attr})`;
  };
  if (run.error) append('errors', { connectorId: run.connectorId, ...run.error });
  if (run.unidentifiable) append('unidentifiable', { connectorId: run.connectorId, ...run.unidentifiable });
  return {
    TableName: table.name,
    Key: key.runSummary(run.runId),
    UpdateExpression: update,
    ConditionExpression: 'attribute_exists(PK)',
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  };
}

/** The stored summary with its status derived: a run is over once every connector has an outcome. */
function toRunSummary(item: Item): RunSummary {
  const { lastFinishedAt, ...rest } = stripKeys<RunSummary & { lastFinishedAt?: string }>(item);
  const skipped = rest.skipped ?? 0; // runs recorded before walks could stand down
  const done = rest.completed + rest.failed + skipped >= rest.connectors;
  const finishedAt = rest.connectors === 0 ? rest.startedAt : lastFinishedAt;
  return {
    ...rest,
    skipped,
    // An account that could not be listed fails the run, whatever its walks did.
    status: done ? (rest.failed > 0 || rest.accountErrors?.length ? 'failed' : 'completed') : 'running',
    ...(done && finishedAt ? { finishedAt } : {}),
  };
}

export async function getRun(table: Table, runId: string): Promise<RunSummary | undefined> {
  const res = await table.doc.send(
    new GetCommand({ TableName: table.name, Key: key.runSummary(runId), ConsistentRead: true }),
  );
  return res.Item ? toRunSummary(res.Item) : undefined;
}

export async function connectorRuns(table: Table, runId: string): Promise<ConnectorRun[]> {
  const out: ConnectorRun[] = [];
  for await (const item of queryAll(table, {
    KeyConditionExpression: 'PK = :pk AND begins_with(SK, :c)',
    ExpressionAttributeValues: { ':pk': key.runSummary(runId).PK, ':c': PREFIX.connector },
    ConsistentRead: true,
  })) {
    out.push(stripKeys<ConnectorRun>(item));
  }
  return out;
}

export const listRuns = (table: Table, page: PageRequest) =>
  feedPage(
    table,
    { feed: FEED.runs, newestFirst: true },
    { limit: page.limit ?? 50, cursor: page.cursor },
    toRunSummary,
  );

export function runFacet({ table }: Site): RunStore {
  return {
    startRun: (run) => startRun(table, run),
    recordConnectorRun: (run) => recordConnectorRun(table, run),
    getRun: (runId) => getRun(table, runId),
    connectorRuns: (runId) => connectorRuns(table, runId),
    listRuns: (page) => listRuns(table, page),
  };
}
