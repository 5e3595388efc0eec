// The DynamoDB adapter of the ledger store, in facets: a Lambda composes only the facets it uses, so its bundle keeps
// only their commands and its role needs only their grants. createDynamoStore composes them all.
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { InstallBaseRead, InstallWrite, StoredPush } from '../install-records.ts';
import type {
  AlertDelivery,
  AlertLog,
  Clock,
  ConnectorStore,
  InstallStore,
  LedgerStore,
  LicenseStore,
  PortfolioStore,
  PushStore,
  RunStore,
  SchemaStore,
  WalkStore,
} from '../port.ts';
import type { ConnectorMeta } from '../records.ts';
import * as alerts from './alerts.ts';
import { unclaimed } from './claims.ts';
import * as commits from './commits.ts';
import * as installs from './installs.ts';
import { FEED } from './keys.ts';
import * as reads from './license-reads.ts';
import * as licenses from './licenses.ts';
import * as meta from './meta.ts';
import { DATA_STEPS } from './migrations/data-steps.ts';
import type { StepRun } from './migrations/index.ts';
import * as migrations from './migrations/index.ts';
import { SINK_STEPS } from './migrations/outbox.ts';
import * as outbox from './outbox.ts';
import * as portfolio from './portfolio.ts';
import * as pushes from './pushes.ts';
import { queryAll, type Table } from './query.ts';
import * as runs from './runs.ts';
import * as sinkLease from './sink-lease.ts';
import { INDEX } from './table.ts';

export { LeaseLostError } from './meta.ts';
export { ensureTable, INDEX, tableDefinition } from './table.ts';

export interface DynamoStoreOptions {
  /** The clock; tests pass one they can move. */
  now?: () => Date;
  /**
   * How long reads may reuse a connector's META item (its last complete walk moves at most once a sync):
   * 0 in batch jobs and tests, a few seconds behind the HTTP API.
   */
  metaCacheMs?: number;
}

/** What every facet is built from: the table, the clock, the options. */
export interface Site extends Clock {
  table: Table;
  options: DynamoStoreOptions;
}

export function site(doc: DynamoDBDocumentClient, tableName: string, options: DynamoStoreOptions = {}): Site {
  const now = options.now ?? (() => new Date());
  return { table: { doc, name: tableName }, options, now };
}

export function connectorFacet({ table, options }: Site): ConnectorStore {
  const cacheMs = options.metaCacheMs ?? 0;
  // The read itself is kept, so callers asking at once (a rule's pages viewed together) share one GetItem.
  const cache = new Map<string, { at: number; meta: Promise<ConnectorMeta | undefined> }>();
  return {
    async listConnectors() {
      const out: ConnectorMeta[] = [];
      for await (const item of queryAll(table, {
        IndexName: INDEX.feed.name,
        KeyConditionExpression: 'feed_pk = :pk',
        ExpressionAttributeValues: { ':pk': FEED.connectors },
        ...meta.VIEW_PROJECTION,
      })) {
        out.push(meta.toConnectorMeta(item));
      }
      return out;
    },
    getConnector(cid, { consistent = false } = {}) {
      const hit = cache.get(cid);
      if (!consistent && hit && Date.now() - hit.at < cacheMs) return hit.meta;
      // A META item without a connector record yet (an API write to a connector never listed) is no connector.
      const read = meta
        .readMeta(table, cid, consistent)
        .then((item) => (item?.type === 'connector' ? meta.toConnectorMeta(item) : undefined));
      if (cacheMs > 0) {
        cache.set(cid, { at: Date.now(), meta: read });
        read.catch(() => cache.delete(cid));
      }
      return read;
    },
    async connectorEpoch(cid) {
      return ((await meta.readMeta(table, cid, true))?.epoch as number | undefined) ?? 0;
    },
    recordConnector: (c) => meta.snapshotted(table, c),
    markConnectorDeleted: (cid, at) => meta.deletedUpstream(table, cid, at),
  };
}

export function walkFacet({ table, now }: Site): WalkStore {
  return {
    beginWalk: (cid, owner, leaseMs) => meta.walkStarted(table, cid, owner, now().getTime(), leaseMs),
    renewWalk: (cid, owner, leaseMs) => meta.heartbeat(table, cid, owner, now().getTime(), leaseMs),
    walkWriting: (cid, owner, start) => meta.walkWriting(table, cid, owner, start),
    recordPageDigest: (cid, owner, index, digest) => meta.pageDigestWritten(table, cid, owner, index, digest),
    endWalk: (cid, owner, end) => meta.walkEnded(table, cid, owner, end),
  };
}

export function licenseFacet({ table, now }: Site): LicenseStore {
  return {
    licenseStates: (cid) => reads.licenseStates(table, cid),
    currentLicense: (cid, lid) => reads.currentLicense(table, cid, lid),
    currentLicenses: (keys) => reads.currentLicenses(table, keys),
    writeLicenses: (writes) => licenses.writeLicenses(table, writes, now),
    writeOutsideWalk: (write, epochSeen, liveDelta) =>
      licenses.writeOutsideWalk(table, write, epochSeen, liveDelta, now),
    listLicenses: (cid, options) => reads.listLicenses(table, cid, options),
    licenseVersions: (lid, page) => reads.licenseVersions(table, lid, page),
    versionAsOf: (lid, asOf) => reads.versionAsOf(table, lid, asOf),
    expiryPage: (range) => reads.expiryPage(table, range),
    trialPage: (range) => reads.trialPage(table, range),
    conversionPage: (range) => reads.conversionPage(table, range),
    notInstalledBefore: (cutoff, account, sandbox) =>
      reads.notInstalledBefore(table, cutoff, account, sandbox),
    notInstalledPage: (cutoff, page) => reads.notInstalledPage(table, cutoff, page),
    deletionsSince: (since) => reads.deletionsSince(table, since),
  };
}

export function portfolioFacet({ table }: Site): PortfolioStore {
  return {
    customerLicenses: (query) => portfolio.customerLicenses(table, query),
    changesPage: (range) => portfolio.changesPage(table, range),
    expiriesCount: (range) => portfolio.expiriesCount(table, range),
    commitsPage: (range) => commits.commitsPage(table, range),
  };
}

/** What a sync worker's install base walk calls: no reads for views, so no BatchGetItem in its bundle. */
export function installWalkFacet({ table }: Site) {
  return {
    installBaseSummary: (cid: string) => installs.installBaseSummary(table, cid),
    installStates: (cid: string) => installs.installStates(table, cid),
    licensesByIntegration: (cid: string) => installs.licensesByIntegration(table, cid),
    writeInstalls: (writes: InstallWrite[]) => installs.writeInstalls(table, writes),
    recordInstallBase: (cid: string, read: InstallBaseRead) => installs.recordInstallBase(table, cid, read),
    getPush: (id: string) => pushes.getPush(table, id),
    savePush: (push: StoredPush) => pushes.savePush(table, push),
  } satisfies Omit<InstallStore, 'listInstalls' | 'installedVersions'> &
    Pick<PushStore, 'getPush' | 'savePush'>;
}

export function installFacet({ table }: Site): InstallStore {
  return {
    installBaseSummary: (cid) => installs.installBaseSummary(table, cid),
    installStates: (cid) => installs.installStates(table, cid),
    licensesByIntegration: (cid) => installs.licensesByIntegration(table, cid),
    writeInstalls: (writes) => installs.writeInstalls(table, writes),
    recordInstallBase: (cid, read) => installs.recordInstallBase(table, cid, read),
    listInstalls: (cid, page) => installs.listInstalls(table, cid, page),
    installedVersions: (keys) => installs.installedVersions(table, keys),
  };
}

export function pushFacet({ table }: Site): PushStore {
  return {
    openPush: (push, seq) => pushes.openPush(table, push, seq),
    getPush: (id) => pushes.getPush(table, id),
    savePush: (push) => pushes.savePush(table, push),
    listPushes: (page) => pushes.listPushes(table, page),
    pushesSince: (since) => pushes.pushesSince(table, since),
  };
}

/** The pushes' feed alone: what the alerts Lambda reads (the update-stuck rule), nothing it would have to write. */
export function pushFeedFacet({ table }: Site): Pick<PushStore, 'pushesSince'> {
  return { pushesSince: (since) => pushes.pushesSince(table, since) };
}

export function runFacet({ table }: Site): RunStore {
  return {
    startRun: (run) => runs.startRun(table, run),
    recordConnectorRun: (run) => runs.recordConnectorRun(table, run),
    getRun: (runId) => runs.getRun(table, runId),
    connectorRuns: (runId) => runs.connectorRuns(table, runId),
    listRuns: (page) => runs.listRuns(table, page),
  };
}

export function alertLogFacet({ table }: Site): AlertLog {
  return { listAlerts: (page) => alerts.listAlerts(table, page) };
}

export function alertDeliveryFacet({ table }: Site): AlertDelivery {
  return {
    acquireSink: (sinkId, lease, now) => sinkLease.acquireSink(table, sinkId, lease, now),
    renewSink: (sinkId, lease) => sinkLease.renewSink(table, sinkId, lease),
    releaseSink: (sinkId, owner) => sinkLease.releaseSink(table, sinkId, owner),
    takeOverOutbox: (sinkId, owner) => outbox.takeOverOutbox(table, sinkId, owner),
    unclaimed: (claims, sinkIds) => unclaimed(table, claims, sinkIds),
    openDeliveries: (sinkId, owner, claims, at, now) =>
      outbox.openDeliveries(table, sinkId, owner, claims, at, now),
    recordAccepted: (sinkId, owner, deliveries, closes, at) =>
      outbox.recordAccepted(table, sinkId, owner, deliveries, closes, at),
    releaseDeliveries: (sinkId, owner, deliveries, error, at) =>
      outbox.releaseDeliveries(table, sinkId, owner, deliveries, error, at),
  };
}

export { DATA_STEPS, SINK_STEPS };

/**
 * The table's upgrades, with the code of the steps given: DATA_STEPS (the plan, local commands), SINK_STEPS (an
 * alert evaluation), or both; a Lambda bundles only the steps it is given.
 */
export function schemaFacet({ table, now }: Site, steps: Readonly<Record<string, StepRun>>): SchemaStore {
  return {
    migrate: (options) => migrations.migrate(table, now, steps, options),
    schemaStatus: () => migrations.schemaStatus(table),
  };
}

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
