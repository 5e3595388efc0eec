// Lambda entry (SQS work queue): walks one connector per message; a failed walk is reported as a batch item failure,
// a walk out of time queues its continuation and answers its own message only.

import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { loadConfig } from '#functions/config';
import type { SyncUnit } from '#ledger/schemas';
import type { SyncDeps } from '#ledger/sync';
import { syncConnector } from '#ledger/sync';
import { OUT_OF_TIME } from '#ledger/walk';
import { sqsEnqueue } from './enqueue.ts';
import { instrument, logger, MetricUnit, metrics } from './powertools.ts';
import { parseSyncUnit } from './queue.ts';
import { lazyHandler, type PartnerApiOf, partnerApiFor, workerStoreFor } from './runtime.ts';

export interface SyncWorkerDeps {
  ledger: SyncDeps['ledger'];
  /** The client of the unit's partner account (built inside the walk: failing to build it fails that walk). */
  api: PartnerApiOf;
  /** Queues a walk's continuation; without it, a walk out of time is handed back to SQS like a failed one. */
  enqueue?: (units: SyncUnit[]) => Promise<void>;
  /** Left of the invocation's time when walks must have left (default 30 s: a deletion chunk, the run record). */
  marginMs?: number;
  /** The clock deadlines are read on (default Date.now); tests move it. */
  clock?: () => number;
}

/** Continuations of one unit: past this, the unit goes back to SQS (and to the DLQ if it never ends). */
export const MAX_CONTINUATIONS = 50;
const DEFAULT_MARGIN_MS = 30_000;

export const makeHandler = (deps: SyncWorkerDeps) => {
  const processor = new BatchProcessor(EventType.SQS);
  const clock = deps.clock ?? Date.now;
  const syncRecord = async (record: SQSRecord, deadline: number) => {
    const unit = parseSyncUnit(record.body);
    const run = await syncConnector(
      { ledger: deps.ledger, api: (account) => deps.api(account), deadline, clock },
      unit,
    );
    const continuation = unit.continuation ?? 0;
    if (run.error?.code === OUT_OF_TIME && deps.enqueue && continuation < MAX_CONTINUATIONS) {
      // What it recorded stays; a fresh message resumes it, and this one (and its neighbours) are answered.
      await deps.enqueue([{ ...unit, continuation: continuation + 1 }]);
      metrics.addMetric('ConnectorsContinued', MetricUnit.Count, 1);
      logger.info('connector walk continues in a new message', { ...unit, counts: run.counts });
      return;
    }
    const failed = run.status === 'failed';
    const metric = {
      failed: 'ConnectorsFailed',
      completed: 'ConnectorsSynced',
      skipped: 'ConnectorsSkipped',
    };
    metrics.addMetric(metric[run.status], MetricUnit.Count, 1);
    logger.info('connector walked', {
      ...unit,
      status: run.status,
      reason: run.reason,
      counts: run.counts,
      error: run.error,
      unidentifiable: run.unidentifiable,
    });
    // A walk already in progress (an SQS redelivery overlapping the next plan) covers this unit: acknowledge it.
    // syncConnector records a failed walk instead of throwing; throwing here hands the message back to SQS.
    if (failed) throw new Error(`connector ${unit.connectorId}: ${run.error?.code ?? 'failed'}`);
  };
  const reportingFailures = async (record: SQSRecord, deadline: number) => {
    try {
      await syncRecord(record, deadline);
    } catch (error) {
      logger.warn('message returned to the queue', {
        messageId: record.messageId,
        error: (error as Error).message,
      });
      throw error;
    }
  };
  return instrument('sync-worker', (event: SQSEvent, context) => {
    // Every walk of the batch leaves in time, so the invocation answers each message itself.
    const deadline = clock() + context.getRemainingTimeInMillis() - (deps.marginMs ?? DEFAULT_MARGIN_MS);
    return processPartialResponse(
      event,
      (record: SQSRecord) => reportingFailures(record, deadline),
      processor,
      {
        context,
      },
    );
  });
};

export const handler = lazyHandler(() => {
  const config = loadConfig();
  return makeHandler({
    ledger: workerStoreFor(config),
    api: partnerApiFor(config),
    ...(config.workQueueUrl ? { enqueue: sqsEnqueue(new SQSClient({}), config.workQueueUrl) } : {}),
  });
});
