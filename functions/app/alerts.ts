// Alerts: evaluate the rules and deliver each alert once per sink, and list those raised.
import { consoleSink } from '#alerts/console';
import { webhookRules } from '#alerts/signing';
import { webhookSink } from '#alerts/webhook';
import { type AlertFormat, parseSetting, setting } from '#functions/config';
import type { Page } from '#ledger/schemas';
import type { AlertDelivery, AlertLog, ConnectorStore, SchemaStore, ViewStore } from '#ledger/store/port';
import type { AlertRecord, AlertSink } from '#watch/alert';
import {
  DEFAULT_WATCH_CONFIG,
  type EvaluationResult,
  evaluateAlerts,
  type WatchConfig,
} from '#watch/evaluate';
import { accountFilter } from './accounts.ts';
import type { AppContext } from './context.ts';
import { AppError } from './errors.ts';

export type { EvaluationResult } from '#watch/evaluate';

/** One page of alerts raised, newest first, of one account if named. */
export async function alertsPage(
  ctx: AppContext<AlertLog & Pick<ConnectorStore, 'listConnectors'>>,
  query: { account?: string; sandbox?: boolean; limit?: number; cursor?: string },
): Promise<Page<AlertRecord>> {
  const account = await accountFilter(ctx, query.account);
  return ctx.ledger.listAlerts({
    limit: query.limit,
    cursor: query.cursor,
    account,
    sandbox: query.sandbox,
  });
}

export interface EvaluationAsked {
  /** Days-before-expiry thresholds (parsed by `parseThresholds`); the watch's defaults when undefined. */
  thresholds?: WatchConfig['thresholds'];
  /** Days-before-a-trial's-end thresholds (parsed by `parseTrialThresholds`); the watch's defaults when undefined. */
  trialThresholds?: WatchConfig['trialThresholds'];
  /** Where each alert line goes; stderr by default. */
  console?: (line: string) => void;
  webhookUrl?: string;
  /** Signs every webhook POST (X-Licensewatch-Timestamp, X-Licensewatch-Signature). */
  webhookSigningSecret?: string;
  /** The rules whose alerts the webhook gets (parsed by `parseWebhookRules`); every rule when undefined. */
  webhookRules?: string[];
  alertFormat?: AlertFormat;
  /** Where a digest's reader finds the full list. */
  pointer?: string;
  /** How long a sink's lease lasts without renewal. */
  leaseMs?: number;
  /** Milliseconds left before the evaluation must have ended (`alerts --time-limit`); no limit when undefined. */
  timeLeft?: () => number;
}

/** The sinks an edge asked for: the console always, a webhook when named. */
function sinksOf(asked: EvaluationAsked): AlertSink[] {
  const sinks: AlertSink[] = [consoleSink(asked.console)];
  if (asked.webhookUrl) {
    if (!/^https?:\/\//.test(asked.webhookUrl))
      throw new AppError('invalid', 'bad_flag', 'the webhook URL must start with http:// or https://');
    sinks.push(
      webhookSink(asked.webhookUrl, {
        format: asked.alertFormat,
        pointer: asked.pointer,
        rules: asked.webhookRules,
        signingSecret: asked.webhookSigningSecret,
      }),
    );
  }
  return sinks;
}

/** A comma list of rule names, checked before the store opens; an unknown name is an error naming the rules. */
export function parseWebhookRules(text: string | undefined, name = '--webhook-rules'): string[] | undefined {
  try {
    return webhookRules(text);
  } catch (error) {
    throw new AppError(
      'invalid',
      'bad_flag',
      `${name}: ${(error as Error).message.replace(/^webhook rules: /, '')}`,
    );
  }
}

/** Thresholds checked before the store opens, so a bad value fails at once. */
export const parseThresholds = (text: string, name = '--thresholds') =>
  parseSetting(setting.thresholds, text, name);
export const parseTrialThresholds = (text: string, name = '--trial-thresholds') =>
  parseSetting(setting.trialThresholds, text, name);

/** Evaluates the rules and delivers new alerts to the console (and a webhook), each once per sink. */
export async function evaluate(
  ctx: AppContext<ViewStore & AlertDelivery & SchemaStore>,
  asked: EvaluationAsked = {},
): Promise<EvaluationResult> {
  const { thresholds, trialThresholds } = asked;
  return evaluateAlerts({
    ledger: ctx.ledger,
    sinks: sinksOf(asked),
    config: {
      ...DEFAULT_WATCH_CONFIG,
      ...(thresholds ? { thresholds } : {}),
      ...(trialThresholds ? { trialThresholds } : {}),
      ...(asked.leaseMs ? { leaseMs: asked.leaseMs } : {}),
    },
    ...(asked.timeLeft ? { timeLeft: asked.timeLeft } : {}),
  });
}
