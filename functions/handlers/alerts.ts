// Lambda entry (EventBridge schedule): evaluates the watch rules and delivers new alerts to SNS (and the webhook).
import { SNSClient } from '@aws-sdk/client-sns';
import type { Context } from 'aws-lambda';
import { webhookRules, webhookTarget } from '#alerts/signing';
import { snsSink } from '#alerts/sns';
import { webhookSink } from '#alerts/webhook';
import { type Config, loadConfig } from '#functions/config';
import type { AlertDelivery, SchemaStore, ViewStore } from '#ledger/store/port';
import type { AlertSink } from '#watch/alert';
import { DEFAULT_WATCH_CONFIG, evaluateAlerts, type WatchConfig } from '#watch/evaluate';
import { instrument, logger, MetricUnit, metrics } from './powertools.ts';
import { alertsStoreFor, lazyHandler, type ReadSecret, readSecret, required } from './runtime.ts';

export interface AlertsDeps {
  ledger: ViewStore & AlertDelivery & SchemaStore;
  sinks: () => Promise<AlertSink[]>;
  watch: Partial<WatchConfig>;
}

/** Margin past the invocation's deadline before its deliveries may be taken over (clocks differ a little). */
const LEASE_MARGIN_MS = 60_000;

export const makeHandler = (deps: AlertsDeps) =>
  instrument('alerts', async (_event: unknown, context: Context) => {
    // The lease outlives this invocation whatever its timeout: nobody takes over a delivery it may still make.
    const leaseMs = Math.max(
      deps.watch.leaseMs ?? DEFAULT_WATCH_CONFIG.leaseMs,
      context.getRemainingTimeInMillis() + LEASE_MARGIN_MS,
    );
    // The evaluation's id (its leases' owner) is its own, not the request id: a retried invocation keeps the
    // request id, yet holds none of the first attempt's leases.
    // Lambda's clock: the rules stop reading in time to deliver what they read before the invocation is cut off;
    // claims and outboxes keep that progress, and the next run goes on from there.
    const result = await evaluateAlerts({
      ledger: deps.ledger,
      sinks: await deps.sinks(),
      config: { ...deps.watch, leaseMs },
      timeLeft: () => context.getRemainingTimeInMillis(),
    });
    if (result.cutShort) metrics.addMetric('AlertsCutShort', MetricUnit.Count, 1);
    metrics.addMetric('AlertsRaised', MetricUnit.Count, result.items.length);
    metrics.addMetric('AlertsPending', MetricUnit.Count, result.pending);
    logger.info('alerts evaluated', {
      raised: result.items.length,
      retried: result.retried,
      pending: result.pending,
      sinks: result.sinks,
      evaluationId: result.evaluationId,
      cutShort: result.cutShort ?? false,
    });
    // Undelivered alerts stay in their sink's outbox, released: failing the invocation makes Lambda retry it soon
    // (the retry takes them over), and alarms.
    if (result.errors.length > 0) {
      throw new Error(
        `alert delivery failed: ${result.errors.map((e) => `${e.sink}: ${e.message}`).join('; ')}`,
      );
    }
    return {
      raised: result.items.length,
      retried: result.retried,
      pending: result.pending,
      ...(result.cutShort ? { cutShort: true } : {}),
    };
  });

/** Where a digest's reader finds the full list: the HTTP API's reports, and the CLI against this table. */
export function reportPointer(config: Config): string {
  const cli = `\`licensewatch report expiring|expired|not-installed --store aws --table ${config.tableName}\``;
  const api = config.alerts.reportUrl?.replace(/\/?$/, '/');
  return api ? `GET ${api}alerts, ${api}reports/expiring?withinDays=30 (SigV4), or ${cli}` : cli;
}

/** SNS always; the webhook when its URL (or the secret holding it) is configured. */
export function sinksFor(
  config: Config,
  read: ReadSecret = readSecret,
  snsClient: SNSClient = new SNSClient({}),
): () => Promise<AlertSink[]> {
  const pointer = reportPointer(config);
  const sns = snsSink(snsClient, required(config.alerts.topicArn, 'ALERT_TOPIC_ARN'), { pointer });
  const { webhookSecretId, webhookUrl, webhookSigningSecret, format } = config.alerts;
  if (!webhookSecretId && !webhookUrl) return async () => [sns];
  const rules = webhookRules(config.alerts.webhookRules); // a bad name fails the first invocation, loudly
  // Read per invocation (the secret is cached by Parameters), so a changed URL or signing secret is picked up
  // without a cold start. The secret holds the URL, or JSON {"url", "signingSecret"} for signed POSTs.
  return async () => {
    const target = webhookSecretId
      ? webhookTarget(await read(webhookSecretId))
      : { url: webhookUrl!, signingSecret: webhookSigningSecret };
    return [sns, webhookSink(target.url, { format, pointer, rules, signingSecret: target.signingSecret })];
  };
}

export const handler = lazyHandler(() => {
  const config = loadConfig();
  return makeHandler({ ledger: alertsStoreFor(config), sinks: sinksFor(config), watch: config.watch });
});
