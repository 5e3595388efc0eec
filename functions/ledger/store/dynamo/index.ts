// The DynamoDB adapter of the ledger store, in facets: each module exports its own, and this one only composes
// them. A Lambda composes only the facets it uses (handlers/runtime.ts), so its bundle keeps only their commands and
// its role needs only their grants. createDynamoStore composes them all.
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AlertDelivery, LedgerStore, LicenseStore, PortfolioStore } from '../port.ts';
import { alertLogFacet } from './alerts.ts';
import { claimReads } from './claims.ts';
import { commitsFacet } from './commits.ts';
import { installBaseWalk, installFacet } from './installs.ts';
import { licenseReads } from './license-reads.ts';
import { licenseWrites } from './licenses.ts';
import { connectorFacet, walkFacet } from './meta.ts';
import { DATA_STEPS } from './migrations/data-steps.ts';
import { schemaFacet } from './migrations/index.ts';
import { SINK_STEPS } from './migrations/outbox.ts';
import { outboxFacet } from './outbox.ts';
import { portfolioReads } from './portfolio.ts';
import { pushFacet, pushUpdates } from './pushes.ts';
import { runFacet } from './runs.ts';
import { sinkLeases } from './sink-lease.ts';
import { type DynamoStoreOptions, type Site, site } from './site.ts';

export { alertLogFacet } from './alerts.ts';
export { installFacet } from './installs.ts';
export { connectorFacet, LeaseLostError, walkFacet } from './meta.ts';
export { DATA_STEPS } from './migrations/data-steps.ts';
export { schemaFacet } from './migrations/index.ts';
export { SINK_STEPS } from './migrations/outbox.ts';
export { pushFacet, pushFeedFacet } from './pushes.ts';
export { runFacet } from './runs.ts';
export { type DynamoStoreOptions, type Site, site } from './site.ts';
export { ensureTable, INDEX, tableDefinition } from './table.ts';

export const licenseFacet = (at: Site): LicenseStore => ({ ...licenseReads(at), ...licenseWrites(at) });

export const portfolioFacet = (at: Site): PortfolioStore => ({ ...portfolioReads(at), ...commitsFacet(at) });

/** What a sync worker's install base walk calls (pushes advanced included): nothing that reads for views. */
export const installWalkFacet = (at: Site) => ({ ...installBaseWalk(at), ...pushUpdates(at) });

export const alertDeliveryFacet = (at: Site): AlertDelivery => ({
  ...sinkLeases(at),
  ...claimReads(at),
  ...outboxFacet(at),
});

/** Every facet: the CLI, the tests and the benchmarks use the whole store. */
export function createDynamoStore(
  doc: DynamoDBDocumentClient,
  tableName: string,
  options: DynamoStoreOptions = {},
): LedgerStore {
  const at = site(doc, tableName, options);
  return {
    now: at.now,
    ...connectorFacet(at),
    ...walkFacet(at),
    ...licenseFacet(at),
    ...portfolioFacet(at),
    ...installFacet(at),
    ...pushFacet(at),
    ...runFacet(at),
    ...alertLogFacet(at),
    ...alertDeliveryFacet(at),
    ...schemaFacet(at, { ...DATA_STEPS, ...SINK_STEPS }),
  };
}
