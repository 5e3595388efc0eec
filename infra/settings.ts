// The stack's settings, read from CDK context (cdk.json, or `cdk deploy -c key=value`) and checked before anything is built.

import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Node } from 'constructs';
import { z } from 'zod';
import { webhookRules } from '#alerts/signing';
import { ALERT_FORMATS, accountName, duplicates, loadConfig, resolveApiUrl } from '#functions/config';

/** Every context key the app reads, with its default. cdk.json holds the same list. */
export const CONTEXT_DEFAULTS = {
  /** `us`, `eu`, or the Partner API base URL. */
  partnerApi: 'us',
  /** EventBridge expressions (UTC). */
  syncSchedule: 'rate(1 hour)',
  alertSchedule: 'cron(0 8 * * ? *)',
  /** Days before expiry at which an `expiring` alert fires. */
  alertThresholds: '30,14,7,1,0',
  expiringDays: 30,
  expiredWithinDays: 30,
  notInstalledDays: 7,
  /** Optional e-mail subscribed to the alerts topic, and to the ops (alarm) topic. */
  alertEmail: '',
  opsEmail: '',
  /** Name of an existing secret holding the Partner API token; empty: the stack creates an empty secret. */
  tokenSecretName: '',
  /**
   * Several partner accounts: `[{ "name", "partnerApi", "tokenSecretName"? }]` (JSON when given with -c). Empty: the
   * one account of partnerApi and tokenSecretName, named `default`.
   */
  accounts: [] as unknown[],
  /**
   * Name of an existing secret holding a Slack-compatible webhook URL, or JSON `{"url", "signingSecret"}` for signed
   * POSTs (read at run time by the alerts function; neither value reaches the template); empty: no webhook.
   */
  webhookSecretName: '',
  /** The webhook's messages: `digest` (one per evaluation, for people) or `each` (per alert, for machines). */
  webhookFormat: 'digest',
  /** Comma list of the rules whose alerts the webhook gets; empty: every rule. */
  webhookRules: '',
  /** `iam` (SigV4, the default) or `jwt` (then jwtIssuer and jwtAudience are required). */
  apiAuth: 'iam',
  jwtIssuer: '',
  /** Comma-separated audiences. */
  jwtAudience: '',
  /** With apiAuth=jwt: the OAuth scope GET routes require, and the one POST/PUT/DELETE routes (and `$default`) require. */
  jwtReadScope: 'licensewatch/read',
  jwtWriteScope: 'licensewatch/write',
  apiRateLimit: 20,
  apiBurstLimit: 40,
  /** Concurrent sync workers (SQS maxConcurrency, 2..1000) and the Partner API request rate they share. */
  workerConcurrency: 4,
  partnerApiRps: 120,
  logRetentionDays: 30,
  /** Reserved concurrency of the api and the alerts function; empty or 0: none (low-quota accounts refuse any). */
  apiReservedConcurrency: '',
  alertsReservedConcurrency: '',
} as const;

const text = z.preprocess((v) => (v === undefined || v === null ? undefined : String(v).trim()), z.string());
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const schedule = text.refine(
  (s) => /^(rate|cron)\(.+\)$/.test(s),
  'expected an EventBridge rate(...) or cron(...) expression',
);
/** CloudWatch Logs accepts only these retention periods (days). */
const RETENTION_DAYS = Object.values(RetentionDays).filter(
  (d): d is number => typeof d === 'number' && d !== RetentionDays.INFINITE,
);
/** An OAuth scope token (RFC 6749 3.3): printable ASCII without space, `"` or `\\`. */
const scope = text.refine(
  (s) => /^[\x21\x23-\x5b\x5d-\x7e]+$/.test(s),
  'expected one OAuth scope, e.g. licensewatch/read',
);
/** Empty or 0: no reservation (undefined); otherwise a whole number of concurrent executions. */
const reservation = text
  .refine((s) => /^\d{0,6}$/.test(s), 'expected a whole number (empty or 0: no reserved concurrency)')
  .transform((s) => (Number(s) > 0 ? Number(s) : undefined));
const email = text.refine(
  (s) => s === '' || /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(s),
  'expected an e-mail address',
);

/** A secret's name as Secrets Manager allows it (letters, digits and /_+=.@-). */
const secretName = z
  .string()
  .regex(/^[A-Za-z0-9/_+=.@-]{1,512}$/, 'expected a Secrets Manager secret name')
  .optional();

const accountsSchema = z.preprocess(
  (v) => {
    if (typeof v !== 'string') return v;
    if (v.trim() === '') return [];
    try {
      return JSON.parse(v);
    } catch {
      return v; // fails below with the message
    }
  },
  z
    .array(
      z.strictObject({
        name: accountName,
        partnerApi: text.refine((u) => {
          try {
            resolveApiUrl(u);
            return true;
          } catch {
            return false;
          }
        }, 'expected us, eu or an https URL'),
        tokenSecretName: secretName,
      }),
      { error: 'expected a JSON list of { name, partnerApi, tokenSecretName? }' },
    )
    .refine((list) => duplicates(list.map((a) => a.name)).length === 0, 'account names must be unique')
    // Output ids keep letters and digits only: `eu-west` and `euwest` would share theirs.
    .refine(
      (list) => duplicates(list.map((a) => a.name.replace(/[^A-Za-z0-9]/g, '').toLowerCase())).length === 0,
      'account names must differ in more than - and _',
    ),
);

const settingsSchema = z
  .object({
    partnerApi: text,
    accounts: accountsSchema,
    syncSchedule: schedule,
    alertSchedule: schedule,
    alertThresholds: text,
    expiringDays: int(0, 3650),
    expiredWithinDays: int(0, 3650),
    notInstalledDays: int(0, 3650),
    alertEmail: email,
    opsEmail: email,
    tokenSecretName: text,
    webhookSecretName: text,
    webhookFormat: z.enum(ALERT_FORMATS, { error: `expected ${ALERT_FORMATS.join(' or ')}` }),
    webhookRules: text.superRefine((value, ctx) => {
      try {
        webhookRules(value);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
      }
    }),
    apiAuth: z.enum(['iam', 'jwt']),
    jwtIssuer: text,
    jwtAudience: text.transform((s) =>
      s
        .split(',')
        .map((a) => a.trim())
        .filter(Boolean),
    ),
    jwtReadScope: scope,
    jwtWriteScope: scope,
    apiRateLimit: int(1, 10_000),
    apiBurstLimit: int(1, 5_000),
    workerConcurrency: int(2, 1000),
    partnerApiRps: int(1, 300),
    logRetentionDays: int(1, 3653).refine((d) => RETENTION_DAYS.includes(d), {
      message: `expected one of ${RETENTION_DAYS.join(', ')}`,
    }),
    apiReservedConcurrency: reservation,
    alertsReservedConcurrency: reservation,
  })
  .superRefine((s, ctx) => {
    if (s.apiAuth === 'jwt' && (!s.jwtIssuer.startsWith('https://') || s.jwtAudience.length === 0)) {
      ctx.addIssue({
        code: 'custom',
        path: ['apiAuth'],
        message: 'apiAuth=jwt needs jwtIssuer (https://...) and jwtAudience',
      });
    }
    if (s.accounts.length > 0 && s.tokenSecretName !== '') {
      ctx.addIssue({
        code: 'custom',
        path: ['tokenSecretName'],
        message: "with accounts, name each account's tokenSecretName instead",
      });
    }
    if (Math.floor(s.partnerApiRps / s.workerConcurrency) < 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['partnerApiRps'],
        message: 'must be at least workerConcurrency (1 request/s per worker)',
      });
    }
  });

export type Settings = Omit<z.output<typeof settingsSchema>, 'logRetentionDays' | 'accounts'> & {
  logRetentionDays: RetentionDays;
  partnerApiUrl: string;
  /** The partner accounts when the context lists them; undefined: the one account of partnerApi (`default`). */
  accounts?: { name: string; partnerApiUrl: string; tokenSecretName: string }[];
};

export class SettingsError extends Error {}

/** Reads every key (context wins over the defaults) and fails synth with one message naming each bad key. */
export function readSettings(node: Node): Settings {
  const raw = Object.fromEntries(
    Object.entries(CONTEXT_DEFAULTS).map(([key, fallback]) => [key, node.tryGetContext(key) ?? fallback]),
  );
  const parsed = settingsSchema.safeParse(raw);
  if (!parsed.success) {
    throw new SettingsError(
      `bad CDK context: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  const settings = parsed.data;
  let partnerApiUrl: string;
  try {
    partnerApiUrl = resolveApiUrl(settings.partnerApi);
    // The same validation the functions run at start-up, so a bad threshold list fails here and not at 08:00.
    loadConfig({
      TABLE_NAME: 'synth-check',
      CELIGO_API_URL: partnerApiUrl,
      ALERT_THRESHOLDS: settings.alertThresholds,
      EXPIRING_DAYS: String(settings.expiringDays),
      EXPIRED_WITHIN_DAYS: String(settings.expiredWithinDays),
      NOT_INSTALLED_DAYS: String(settings.notInstalledDays),
    });
  } catch (error) {
    throw new SettingsError(`bad CDK context: ${(error as Error).message}`);
  }
  const accounts = settings.accounts.length
    ? settings.accounts.map((a) => ({
        name: a.name,
        partnerApiUrl: resolveApiUrl(a.partnerApi),
        tokenSecretName: a.tokenSecretName ?? '',
      }))
    : undefined;
  return {
    ...settings,
    logRetentionDays: settings.logRetentionDays as RetentionDays,
    partnerApiUrl,
    accounts,
  };
}
