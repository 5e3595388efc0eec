// The ledger table's whole vocabulary: everything the domain may ask of its store, in facets. Each Lambda composes
// only the facets it uses, so its bundle keeps only their commands and its role only their grants (handlers/
// runtime.ts). What the store keeps is in records.ts, what the domain asks with in requests.ts. ./dynamo is the adapter.
import type { ConnectorRun, Page, RunSummary } from '../schemas.ts';
import type {
  InstallBaseRead,
  InstallBaseSummary,
  InstallState,
  InstallWrite,
  StoredInstall,
  StoredPush,
} from './install-records.ts';
import type {
  AlertClaim,
  AlertRecord,
  ConnectorMeta,
  ConnectorSnapshot,
  DeliveryLease,
  HeldDelivery,
  LicenseState,
  LicenseWrite,
  PageDigest,
  StoredChange,
  StoredCommit,
  StoredLicense,
  StoredVersion,
  WalkClaim,
  WriteResult,
} from './records.ts';
import type {
  AlertList,
  ChangeRange,
  CommitRange,
  CustomerQuery,
  ExpiryCount,
  ExpiryRange,
  InstallList,
  LicenseList,
  MigrateOptions,
  MigrationReport,
  NotInstalledList,
  PageRequest,
  RunStart,
  SchemaStatus,
  WalkEnd,
} from './requests.ts';

export type * from './install-records.ts';
export type * from './records.ts';
export type * from './requests.ts';

/** The store's clock: every timestamp and lease expiry the domain writes comes from here. */
export interface Clock {
  now(): Date;
}

/** Connectors: one META item each, changed only through these named transitions. */
export interface ConnectorStore {
  listConnectors(): Promise<ConnectorMeta[]>;
  getConnector(connectorId: string, options?: { consistent?: boolean }): Promise<ConnectorMeta | undefined>;
  /** The epoch now (0 before the first write outside a walk), read consistently. */
  connectorEpoch(connectorId: string): Promise<number>;
  /** The connector record as listed now (a version only when it changed). */
  recordConnector(c: ConnectorSnapshot): Promise<void>;
  /** Gone from a complete connector list. */
  markConnectorDeleted(connectorId: string, at: string): Promise<void>;
}

/** A walk's hold on its connector: lease (undefined/false once another holds it), epoch, page digests, outcome. */
export interface WalkStore {
  beginWalk(connectorId: string, owner: string, leaseMs: number): Promise<WalkClaim | undefined>;
  renewWalk(connectorId: string, owner: string, leaseMs: number): Promise<boolean>;
  /** Digests stamped before `startEpoch` stop counting until the walk completes. */
  walkWriting(connectorId: string, owner: string, startEpoch: number): Promise<void>;
  recordPageDigest(connectorId: string, owner: string, index: number, digest: PageDigest): Promise<void>;
  /** Records the outcome and releases the lease, if `owner` still holds it. */
  endWalk(connectorId: string, owner: string, end: WalkEnd): Promise<boolean>;
}

/** Licenses: current items, guarded writes, versions, and the index reads the rules and reports make. */
export interface LicenseStore {
  licenseStates(connectorId: string): Promise<Map<string, LicenseState>>;
  currentLicense(connectorId: string, licenseId: string): Promise<StoredLicense | undefined>;
  /** Strongly consistent, in batches; those found, in no order. */
  currentLicenses(keys: { connectorId: string; licenseId: string }[]): Promise<StoredLicense[]>;
  /** Current item and version together, guarded; a result per write, in order. */
  writeLicenses(writes: LicenseWrite[]): Promise<WriteResult[]>;
  /** A write outside any walk: also moves the connector's epoch from `epochSeen`, atomically. */
  writeOutsideWalk(write: LicenseWrite, epochSeen: number, liveDelta: number): Promise<WriteResult>;
  listLicenses(connectorId: string, page: LicenseList): Promise<Page<StoredLicense>>;
  /** Newest first; consistent, so a write is read back at once. */
  licenseVersions(licenseId: string, page: PageRequest): Promise<Page<StoredVersion>>;
  /** The highest revision observed at or before `asOf`. */
  versionAsOf(licenseId: string, asOf: string): Promise<StoredVersion | undefined>;
  expiryPage(range: ExpiryRange): Promise<Page<StoredLicense>>;
  /** Live trials by `<trialEndDate>#<licenseId>`, soonest end first. */
  trialPage(range: ExpiryRange): Promise<Page<StoredLicense>>;
  /** Live converted trials by `<trialConvertedAt>#<licenseId>`, in the order seen. */
  conversionPage(range: ExpiryRange): Promise<Page<StoredLicense>>;
  notInstalledBefore(
    createdBefore: string,
    account?: string,
    sandbox?: boolean,
  ): AsyncIterable<StoredLicense>;
  /** Oldest first. */
  notInstalledPage(createdBefore: string, page: NotInstalledList): Promise<Page<StoredLicense>>;
  deletionsSince(since: string): AsyncIterable<{ licenseId: string; connectorId: string }>;
}

/** Across the portfolio (the `lookup` index): a customer's licenses, the change feed, the commit feed. */
export interface PortfolioStore {
  customerLicenses(query: CustomerQuery): Promise<Page<StoredLicense>>;
  /** Newest first. */
  changesPage(range: ChangeRange): Promise<Page<StoredChange>>;
  /** Counted without reading the licenses back. */
  expiriesCount(range: ExpiryCount): Promise<number>;
  /** Every shard read to `upTo` (pick one no write can still land before); `nextCursor` always: where to poll next. */
  commitsPage(range: CommitRange): Promise<Page<StoredCommit>>;
}

export interface RunStore {
  startRun(run: RunStart): Promise<void>;
  /** Idempotent per unit: a repeat of a completed walk changes nothing; one after a failed walk replaces it. */
  recordConnectorRun(run: ConnectorRun): Promise<void>;
  getRun(runId: string): Promise<RunSummary | undefined>;
  connectorRuns(runId: string): Promise<ConnectorRun[]>;
  listRuns(page: PageRequest): Promise<Page<RunSummary>>;
}

export interface AlertLog {
  /** Newest first, each with its status (`pending` while a sink's delivery failed), `sentAt` and `deliveries`. */
  listAlerts(page: AlertList): Promise<Page<AlertRecord>>;
}

/**
 * Delivery per (alert, sink), under the sink's lease: what is about to be delivered goes first into the sink's
 * outbox, what the sink accepts onto the alert's claim; every write is guarded on the batch's owner.
 */
export interface AlertDelivery {
  /** False while another evaluation holds the lease. */
  acquireSink(sinkId: string, lease: DeliveryLease, now: number): Promise<boolean>;
  renewSink(sinkId: string, lease: DeliveryLease): Promise<boolean>;
  releaseSink(sinkId: string, owner: string): Promise<void>;
  /** What the sink's outbox still holds, now held by `owner`. */
  takeOverOutbox(sinkId: string, owner: string): Promise<HeldDelivery[]>;
  /** Of these alerts, those each sink has not been given. */
  unclaimed(claims: AlertClaim[], sinkIds: string[]): Promise<Map<string, AlertClaim[]>>;
  /** Puts alerts into the sink's outbox and holds them; none when the lease was lost. */
  openDeliveries(
    sinkId: string,
    owner: string,
    claims: AlertClaim[],
    at: string,
    now: number,
  ): Promise<HeldDelivery[]>;
  /** The ids recorded; `closes`: the batch's last deliveries, so it goes too. */
  recordAccepted(
    sinkId: string,
    owner: string,
    held: HeldDelivery[],
    closes: boolean,
    at: string,
  ): Promise<string[]>;
  /** Leaves them in the outbox for the next evaluation, attempt and error noted. */
  releaseDeliveries(
    sinkId: string,
    owner: string,
    held: HeldDelivery[],
    error: string,
    at: string,
  ): Promise<void>;
}

/** The install base: each integration's record with change-only history, and each connector's summary. */
export interface InstallStore {
  installBaseSummary(connectorId: string): Promise<InstallBaseSummary | undefined>;
  installStates(connectorId: string): Promise<Map<string, InstallState>>;
  /** License ids by `_integrationId`, of one connector's live licenses. */
  licensesByIntegration(connectorId: string): Promise<Map<string, string>>;
  writeInstalls(writes: InstallWrite[]): Promise<('written' | 'conflict')[]>;
  recordInstallBase(connectorId: string, read: InstallBaseRead): Promise<void>;
  /** In integration id order. */
  listInstalls(connectorId: string, page: InstallList): Promise<Page<StoredInstall>>;
  /** By integration id, read in batches. */
  installedVersions(keys: { connectorId: string; integrationId: string }[]): Promise<Map<string, string>>;
}

/** Update pushes, each listed open on its connector's install base summary while open. */
export interface PushStore {
  /** False when another push opened since `pushSeq` was read. */
  openPush(push: StoredPush, pushSeq: number): Promise<boolean>;
  getPush(pushId: string): Promise<StoredPush | undefined>;
  /** Guarded on `push.rev - 1`. */
  savePush(push: StoredPush): Promise<boolean>;
  /** Newest first. */
  listPushes(page: PageRequest): Promise<Page<StoredPush>>;
  pushesSince(since: string): AsyncIterable<StoredPush>;
}

export interface LedgerStore
  extends Clock,
    ConnectorStore,
    WalkStore,
    LicenseStore,
    PortfolioStore,
    RunStore,
    AlertLog,
    AlertDelivery,
    InstallStore,
    PushStore,
    SchemaStore {}

/** The table's upgrades: named steps, each applied once, recorded in the table's schema item. */
export interface SchemaStore {
  migrate(options?: MigrateOptions): Promise<MigrationReport>;
  /** Every step, applied (when) or not. */
  schemaStatus(): Promise<SchemaStatus>;
}

/** What reading views needs; the installs' versions when the store has them. */
export type ViewStore = Clock &
  Pick<ConnectorStore, 'getConnector'> &
  LicenseStore &
  Partial<Pick<InstallStore, 'installedVersions'>>;
