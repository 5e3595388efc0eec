// Lambda entry (SQS work queue): walks one connector per message; a failed walk is reported as a batch item failure.
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { loadConfig } from '#functions/config';
import type { SyncDeps } from '#ledger/sync';
import { syncConnector } from '#ledger/sync';
import { instrument, logger, MetricUnit, metrics } from './powertools.ts';
import { parseSyncUnit } from './queue.ts';
import { lazyHandler, type PartnerApiOf, partnerApiFor, workerStoreFor } from './runtime.ts';

export interface SyncWorkerDeps {
  ledger: SyncDeps['ledger'];
  /** The client of the unit's partner account (built inside the walk: failing to build it fails that walk). */
  api: PartnerApiOf;
}

export const makeHandler = (deps: SyncWorkerDeps) => {
  const processor = new BatchProcessor(EventType.SQS);
  const syncRecord = async (record: SQSRecord) => {
    const unit = parseSyncUnit(record.body);
    const run = await syncConnector({ ledger: deps.ledger, api: (account) => deps.api(account) }, unit);
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
  const reportingFailures = async (record: SQSRecord) => {
    try {
      await syncRecord(record);
    } catch (error) {
      logger.warn('message returned to the queue', {
        messageId: record.messageId,
        error: (error as Error).message,
      });
      throw error;
    }
  };
  return instrument('sync-worker', (event: SQSEvent, context) =>
    processPartialResponse(event, reportingFailures, processor, { context }),
  );
};

export const handler = lazyHandler(() => {
  const config = loadConfig();
  return makeHandler({ ledger: workerStoreFor(config), api: partnerApiFor(config) });
});
