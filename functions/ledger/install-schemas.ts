// The install base and update pushes as the ledger answers them, each shape declared once with zod.
import { z } from 'zod';

const timestamp = z.string().meta({ format: 'date-time' });

/** One integration where a connector is installed, as recorded from the install base. */
export const installView = z.object({
  integrationId: z.string(),
  connectorId: z.string(),
  account: z.string().meta({ description: 'The partner account the connector belongs to.' }),
  email: z.string(),
  name: z.string().optional(),
  version: z.string(),
  sandbox: z.boolean(),
  updateInProgress: z.boolean(),
  licenseId: z.string().optional().meta({ description: 'The license whose `_integrationId` is this one.' }),
  outdated: z.boolean().meta({ description: 'Behind the newest version seen on its connector.' }),
  firstSeenAt: timestamp,
  lastSeenAt: timestamp,
  removedAt: timestamp.optional().meta({ description: 'When it left the install base (uninstalled).' }),
});
export type InstallView = z.infer<typeof installView>;

/** What the install base read of one connector's walk came to (`installBase` in a connector's run). */
export const installBaseRun = z.object({
  status: z.enum(['completed', 'failed']),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
  installs: z.number().int().optional().meta({ description: 'Integrations in the install base.' }),
  changed: z
    .number()
    .int()
    .optional()
    .meta({ description: 'Install records written (new, changed, removed).' }),
  pushesAdvanced: z.number().int().optional(),
});
export type InstallBaseRun = z.infer<typeof installBaseRun>;

export const PUSH_STATES = ['pending', 'requested', 'in-progress', 'updated', 'stuck'] as const;
export const pushState = z.enum(PUSH_STATES);
export type PushState = z.infer<typeof pushState>;

export const pushIntegration = z.object({
  integrationId: z.string(),
  licenseId: z.string().optional(),
  email: z.string().optional(),
  fromVersion: z.string(),
  state: pushState,
  sandbox: z.boolean(),
  batch: z
    .number()
    .int()
    .meta({ description: 'Batches are sent in order, each once the one before updated.' }),
  requestedAt: timestamp.optional(),
  toVersion: z.string().optional(),
  updatedAt: timestamp.optional(),
});
export type PushIntegration = z.infer<typeof pushIntegration>;

export const pushView = z.object({
  id: z.string(),
  connectorId: z.string(),
  account: z.string(),
  createdAt: timestamp,
  status: z.enum(['open', 'done', 'halted']).meta({
    description:
      '`open` while an integration waits or updates; `done` once each updated; `halted` when a stuck integration (or a refused request) keeps the next batch from going.',
  }),
  sandboxFirst: z.boolean(),
  batchSize: z.number().int().optional(),
  integrations: z.array(pushIntegration),
  error: z
    .object({ code: z.string(), message: z.string() })
    .optional()
    .meta({ description: 'The last failed update request of this push.' }),
});
export type PushView = z.infer<typeof pushView>;

/** A connector's versions, for the dashboard: how many integrations run each, and how many are behind. */
export const connectorVersions = z.object({
  connectorId: z.string(),
  newestVersion: z.string().optional(),
  installs: z.number().int(),
  outdated: z.number().int(),
  versions: z.record(z.string(), z.number().int()),
});
export type ConnectorVersions = z.infer<typeof connectorVersions>;
