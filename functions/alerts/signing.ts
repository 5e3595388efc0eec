// Signed webhooks: the headers that let a receiver tell our POSTs from anybody's, and where the signing secret lives.
import { createHmac } from 'node:crypto';
import { ruleName } from '#watch/alert';

export const SIGNATURE_HEADERS = {
  timestamp: 'X-Licensewatch-Timestamp',
  signature: 'X-Licensewatch-Signature',
} as const;

/** `v1=<hex HMAC-SHA256 of "<timestamp>.<body>">`, the timestamp in unix seconds: a receiver refuses stale ones. */
export function signatureHeaders(secret: string, body: string, now = Date.now()): Record<string, string> {
  const timestamp = String(Math.floor(now / 1000));
  const mac = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return { [SIGNATURE_HEADERS.timestamp]: timestamp, [SIGNATURE_HEADERS.signature]: `v1=${mac}` };
}

/**
 * The webhook secret's value in Secrets Manager: the URL alone (unsigned, as before), or JSON
 * `{"url": "...", "signingSecret": "..."}` (signed). Errors never quote the value.
 */
export function webhookTarget(value: string): { url: string; signingSecret?: string } {
  const text = value.trim();
  if (!text.startsWith('{')) return { url: text };
  let parsed: { url?: unknown; signingSecret?: unknown };
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error('the webhook secret is neither a URL nor JSON {"url", "signingSecret"}');
  }
  if (typeof parsed.url !== 'string' || !parsed.url)
    throw new Error('the webhook secret (JSON) has no "url"');
  if (
    parsed.signingSecret !== undefined &&
    (typeof parsed.signingSecret !== 'string' || !parsed.signingSecret)
  )
    throw new Error('the webhook secret (JSON) has a "signingSecret" that is not a non-empty string');
  return {
    url: parsed.url,
    ...(parsed.signingSecret ? { signingSecret: parsed.signingSecret as string } : {}),
  };
}

/** `--webhook-rules` / `ALERT_WEBHOOK_RULES`: a comma list of rule names; an unknown name is an error naming them. */
export function webhookRules(text: string | undefined): string[] | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  const names = text.split(',').map((n) => n.trim());
  const known: readonly string[] = ruleName.options;
  for (const name of names)
    if (!known.includes(name))
      throw new Error(`webhook rules: unknown rule "${name}" (rules: ${known.join(', ')})`);
  return [...new Set(names)];
}
