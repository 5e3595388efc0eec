// The HTTP API's zod schemas: path ids, query parameters, request bodies and response shapes (also the OpenAPI document).
import { z } from '@hono/zod-openapi';
import { AS_OF_RULE, isAsOf } from '#app/asof';
import { CUSTOMER_STATUSES, customerRow } from '#app/customers';
import { DEFAULT_MONTHS, MAX_MONTHS, monthlyFigures } from '#app/metrics';
import { licenseOptsSchema, recordId } from '#celigo/schemas';
import { ACCOUNT_NAME, ACCOUNT_NAME_RULE, DEFAULTS, MAX_DAYS } from '#functions/config';
import { DOMAIN_RULE, EMAIL_RULE, isDomain, isEmail, isSince, SINCE_RULE } from '#ledger/portfolio';
import {
  changeItem,
  changeItemKind,
  connectorSummary,
  historyItem,
  licenseView,
  pageOf,
  runSummary,
} from '#ledger/schemas';
import { alertRecord } from '#watch/alert';

export const MAX_LIMIT = 1000;

// ---- request parts -------------------------------------------------------------------------------------------

const pathId = (name: string) =>
  recordId.meta({ param: { name, in: 'path' }, example: '5f0c3a1b2c3d4e5f60718293' });

export const ConnectorParams = z.object({ cid: pathId('cid') });
export const LicenseParams = z.object({ lid: pathId('lid') });
export const ConnectorLicenseParams = z.object({ cid: pathId('cid'), lid: pathId('lid') });

/** A whole number in [min, max] given as decimal digits; "1e3", "0x10" or " 5" are refused, not guessed at. */
const wholeNumber = (name: string, min: number, max: number, fallback: number, description: string) => {
  const message = `${name} must be a whole number from ${min} to ${max}`;
  return z
    .string()
    .regex(/^\d{1,7}$/, message)
    .transform(Number)
    .refine((n) => n >= min && n <= max, message)
    .optional()
    .meta({ type: 'integer', minimum: min, maximum: max, default: fallback, description });
};

const limit = (fallback: number) =>
  wholeNumber('limit', 1, MAX_LIMIT, fallback, 'Items per page.').meta({
    param: { name: 'limit', in: 'query' },
  });

const cursor = z
  .string()
  .min(1)
  .max(2048)
  .optional()
  .meta({
    param: { name: 'cursor', in: 'query' },
    description: 'The `nextCursor` of the previous page, as returned.',
  });

const days = (name: string, fallback: number, description: string) =>
  wholeNumber(name, 0, MAX_DAYS, fallback, description).meta({ param: { name, in: 'query' } });

/** `?account=NAME`: only this partner account's items (an unknown name is 400 `unknown_account`). */
const account = z
  .string()
  .regex(ACCOUNT_NAME, `account ${ACCOUNT_NAME_RULE}`)
  .optional()
  .meta({
    param: { name: 'account', in: 'query' },
    description: "Only this partner account's.",
    example: 'us',
  });

const flag = (name: string, description: string) =>
  z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional()
    .meta({ param: { name, in: 'query' }, description });

// Strict: a misspelt parameter (`withinday=5`) is an error, not silently the default.
export const pageQuery = (fallback: number) => z.strictObject({ limit: limit(fallback), cursor });
export const AccountPageQuery = (fallback: number) =>
  z.strictObject({ account, limit: limit(fallback), cursor });

const includeDeleted = flag('includeDeleted', 'Also licenses gone upstream (default false).');
/** `?sandbox=true|false`: sandbox licenses only, or production ones only (a record without `sandbox` is production). */
const sandbox = flag(
  'sandbox',
  "`true`: only sandbox licenses (the customer's sandbox environment); `false`: only production ones.",
);

/** `?asOf=<ISO>`: the answer as the ledger held it then. */
const asOf = z
  .string()
  .refine(isAsOf, `asOf ${AS_OF_RULE}`)
  .optional()
  .meta({
    param: { name: 'asOf', in: 'query' },
    description:
      'The answer as the ledger held it at this moment (an ISO 8601 date, meaning midnight UTC, or date-time); not in the future.',
    example: '2026-03-01T00:00:00Z',
  });

export const LicensesQuery = z.strictObject({
  includeDeleted,
  sandbox,
  account,
  asOf,
  limit: limit(100),
  cursor,
});

/** `GET /licenses/{lid}`: open, as it took no parameters before and ignored any. */
export const LicenseQuery = z.object({ asOf });

/** `?domain=`: an e-mail domain, checked and lower-cased the same way on every route that takes one. */
const domainParam = (description: string) =>
  z
    .string()
    .refine(isDomain, `domain ${DOMAIN_RULE}`)
    .transform((v) => v.toLowerCase())
    .optional()
    .meta({ param: { name: 'domain', in: 'query' }, description, example: 'example.com' });

/** `GET /licenses`: one customer, by e-mail or by domain (exactly one of the two). */
export const FindQuery = z
  .strictObject({
    email: z
      .string()
      .refine(isEmail, `email ${EMAIL_RULE}`)
      .transform((v) => v.toLowerCase())
      .optional()
      .meta({
        param: { name: 'email', in: 'query' },
        description: 'An e-mail address, matched exactly whatever its case.',
        example: 'jane.doe@example.com',
      }),
    domain: domainParam('Every license of this domain (not its subdomains).'),
    includeDeleted,
    sandbox,
    account,
    asOf,
    limit: limit(100),
    cursor,
  })
  .superRefine((q, ctx) => {
    if ((q.email === undefined) === (q.domain === undefined))
      ctx.addIssue({
        code: 'custom',
        path: [q.email === undefined ? 'email' : 'domain'],
        message: 'send exactly one of email and domain',
      });
  });

const changesQuery = (fallbackLimit: number) =>
  z.strictObject({
    since: z
      .string()
      .refine(isSince, `since ${SINCE_RULE}`)
      .optional()
      .meta({
        param: { name: 'since', in: 'query' },
        description:
          'Days back (`7d`) or an ISO 8601 date or date-time; not in the future, at most 3650 days back.',
        default: '7d',
        example: '30d',
      }),
    connector: recordId.optional().meta({ param: { name: 'connector', in: 'query' } }),
    kind: changeItemKind.optional().meta({ param: { name: 'kind', in: 'query' } }),
    includeBaseline: flag(
      'includeBaseline',
      "Also the versions of each connector's first walk (its baseline; default false).",
    ),
    sandbox,
    account,
    limit: limit(fallbackLimit),
    cursor,
  });
export const ChangesQuery = changesQuery(100);
export const ChangesCsvQuery = changesQuery(1000);

/** `GET /metrics/monthly`: how many months (newest last), of one account or connector. */
export const MetricsQuery = z.strictObject({
  months: wholeNumber('months', 1, MAX_MONTHS, DEFAULT_MONTHS, 'Months, the current one last.').meta({
    param: { name: 'months', in: 'query' },
  }),
  account,
  connector: recordId.optional().meta({ param: { name: 'connector', in: 'query' } }),
});

/** `GET /customers`: one row per e-mail domain, of one status or one domain. */
export const CustomersQuery = z.strictObject({
  status: z
    .enum(CUSTOMER_STATUSES)
    .optional()
    .meta({ param: { name: 'status', in: 'query' }, description: 'Only customers of this status.' }),
  domain: domainParam('Only this domain (one partition of the customer index).'),
  account,
  limit: limit(100),
  cursor,
});

export const REPORT_DEFAULTS = {
  expiring: DEFAULTS.expiringDays,
  expired: DEFAULTS.expiredWithinDays,
  notInstalled: DEFAULTS.notInstalledDays,
  trials: DEFAULTS.trialsWithinDays,
} as const;

const withinDays = (fallback: number, description: string) => days('withinDays', fallback, description);
const olderThanDays = days(
  'olderThanDays',
  REPORT_DEFAULTS.notInstalled,
  'Created at least this many days ago.',
);

export const ExpiringQuery = z.strictObject({
  withinDays: withinDays(REPORT_DEFAULTS.expiring, 'Days ahead.'),
  account,
  sandbox,
  limit: limit(100),
  cursor,
});
export const ExpiredQuery = z.strictObject({
  withinDays: withinDays(REPORT_DEFAULTS.expired, 'Days back.'),
  account,
  sandbox,
  limit: limit(100),
  cursor,
});
export const NotInstalledQuery = z.strictObject({
  olderThanDays,
  account,
  sandbox,
  limit: limit(100),
  cursor,
});
// CSV pages have a fixed size (the Link header names the next); a cursor is all they take beyond the report's own.
export const ExpiringCsvQuery = z.strictObject({
  withinDays: withinDays(REPORT_DEFAULTS.expiring, 'Days ahead.'),
  account,
  sandbox,
  cursor,
});
export const ExpiredCsvQuery = z.strictObject({
  withinDays: withinDays(REPORT_DEFAULTS.expired, 'Days back.'),
  account,
  sandbox,
  cursor,
});
export const NotInstalledCsvQuery = z.strictObject({ olderThanDays, account, sandbox, cursor });
export const TrialsQuery = z.strictObject({
  withinDays: withinDays(REPORT_DEFAULTS.trials, 'Days ahead.'),
  account,
  sandbox,
  limit: limit(100),
  cursor,
});
export const TrialsCsvQuery = z.strictObject({
  withinDays: withinDays(REPORT_DEFAULTS.trials, 'Days ahead.'),
  account,
  sandbox,
  cursor,
});
/** `GET /alerts`: alerts raised, of one account, of sandbox or production licenses. */
export const AlertsQuery = z.strictObject({ account, sandbox, limit: limit(100), cursor });

/** `GET /`: the dashboard, optionally searching for a customer and keeping to one account. */
export const DashboardQuery = z.strictObject({
  q: z
    .string()
    .max(254)
    .optional()
    .meta({
      param: { name: 'q', in: 'query' },
      description: 'A customer to find: an e-mail address, or @domain.',
      example: '@example.com',
    }),
  account,
});

const EXPIRES_MESSAGE =
  'expires must be an ISO 8601 date or date-time with an offset, e.g. 2027-01-31T23:59:59Z';
const expires = z
  .union([z.iso.datetime({ offset: true }), z.iso.date()], { error: EXPIRES_MESSAGE })
  .meta({ example: '2027-01-31T23:59:59.999Z' });

// Top level strict (a typo is an error); `opts` stays open, as connectors define settings of their own.
export const CreateLicenseBody = z
  .strictObject({
    email: z
      .email({ error: 'email must be an email address' })
      .max(254)
      .meta({ example: 'jane.doe@example.com' }),
    expires,
    opts: licenseOptsSchema,
  })
  .meta({ id: 'CreateLicense' });

export const UpdateLicenseBody = z
  .strictObject({ expires: expires.optional(), opts: licenseOptsSchema.optional() })
  .refine((body) => body.expires !== undefined || body.opts !== undefined, {
    error: 'send expires, opts or both',
  })
  .meta({ id: 'UpdateLicense' });

// ---- responses: the domain's schemas, with OpenAPI names -----------------------------------------------------

export const ErrorBody = z
  .object({
    errors: z.array(
      z.object({
        code: z.string().meta({ example: 'invalid_parameter' }),
        message: z.string(),
        field: z.string().optional().meta({ example: 'limit' }),
      }),
    ),
  })
  .meta({ id: 'Errors' });

export const LicenseView = licenseView.meta({ id: 'License' });
export const HistoryItem = historyItem.meta({ id: 'LicenseVersion' });
export const ConnectorSummary = connectorSummary.meta({ id: 'Connector' });
export const SyncRun = runSummary.meta({ id: 'SyncRun' });
export const AlertItem = alertRecord.meta({ id: 'Alert' });
export const ChangeItem = changeItem.meta({ id: 'Change' });

export const ConnectorPage = pageOf(ConnectorSummary).meta({ id: 'ConnectorPage' });
export const LicensePage = pageOf(LicenseView).meta({ id: 'LicensePage' });
export const HistoryPage = pageOf(HistoryItem).meta({ id: 'LicenseVersionPage' });
export const SyncRunPage = pageOf(SyncRun).meta({ id: 'SyncRunPage' });
export const AlertPage = pageOf(AlertItem).meta({ id: 'AlertPage' });
export const ChangePage = pageOf(ChangeItem).meta({ id: 'ChangePage' });
export const MonthlyFigures = monthlyFigures.meta({ id: 'MonthlyFigures' });
export const MonthlyFiguresList = z
  .object({ items: z.array(MonthlyFigures) })
  .meta({ id: 'MonthlyFiguresList' });
export const CustomerRow = customerRow.meta({ id: 'Customer' });
export const CustomerPage = pageOf(CustomerRow).meta({ id: 'CustomerPage' });
