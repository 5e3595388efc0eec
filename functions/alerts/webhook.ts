// Slack-compatible webhook sink: one POST per evaluation carrying every new alert, retried with backoff.
import ky from 'ky';
import type { Alert, AlertSink } from '#watch/alert';

export interface WebhookOptions {
  retries?: number;
  timeoutMs?: number;
  backoffMs?: number;
}

/** Slack reads `text`; other receivers get the structured `alerts` beside it. */
export function webhookPayload(alerts: Alert[]): { text: string; alerts: Alert[] } {
  const lines = alerts.map((a) => `• ${a.message}`);
  return { text: `licensewatch: ${alerts.length} new alert(s)\n${lines.join('\n')}`, alerts };
}

export function webhookSink(url: string, options: WebhookOptions = {}): AlertSink {
  const backoff = options.backoffMs ?? 500;
  return {
    name: 'webhook',
    async deliver(alerts: Alert[]) {
      if (alerts.length === 0) return [];
      try {
        await ky.post(url, {
          json: webhookPayload(alerts),
          timeout: options.timeoutMs ?? 10_000,
          retry: {
            limit: options.retries ?? 2,
            methods: ['post'],
            statusCodes: [408, 429, 500, 502, 503, 504],
            delay: (n) => backoff * 2 ** (n - 1),
          },
        });
      } catch (error) {
        // The URL is a secret (Slack's carries a token): name the status, never the URL.
        const status = (error as { response?: Response }).response?.status;
        throw new Error(
          `webhook delivery failed${status ? ` with HTTP ${status}` : `: ${(error as Error).name}`}`,
        );
      }
      return alerts.map((a) => a.alertId);
    },
  };
}
