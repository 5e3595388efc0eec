// Lambda entry (EventBridge schedule): plans a sync run and queues one SQS message per connector.
import { SQSClient } from '@aws-sdk/client-sqs';
import type { PartnerApi } from '#celigo/client';
import { loadConfig } from '#functions/config';
import type { PlanStore } from '#ledger/plan';
import { planSync } from '#ledger/plan';
import type { SyncUnit } from '#ledger/schemas';
import { sqsEnqueue } from './enqueue.ts';
import { instrument, logger, MetricUnit, metrics } from './powertools.ts';
import { lazyHandler, partnerApiFor, planStoreFor, required } from './runtime.ts';

export interface PlanDeps {
  ledger: PlanStore;
  api: () => Promise<PartnerApi>;
  enqueue: (units: SyncUnit[]) => Promise<void>;
}

export const makeHandler = (deps: PlanDeps) =>
  instrument('plan', async () => {
    const plan = await planSync({ ledger: deps.ledger, api: await deps.api() });
    await deps.enqueue(plan.units);
    metrics.addMetric('ConnectorsQueued', MetricUnit.Count, plan.units.length);
    logger.info('sync planned', {
      runId: plan.runId,
      queued: plan.units.length,
      connectors: plan.connectors,
    });
    return { runId: plan.runId, queued: plan.units.length };
  });

export const handler = lazyHandler(() => {
  const config = loadConfig();
  return makeHandler({
    ledger: planStoreFor(config),
    api: partnerApiFor(config),
    enqueue: sqsEnqueue(new SQSClient({}), required(config.workQueueUrl, 'WORK_QUEUE_URL')),
  });
});
