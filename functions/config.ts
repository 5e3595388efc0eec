// One typed configuration read once from the environment (Lambda env vars, or a local shell), validated with zod.
import { z } from 'zod';

/** Unset and blank variables read the same: "use the default". */
const blank = (value: unknown) => (typeof value === 'string' && value.trim() === '' ? undefined : value);

const optionalText = z.preprocess(blank, z.string().trim().optional());
const wholeDays = (fallback: number) =>
  z.preprocess(blank, z.coerce.number().int().min(0).max(3650).default(fallback));
const positiveInt = z.preprocess(blank, z.coerce.number().int().positive().optional());

/** "30,14,7,1,0" -> [30, 14, 7, 1, 0]: whole days, no duplicates, largest first. */
const thresholdList = z.preprocess(
  blank,
  z
    .string()
    .default('30,14,7,1,0')
    .transform((text, ctx) => {
      const parts = text.split(',').map((part) => part.trim());
      const days = parts.map(Number);
      if (parts.some((part) => part === '') || days.some((d) => !Number.isInteger(d) || d < 0)) {
        ctx.addIssue({
          code: 'custom',
          message: `expected whole days separated by commas, e.g. 30,14,7,1,0; got "${text}"`,
        });
        return z.NEVER;
      }
      return [...new Set(days)].sort((a, b) => b - a);
    }),
);

export const configSchema = z
  .object({
    TABLE_NAME: z.string({ error: 'is required' }).trim().min(1, 'is required'),
    /** Base URL, or a region: `us` / `eu`. */
    CELIGO_API_URL: z.preprocess(blank, z.string().trim().default('https://api.integrator.io/v1')),
    /** In Lambda: the Secrets Manager secret (ARN or name) holding the Partner API token. */
    CELIGO_TOKEN_SECRET_ARN: optionalText,
    /** Locally: the token itself. Ignored when CELIGO_TOKEN_SECRET_ARN is set. */
    CELIGO_API_TOKEN: optionalText,
    WORK_QUEUE_URL: optionalText,
    ALERT_TOPIC_ARN: optionalText,
    /** The webhook URL is a credential (Slack's embed a token), so in AWS it lives in a secret too. */
    ALERT_WEBHOOK_SECRET_ARN: optionalText,
    ALERT_WEBHOOK_URL: optionalText,
    ALERT_THRESHOLDS: thresholdList,
    EXPIRING_DAYS: wholeDays(30),
    EXPIRED_WITHIN_DAYS: wholeDays(30),
    NOT_INSTALLED_DAYS: wholeDays(7),
    PARTNER_API_CONCURRENCY: positiveInt,
    PARTNER_API_RPS: positiveInt,
  })
  .transform((env) => ({
    tableName: env.TABLE_NAME,
    partnerApi: {
      apiUrl: env.CELIGO_API_URL,
      tokenSecretId: env.CELIGO_TOKEN_SECRET_ARN,
      token: env.CELIGO_TOKEN_SECRET_ARN ? undefined : env.CELIGO_API_TOKEN,
      concurrency: env.PARTNER_API_CONCURRENCY,
      requestsPerSecond: env.PARTNER_API_RPS,
    },
    workQueueUrl: env.WORK_QUEUE_URL,
    alerts: {
      topicArn: env.ALERT_TOPIC_ARN,
      webhookSecretId: env.ALERT_WEBHOOK_SECRET_ARN,
      webhookUrl: env.ALERT_WEBHOOK_SECRET_ARN ? undefined : env.ALERT_WEBHOOK_URL,
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

export class ConfigError extends Error {
  readonly code = 'bad_config';
}

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
