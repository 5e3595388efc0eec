// Lambda entry (EventBridge schedule): evaluates the watch rules and delivers new alerts to SNS (and the webhook).
import { SNSClient } from '@aws-sdk/client-sns';
import { snsSink } from '#alerts/sns';
import { webhookSink } from '#alerts/webhook';
import { type Config, loadConfig } from '#functions/config';
import type { AlertDelivery, ViewStore } from '#ledger/store/port';
import type { AlertSink } from '#watch/alert';
import { evaluateAlerts, type WatchConfig } from '#watch/evaluate';
import { instrument, logger, MetricUnit, metrics } from './powertools.ts';
import { alertsStoreFor, lazyHandler, type ReadSecret, readSecret, required } from './runtime.ts';

export interface AlertsDeps {
  ledger: ViewStore & AlertDelivery;
  sinks: () => Promise<AlertSink[]>;
  watch: Partial<WatchConfig>;
}

export const makeHandler = (deps: AlertsDeps) =>
  instrument('alerts', async () => {
    const result = await evaluateAlerts({
      ledger: deps.ledger,
      sinks: await deps.sinks(),
      config: deps.watch,
    });
    metrics.addMetric('AlertsRaised', MetricUnit.Count, result.items.length);
    metrics.addMetric('AlertsPending', MetricUnit.Count, result.pending);
    logger.info('alerts evaluated', {
      raised: result.items.length,
      retried: result.retried,
      pending: result.pending,
    });
    // Undelivered alerts stay in the outbox; failing the invocation makes the schedule retry soon, and alarms.
    if (result.errors.length > 0) {
      throw new Error(
        `alert delivery failed: ${result.errors.map((e) => `${e.sink}: ${e.message}`).join('; ')}`,
      );
    }
    return { raised: result.items.length, retried: result.retried, pending: result.pending };
  });

/** SNS always; the webhook when its URL (or the secret holding it) is configured. */
export function sinksFor(
  config: Config,
  read: ReadSecret = readSecret,
  snsClient: SNSClient = new SNSClient({}),
): () => Promise<AlertSink[]> {
  const sns = snsSink(snsClient, required(config.alerts.topicArn, 'ALERT_TOPIC_ARN'));
  const { webhookSecretId, webhookUrl } = config.alerts;
  if (!webhookSecretId && !webhookUrl) return async () => [sns];
  // Read per invocation (the secret is cached by Parameters), so a changed URL is picked up without a cold start.
  return async () => [sns, webhookSink(webhookSecretId ? await read(webhookSecretId) : webhookUrl!)];
}

export const handler = lazyHandler(() => {
  const config = loadConfig();
  return makeHandler({ ledger: alertsStoreFor(config), sinks: sinksFor(config), watch: config.watch });
});
