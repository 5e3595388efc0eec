// The HTTP API's zod schemas: path ids, query parameters, request bodies and response shapes (also the OpenAPI document).
import { z } from '@hono/zod-openapi';
import { licenseOptsSchema, objectId } from '#celigo/schemas';

export const MAX_LIMIT = 1000;
export const MAX_DAYS = 3650;

// ---- request parts -------------------------------------------------------------------------------------------

const pathId = (name: string) =>
  objectId.meta({ param: { name, in: 'path' }, example: '5f0c3a1b2c3d4e5f60718293' });

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

export const REPORT_DEFAULTS = { expiring: 30, expired: 30, notInstalled: 7 } as const;

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
export const ExpiringCsvQuery = z.strictObject({
  withinDays: withinDays(REPORT_DEFAULTS.expiring, 'Days ahead.'),
});
export const ExpiredCsvQuery = z.strictObject({
  withinDays: withinDays(REPORT_DEFAULTS.expired, 'Days back.'),
});
export const NotInstalledCsvQuery = z.strictObject({ olderThanDays });

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

// ---- responses -----------------------------------------------------------------------------------------------

const timestamp = z.string().meta({ format: 'date-time' });

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

export const LicenseView = z
  .object({
    id: z.string(),
    connectorId: z.string(),
    email: z.string().optional(),
    userId: z.string().optional(),
    userName: z.string().optional(),
    integrationId: z.string().optional(),
    edition: z.string().optional(),
    addonLicenses: z.array(z.unknown()),
    expires: timestamp.optional(),
    created: timestamp.optional(),
    installed: z.boolean(),
    daysToExpiry: z.number().int().optional().meta({ description: 'Whole days, negative once expired.' }),
    expiry: z.enum(['ok', 'expiring', 'expired']).optional(),
    firstSeenAt: timestamp,
    lastSeenAt: timestamp,
    deletedAt: timestamp.optional(),
    invalid: z
      .array(z.string())
      .optional()
      .meta({ description: 'Why the record failed validation, if it did.' }),
    raw: z.unknown().meta({ description: 'The record exactly as the Partner API sent it.' }),
  })
  .meta({ id: 'License' });

export const HistoryItem = z
  .object({
    observedAt: timestamp,
    change: z.enum(['created', 'updated', 'deleted']),
    changes: z.array(z.string()).meta({ description: 'Field paths that changed.' }),
    license: z.unknown().meta({ description: 'The raw record of this version.' }),
  })
  .meta({ id: 'LicenseVersion' });

const walkError = z.object({ code: z.string(), message: z.string() });

export const ConnectorSummary = z
  .object({
    id: z.string(),
    name: z.string(),
    licenses: z.number().int().meta({ description: 'Live licenses.' }),
    firstSeenAt: timestamp.optional(),
    lastCompleteWalkAt: timestamp.optional(),
    lastWalk: z
      .object({
        runId: z.string(),
        at: timestamp,
        status: z.enum(['completed', 'failed']),
        error: walkError.optional(),
      })
      .optional(),
    deletedAt: timestamp.optional(),
    raw: z.unknown(),
  })
  .meta({ id: 'Connector' });

const counts = z.object({
  seen: z.number().int(),
  created: z.number().int(),
  updated: z.number().int(),
  deleted: z.number().int(),
  unchanged: z.number().int(),
  invalid: z.number().int(),
  skipped: z.number().int(),
});

export const SyncRun = z
  .object({
    runId: z.string(),
    startedAt: timestamp,
    finishedAt: timestamp.optional(),
    status: z.enum(['running', 'completed', 'failed']),
    connectors: z.number().int(),
    completed: z.number().int(),
    failed: z.number().int(),
    counts,
    errors: z.array(walkError.extend({ connectorId: z.string() })).optional(),
  })
  .meta({ id: 'SyncRun' });

export const AlertItem = z
  .object({
    alertId: z.string(),
    rule: z.enum(['expiring', 'expired', 'not-installed', 'deleted']),
    licenseId: z.string(),
    connectorId: z.string(),
    threshold: z.number().int().optional(),
    expires: timestamp.optional(),
    daysToExpiry: z.number().int().optional(),
    email: z.string().optional(),
    edition: z.string().optional(),
    deletedAt: timestamp.optional(),
    raisedAt: timestamp,
    message: z.string(),
    status: z.string().meta({ description: '`pending` until every sink accepted it, then `sent`.' }),
    sentAt: timestamp.optional(),
  })
  .meta({ id: 'Alert' });

/** `{ items, nextCursor? }`: every list answers this. */
export const pageOf = <T extends z.ZodType>(item: T, name: string) =>
  z
    .object({
      items: z.array(item),
      nextCursor: z
        .string()
        .optional()
        .meta({ description: 'Pass as `cursor` for the next page; absent on the last.' }),
    })
    .meta({ id: name });

export const ConnectorPage = pageOf(ConnectorSummary, 'ConnectorPage');
export const LicensePage = pageOf(LicenseView, 'LicensePage');
export const HistoryPage = pageOf(HistoryItem, 'LicenseVersionPage');
export const SyncRunPage = pageOf(SyncRun, 'SyncRunPage');
export const AlertPage = pageOf(AlertItem, 'AlertPage');
