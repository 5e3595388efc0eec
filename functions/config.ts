// The settings' parsers, written once, with two sources: the Lambda environment (loadConfig) and the CLI's flags
// with their environment twins (parseSetting). Their defaults live in defaults.ts (re-exported here), which infra,
// the API and the CLI's flag declarations read.
import { z } from 'zod';
import { ALERT_FORMATS, apiUrlOf, DEFAULTS, MAX_DAYS } from './defaults.ts';

export type { AlertFormat } from './defaults.ts';
export { ALERT_FORMATS, apiUrlOf, DAY_MS, DEFAULTS, MAX_DAYS, REGION_URLS } from './defaults.ts';

/**
 * The partner account of a deployment configured without an accounts list, and of every connector and license
 * recorded before accounts existed.
 */
export const DEFAULT_ACCOUNT = 'default';

export class ConfigError extends Error {
  readonly code = 'bad_config';
}

/** `us`, `eu` or any http(s) URL as a base URL without a trailing slash; anything else is a ConfigError. */
export function resolveApiUrl(urlOrRegion: string): string {
  const url = apiUrlOf(urlOrRegion);
  if (!url) throw new ConfigError(`not a URL or region: ${urlOrRegion} (expected us, eu or an http(s) URL)`);
  return url;
}

/** How a partner account is named in `?account=`, `--account`, the accounts file and the CDK context. */
export const ACCOUNT_NAME_RULE = 'must be 1-32 letters, digits, - or _ (starting with a letter or digit)';
export const ACCOUNT_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/;
export const accountName = z.string().regex(ACCOUNT_NAME, ACCOUNT_NAME_RULE);

/** Names listed twice, for a one-line error. */
export const duplicates = (names: string[]) => names.filter((n, i) => names.indexOf(n) !== i);

/** Unset and blank read the same: "use the default". */
const blank = (value: unknown) => (typeof value === 'string' && value.trim() === '' ? undefined : value);

/** The settings, each as a schema from text: the same parse for an environment variable and a CLI flag. */
export const setting = {
  text: z.preprocess(blank, z.string().trim().optional()),
  apiUrl: z.preprocess(
    blank,
    z
      .string()
      .trim()
      .default(DEFAULTS.apiUrl)
      .refine((v) => apiUrlOf(v) !== undefined, { error: 'expected a URL (http/https) or a region: us, eu' }),
  ),
  days: (fallback: number) =>
    z.preprocess(
      blank,
      z.coerce
        .number({ error: `must be a whole number of days (0-${MAX_DAYS})` })
        .int(`must be a whole number of days (0-${MAX_DAYS})`)
        .min(0, `must be a whole number of days (0-${MAX_DAYS})`)
        .max(MAX_DAYS, `must be a whole number of days (0-${MAX_DAYS})`)
        .default(fallback),
    ),
  positiveInt: z.preprocess(
    blank,
    z.coerce.number().int('must be a whole number >= 1').positive('must be a whole number >= 1').optional(),
  ),
  alertFormat: z.preprocess(
    blank,
    z.enum(ALERT_FORMATS, { error: `must be ${ALERT_FORMATS.join(' or ')}` }).default(DEFAULTS.alertFormat),
  ),
  /** "30,14,7,1,0" -> [30, 14, 7, 1, 0]: whole days, no duplicates, largest first. */
  thresholds: z.preprocess(
    blank,
    z
      .string()
      .default(DEFAULTS.thresholds)
      .transform((text, ctx) => {
        const parts = text.split(',').map((part) => part.trim());
        const days = parts.map(Number);
        if (parts.some((p) => p === '') || days.some((d) => !Number.isInteger(d) || d < 0 || d > MAX_DAYS)) {
          ctx.addIssue({
            code: 'custom',
            message: `must be whole days separated by commas, e.g. ${DEFAULTS.thresholds}`,
          });
          return z.NEVER;
        }
        return [...new Set(days)].sort((a, b) => b - a);
      }),
  ),
};

/**
 * Parses one setting from text for the CLI; a bad value throws one line naming the flag (and never echoes
 * more than the value the user typed).
 */
export function parseSetting<S extends z.ZodType>(schema: S, value: unknown, name: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const message = parsed.error.issues[0]?.message ?? 'is not valid';
  throw new ConfigError(`${name} ${message}, got ${String(value)}`);
}

/**
 * LICENSEWATCH_ACCOUNTS in Lambda: JSON `[{ "name", "apiUrl", "tokenSecretId" }]`, one entry per partner account,
 * written by the stack. It replaces CELIGO_API_URL and CELIGO_TOKEN_SECRET_ARN (the one account named `default`).
 */
const deployedAccounts = z.preprocess(
  blank,
  z
    .string()
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be a JSON array of accounts' });
        return z.NEVER;
      }
    })
    .pipe(
      z
        .array(
          z.strictObject({
            name: accountName,
            apiUrl: setting.apiUrl,
            tokenSecretId: z.string().min(1, 'is required'),
          }),
        )
        .min(1, 'must list at least one account')
        .refine((list) => duplicates(list.map((a) => a.name)).length === 0, 'account names must be unique'),
    )
    .optional(),
);

export interface PartnerAccount {
  name: string;
  apiUrl: string;
  /** In Lambda: the secret holding its token. */
  tokenSecretId?: string;
  /** Locally: the token itself. */
  token?: string;
}

export const configSchema = z
  .object({
    TABLE_NAME: z.string({ error: 'is required' }).trim().min(1, 'is required'),
    LICENSEWATCH_ACCOUNTS: deployedAccounts,
    /** Base URL, or a region: `us` / `eu`. */
    CELIGO_API_URL: setting.apiUrl,
    /** In Lambda: the Secrets Manager secret (ARN or name) holding the Partner API token. */
    CELIGO_TOKEN_SECRET_ARN: setting.text,
    /** Locally: the token itself. Ignored when CELIGO_TOKEN_SECRET_ARN is set. */
    CELIGO_API_TOKEN: setting.text,
    WORK_QUEUE_URL: setting.text,
    ALERT_TOPIC_ARN: setting.text,
    /** The webhook URL is a credential (Slack's embed a token), so in AWS it lives in a secret too. */
    ALERT_WEBHOOK_SECRET_ARN: setting.text,
    ALERT_WEBHOOK_URL: setting.text,
    /** Locally: the webhook's signing secret itself. In Lambda it comes with the URL, from the webhook's secret. */
    ALERT_WEBHOOK_SECRET: setting.text,
    /** Comma list of the rules whose alerts the webhook gets (default all). */
    ALERT_WEBHOOK_RULES: setting.text,
    /** The webhook's format: `digest` (default) or `each`. SNS always gets both, told apart by `format`. */
    ALERT_FORMAT: setting.alertFormat,
    /** The HTTP API's base URL, for the pointer to the full report in digests. */
    ALERT_REPORT_URL: setting.text,
    ALERT_THRESHOLDS: setting.thresholds,
    EXPIRING_DAYS: setting.days(DEFAULTS.expiringDays),
    EXPIRED_WITHIN_DAYS: setting.days(DEFAULTS.expiredWithinDays),
    NOT_INSTALLED_DAYS: setting.days(DEFAULTS.notInstalledDays),
    PARTNER_API_CONCURRENCY: setting.positiveInt,
    PARTNER_API_RPS: setting.positiveInt,
  })
  .transform((env) => ({
    tableName: env.TABLE_NAME,
    partnerApi: {
      accounts: (env.LICENSEWATCH_ACCOUNTS ?? [
        {
          name: DEFAULT_ACCOUNT,
          apiUrl: env.CELIGO_API_URL,
          tokenSecretId: env.CELIGO_TOKEN_SECRET_ARN,
          token: env.CELIGO_TOKEN_SECRET_ARN ? undefined : env.CELIGO_API_TOKEN,
        },
      ]) as PartnerAccount[],
      /** Per account: each account's client has its own budget, as each account has its own rate limit. */
      concurrency: env.PARTNER_API_CONCURRENCY,
      requestsPerSecond: env.PARTNER_API_RPS,
    },
    workQueueUrl: env.WORK_QUEUE_URL,
    alerts: {
      topicArn: env.ALERT_TOPIC_ARN,
      webhookSecretId: env.ALERT_WEBHOOK_SECRET_ARN,
      webhookUrl: env.ALERT_WEBHOOK_SECRET_ARN ? undefined : env.ALERT_WEBHOOK_URL,
      webhookSigningSecret: env.ALERT_WEBHOOK_SECRET_ARN ? undefined : env.ALERT_WEBHOOK_SECRET,
      webhookRules: env.ALERT_WEBHOOK_RULES,
      format: env.ALERT_FORMAT,
      reportUrl: env.ALERT_REPORT_URL,
    },
    /** The watch rules' settings, in the shape `evaluateAlerts` takes. */
    watch: {
      thresholds: env.ALERT_THRESHOLDS,
      expiringDays: env.EXPIRING_DAYS,
      expiredWithinDays: env.EXPIRED_WITHIN_DAYS,
      notInstalledDays: env.NOT_INSTALLED_DAYS,
    },
  }));

export type Config = z.output<typeof configSchema>;

/** Reads and validates the configuration; throws one ConfigError naming every bad variable (never their values). */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join('.') || 'environment'}: ${issue.message}`,
    );
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  }
  return parsed.data;
}
