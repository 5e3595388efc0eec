// The HTTP API's zod schemas: path ids, query parameters, request bodies and response shapes (also the OpenAPI document).
import { z } from '@hono/zod-openapi';
import { licenseOptsSchema, recordId } from '#celigo/schemas';
import { DEFAULTS, MAX_DAYS } from '#functions/config';
import { connectorSummary, historyItem, licenseView, pageOf, runSummary } from '#ledger/schemas';
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

// Strict: a misspelt parameter (`withinday=5`) is an error, not silently the default.
export const pageQuery = (fallback: number) => z.strictObject({ limit: limit(fallback), cursor });

export const LicensesQuery = z.strictObject({
  includeDeleted: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional()
    .meta({
      param: { name: 'includeDeleted', in: 'query' },
      description: 'Also licenses gone upstream (default false).',
    }),
  limit: limit(100),
  cursor,
});

export const REPORT_DEFAULTS = {
  expiring: DEFAULTS.expiringDays,
  expired: DEFAULTS.expiredWithinDays,
  notInstalled: DEFAULTS.notInstalledDays,
} as const;

const withinDays = (fallback: number, description: string) => days('withinDays', fallback, description);
const olderThanDays = days(
  'olderThanDays',
  REPORT_DEFAULTS.notInstalled,
  'Created at least this many days ago.',
);

export const ExpiringQuery = z.strictObject({
  withinDays: withinDays(REPORT_DEFAULTS.expiring, 'Days ahead.'),
  limit: limit(100),
  cursor,
});
export const ExpiredQuery = z.strictObject({
  withinDays: withinDays(REPORT_DEFAULTS.expired, 'Days back.'),
  limit: limit(100),
  cursor,
});
export const NotInstalledQuery = z.strictObject({ olderThanDays, limit: limit(100), cursor });
// CSV pages have a fixed size (the Link header names the next); a cursor is all they take beyond the report's own.
export const ExpiringCsvQuery = z.strictObject({
  withinDays: withinDays(REPORT_DEFAULTS.expiring, 'Days ahead.'),
  cursor,
});
export const ExpiredCsvQuery = z.strictObject({
  withinDays: withinDays(REPORT_DEFAULTS.expired, 'Days back.'),
  cursor,
});
export const NotInstalledCsvQuery = z.strictObject({ olderThanDays, cursor });

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

export const ConnectorPage = pageOf(ConnectorSummary).meta({ id: 'ConnectorPage' });
export const LicensePage = pageOf(LicenseView).meta({ id: 'LicensePage' });
export const HistoryPage = pageOf(HistoryItem).meta({ id: 'LicenseVersionPage' });
export const SyncRunPage = pageOf(SyncRun).meta({ id: 'SyncRunPage' });
export const AlertPage = pageOf(AlertItem).meta({ id: 'AlertPage' });
