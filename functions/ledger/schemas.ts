// The ledger's shapes, each declared once as a zod schema: views, history, connectors, runs, sync units, pages.
import { z } from 'zod';
import { installBaseRun } from './install-schemas.ts';
import { CHANGE_ITEM_KINDS } from './kinds.ts';

const timestamp = z.string().meta({ format: 'date-time' });

/** `{ items, nextCursor? }`: every list answers this. */
export const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({
    items: z.array(item),
    nextCursor: z
      .string()
      .optional()
      .meta({ description: 'Pass as `cursor` for the next page; absent on the last.' }),
  });
export interface Page<T> {
  items: T[];
  nextCursor?: string;
}

export const licenseView = z.object({
  id: z.string(),
  connectorId: z.string(),
  account: z.string().meta({ description: 'The partner account the connector belongs to.' }),
  email: z.string().optional(),
  userId: z.string().optional(),
  userName: z.string().optional(),
  integrationId: z.string().optional(),
  installedVersion: z.string().optional().meta({
    description: 'The version its integration runs, from the install base (joined on `_integrationId`).',
  }),
  edition: z.string().optional(),
  addonLicenses: z.array(z.unknown()),
  expires: timestamp.optional(),
  created: timestamp.optional(),
  installed: z.boolean(),
  sandbox: z.boolean().meta({
    description: "A license for the customer's sandbox environment (false when the record has none).",
  }),
  type: z.string().optional().meta({ description: "The record's `type`, e.g. `integrationApp`." }),
  daysToExpiry: z.number().int().optional().meta({ description: 'Whole days, negative once expired.' }),
  expiry: z.enum(['ok', 'expiring', 'expired']).optional(),
  trialEndDate: timestamp.optional().meta({ description: "The trial's end, while the license is on trial." }),
  daysToTrialEnd: z
    .number()
    .int()
    .optional()
    .meta({ description: 'Whole days until the trial ends, negative once it ended.' }),
  trial: z.enum(['active', 'ended', 'converted']).optional().meta({
    description:
      '`active` until trialEndDate, `ended` after it (not converted), `converted` once Celigo dropped trialEndDate while the license lived on (a paid expiry saved); absent for a license never on trial.',
  }),
  trialConvertedAt: timestamp
    .optional()
    .meta({ description: 'When the ledger saw the trial converted (trial `converted`).' }),
  firstSeenAt: timestamp,
  lastSeenAt: timestamp,
  deletedAt: timestamp.optional(),
  invalid: z
    .array(z.string())
    .optional()
    .meta({ description: 'Why the record failed validation, if it did.' }),
  raw: z.unknown().meta({ description: 'The record exactly as the Partner API sent it.' }),
});
export type LicenseView = z.infer<typeof licenseView>;

export const changeKind = z.enum(['created', 'updated', 'deleted']);
export type ChangeKind = z.infer<typeof changeKind>;

/**
 * What a change means to a partner, from the field diff, by precedence: deleted, created, converted, trial-started,
 * trial-extended, installed, uninstalled, renewed (expires later), expiry-shortened, edition-changed, updated.
 */
export { CHANGE_ITEM_KINDS };
export const changeItemKind = z.enum(CHANGE_ITEM_KINDS);
export type ChangeItemKind = z.infer<typeof changeItemKind>;

/** One version of one license, as the portfolio's change feed lists it (`GET /changes`). */
export const changeItem = z.object({
  licenseId: z.string(),
  connectorId: z.string(),
  account: z.string().meta({ description: 'The partner account the connector belongs to.' }),
  email: z.string().optional(),
  observedAt: timestamp,
  kind: changeItemKind,
  changes: z.array(z.string()).meta({ description: 'Field paths that changed.' }),
});
export type ChangeItem = z.infer<typeof changeItem>;

export const historyItem = z.object({
  observedAt: timestamp,
  change: changeKind,
  changes: z.array(z.string()).meta({ description: 'Field paths that changed.' }),
  license: z.unknown().meta({ description: 'The raw record of this version.' }),
});
export type HistoryItem = z.infer<typeof historyItem>;

const walkError = z.object({ code: z.string(), message: z.string() });

/** Records of a listing that carry no usable `_id`: the walk cannot tell which license they are. */
export const unidentifiable = z.object({
  count: z.number().int(),
  offsets: z
    .array(z.number().int())
    .meta({ description: 'Positions in the listing (0-based) of the first five such records.' }),
});
export type Unidentifiable = z.infer<typeof unidentifiable>;

export const connectorSummary = z.object({
  id: z.string(),
  name: z.string(),
  account: z.string().meta({ description: 'The partner account the connector belongs to.' }),
  licenses: z.number().int().meta({ description: 'Live licenses.' }),
  firstSeenAt: timestamp.optional(),
  lastCompleteWalkAt: timestamp.optional(),
  lastWalk: z
    .object({
      runId: z.string(),
      at: timestamp,
      status: z.enum(['completed', 'failed']),
      error: walkError.optional(),
      unidentifiable: unidentifiable.optional(),
    })
    .optional(),
  deletedAt: timestamp.optional(),
  raw: z.unknown(),
});
export type ConnectorSummary = z.infer<typeof connectorSummary>;
export type WalkOutcome = NonNullable<ConnectorSummary['lastWalk']>;

export const COUNT_NAMES = [
  'seen',
  'created',
  'updated',
  'deleted',
  'unchanged',
  'invalid',
  'skipped',
] as const;
export const counts = z.object(
  Object.fromEntries(COUNT_NAMES.map((name) => [name, z.number().int()])) as Record<
    (typeof COUNT_NAMES)[number],
    z.ZodNumber
  >,
);
export type Counts = z.infer<typeof counts>;
export const zeroCounts = (): Counts => Object.fromEntries(COUNT_NAMES.map((name) => [name, 0])) as Counts;

/**
 * One unit of sync work: walk one connector for one run (an SQS message body in AWS). `account` names the partner
 * account whose client walks it; messages queued before accounts existed have none.
 */
export const syncUnit = z.object({
  runId: z.string().min(1),
  connectorId: z.string().min(1),
  account: z.string().min(1).optional(),
  /** How many walks of this unit ran out of time before (a continuation resumes where the last one left). */
  continuation: z.number().int().min(1).optional(),
});
export type SyncUnit = z.infer<typeof syncUnit>;

/** One connector's walk in a run. `skipped`: another walk of the connector held it, so this one stood down. */
export const connectorRun = syncUnit.extend({
  status: z.enum(['completed', 'failed', 'skipped']),
  reason: z.literal('walk_in_progress').optional(),
  counts,
  pages: z.number().int(),
  pagesUnchanged: z
    .number()
    .int()
    .meta({ description: 'Pages whose body matched the last walk and were skipped.' }),
  startedAt: timestamp,
  finishedAt: timestamp,
  durationMs: z.number().int(),
  error: walkError.optional(),
  unidentifiable: unidentifiable.optional(),
  deletionsSkipped: z
    .literal(true)
    .optional()
    .meta({ description: 'The walk met records it could not identify, so it marked no deletion.' }),
  installBase: installBaseRun.optional().meta({
    description: "The connector's install base read after its licenses (absent on a walk that stood down).",
  }),
  refused: z
    .object({
      count: z.number().int(),
      licenses: z.array(z.object({ licenseId: z.string(), code: z.string(), message: z.string() })),
    })
    .optional()
    .meta({
      description:
        'Licenses the table would not take (the first 20 listed): not recorded, the rest of their page is; the next sync tries them again.',
    }),
});
export type ConnectorRun = z.infer<typeof connectorRun>;

export const runSummary = z.object({
  runId: z.string(),
  startedAt: timestamp,
  finishedAt: timestamp.optional(),
  status: z.enum(['running', 'completed', 'failed']),
  connectors: z.number().int(),
  completed: z.number().int(),
  failed: z.number().int(),
  skipped: z.number().int().meta({ description: 'Connectors another walk was already walking.' }),
  counts,
  errors: z.array(walkError.extend({ connectorId: z.string() })).optional(),
  accountErrors: z
    .array(walkError.extend({ account: z.string() }))
    .optional()
    .meta({
      description:
        'Partner accounts whose connectors could not be listed (bad token, outage): their connectors were not walked and nothing of theirs was marked deleted.',
    }),
  unidentifiable: z
    .array(unidentifiable.extend({ connectorId: z.string() }))
    .optional()
    .meta({
      description: 'Per connector: records without a usable id; those connectors marked no deletion.',
    }),
});
export type RunSummary = z.infer<typeof runSummary>;
