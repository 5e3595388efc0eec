// Slack-compatible webhook sink: a digest per evaluation (default) or the alerts themselves in chunks within Slack's
// limits, each chunk reported when the receiver accepts it. A POST is repeated only when the receiver cannot have
// taken it (429, or no connection); every message carries its alert ids so a receiver can drop a repeat.
import { createHash } from 'node:crypto';
import ky, { HTTPError, TimeoutError } from 'ky';
import type { AlertFormat } from '#functions/config';
import type { Alert, AlertSink, Delivery } from '#watch/alert';
import { buildDigest, digestBody } from './digest.ts';
import { signatureHeaders } from './signing.ts';

export interface WebhookOptions {
  /** `digest` (default): one message per evaluation, for people. `each`: the alerts in chunks, for machines. */
  format?: AlertFormat;
  /** Repeats of one POST when that is safe (429, or a connection that never opened). */
  retries?: number;
  timeoutMs?: number;
  backoffMs?: number;
  /** Where a digest's reader finds the full list. */
  pointer?: string;
  /** With a secret, every POST carries a timestamp and an HMAC-SHA256 signature of "<timestamp>.<body>". */
  signingSecret?: string;
  /** Only these rules' alerts (default every rule). */
  rules?: readonly string[];
}

/** Slack's limits: 50 blocks and 40,000 characters of `text` per message; we stay well under both. */
export const WEBHOOK_LIMITS = { alertsPerPost: 50, textChars: 30_000 } as const;

/** The sink's id: the URL is a secret (Slack's carries a token), so it is named by a short hash of it. */
export const webhookSinkId = (url: string) =>
  `webhook:${createHash('sha256').update(url).digest('hex').slice(0, 16)}`;

const lineOf = (a: Alert) => `• ${a.message}`.slice(0, 1_000);
const headerOf = (n: number) => `licensewatch: ${n} alert(s)`;

/** The alerts in POST-sized chunks: at most 50 each, and `text` under the character limit. */
export function webhookChunks(alerts: Alert[]): Alert[][] {
  const chunks: Alert[][] = [];
  let chunk: Alert[] = [];
  let chars = headerOf(WEBHOOK_LIMITS.alertsPerPost).length;
  for (const alert of alerts) {
    const line = lineOf(alert).length + 1;
    if (chunk.length === WEBHOOK_LIMITS.alertsPerPost || chars + line > WEBHOOK_LIMITS.textChars) {
      chunks.push(chunk);
      chunk = [];
      chars = headerOf(WEBHOOK_LIMITS.alertsPerPost).length;
    }
    chunk.push(alert);
    chars += line;
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}

/** Slack reads `text`; other receivers get the structured alerts and their ids beside it. */
export function webhookPayload(alerts: Alert[]) {
  return {
    format: 'alert' as const,
    text: `${headerOf(alerts.length)}\n${alerts.map(lineOf).join('\n')}`,
    alertIds: alerts.map((a) => a.alertId),
    alerts,
  };
}

/** Connection errors raised before a request was sent: repeating cannot deliver twice. */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);

function errorCode(error: unknown): string | undefined {
  const cause = (error as { cause?: { code?: string; cause?: { code?: string } } }).cause;
  return cause?.code ?? cause?.cause?.code;
}

export function webhookSink(url: string, options: WebhookOptions = {}): AlertSink {
  const timeout = options.timeoutMs ?? 10_000;
  const backoff = options.backoffMs ?? 500;
  const post = async (json: unknown) => {
    const body = JSON.stringify(json);
    try {
      await ky.post(url, {
        body,
        // Signed once per POST: a retry (within seconds) carries the same timestamp, well inside a receiver's window.
        headers: {
          'content-type': 'application/json',
          ...(options.signingSecret ? signatureHeaders(options.signingSecret, body) : {}),
        },
        timeout,
        retry: {
          limit: options.retries ?? 2,
          methods: ['post'],
          // A 5xx or a timeout may come after the receiver took the message: not repeated here; the next evaluation
          // sends it again with the same alertIds.
          statusCodes: [429],
          afterStatusCodes: [429],
          maxRetryAfter: 30_000,
          retryOnTimeout: false,
          shouldRetry: ({ error }) =>
            error instanceof HTTPError ? undefined : NOT_SENT.has(errorCode(error) ?? ''),
          delay: (n) => backoff * 2 ** (n - 1),
        },
      });
    } catch (error) {
      // The URL is a secret: name the status or the error, never the URL.
      if (error instanceof HTTPError)
        throw new Error(`webhook delivery failed with HTTP ${error.response.status}`);
      if (error instanceof TimeoutError)
        throw new Error(`webhook delivery timed out after ${timeout} ms (the receiver may have taken it)`);
      const code = errorCode(error);
      throw new Error(`webhook delivery failed: ${(error as Error).name}${code ? ` (${code})` : ''}`);
    }
  };
  return {
    id: webhookSinkId(url),
    ...(options.rules ? { rules: new Set(options.rules) } : {}),
    async deliver({ alerts, accepted, evaluationId }: Delivery) {
      if (alerts.length === 0) return;
      if ((options.format ?? 'digest') === 'digest') {
        await post(digestBody(buildDigest(alerts, { pointer: options.pointer }), evaluationId));
        accepted(alerts.map((a) => a.alertId));
        return;
      }
      // One chunk after another; the first that fails stops the rest, which stay pending.
      for (const chunk of webhookChunks(alerts)) {
        await post(webhookPayload(chunk));
        accepted(chunk.map((a) => a.alertId));
      }
    },
  };
}
