// Lambda entry (EventBridge schedule): plans a sync run and queues one SQS message per connector.
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context } from 'aws-lambda';
import { loadConfig } from '#functions/config';
import type { PlanStore } from '#ledger/plan';
import { planSync } from '#ledger/plan';
import type { SyncUnit } from '#ledger/schemas';
import type { SchemaStore } from '#ledger/store/port';
import { sqsEnqueue } from './enqueue.ts';
import { instrument, logger, MetricUnit, metrics } from './powertools.ts';
import { lazyHandler, type PartnerApiOf, partnerApiFor, planStoreFor, required } from './runtime.ts';

export interface PlanDeps {
  ledger: PlanStore & SchemaStore;
  /** Names of the partner accounts to plan, and each one's client. */
  accounts: string[];
  api: PartnerApiOf;
  enqueue: (units: SyncUnit[]) => Promise<void>;
}

/** Time the plan keeps for listing connectors and queueing them, whatever the upgrades take. */
const PLANNING_MS = 60_000;

export const makeHandler = (deps: PlanDeps) =>
  instrument('plan', async (_event: unknown, context: Context) => {
    // The table's upgrades first, once each (nothing but one read once applied); a long one goes on next time, and
    // the sync is planned either way (every step is safe beside the walks). A minute is kept for planning.
    const migration = await deps.ledger.migrate({
      timeLeft: () => context.getRemainingTimeInMillis() - PLANNING_MS,
    });
    if (migration.ran.length > 0 || migration.pending.length > 0)
      logger.info('table upgrades', { ...migration });
    const accounts = deps.accounts.map((name) => ({ name, api: () => deps.api(name) }));
    const plan = await planSync({ ledger: deps.ledger, accounts });
    await deps.enqueue(plan.units);
    metrics.addMetric('ConnectorsQueued', MetricUnit.Count, plan.units.length);
    logger.info('sync planned', {
      runId: plan.runId,
      queued: plan.units.length,
      connectors: plan.connectors,
      accountErrors: plan.accountErrors,
    });
    // The other accounts' units are queued; failing the invocation now makes the PlanErrors alarm say so.
    if (plan.accountErrors.length > 0) {
      metrics.addMetric('AccountsFailed', MetricUnit.Count, plan.accountErrors.length);
      const which = plan.accountErrors.map((e) => `${e.account} (${e.code})`).join(', ');
      throw new Error(`partner account(s) could not be listed: ${which}; run ${plan.runId} records it`);
    }
    return { runId: plan.runId, queued: plan.units.length };
  });

export const handler = lazyHandler(() => {
  const config = loadConfig();
  return makeHandler({
    ledger: planStoreFor(config),
    accounts: config.partnerApi.accounts.map((a) => a.name),
    api: partnerApiFor(config),
    enqueue: sqsEnqueue(new SQSClient({}), required(config.workQueueUrl, 'WORK_QUEUE_URL')),
  });
});
