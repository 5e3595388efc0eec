// The ledger table's whole vocabulary: everything the domain may ask of its store. ./dynamo is the one adapter.
import type { ConnectorRun, Page, RunSummary, WalkOutcome } from '../schemas.ts';
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

export type * from './install-records.ts';
export type * from './records.ts';

export interface PageRequest {
  limit?: number;
  cursor?: string;
}

/** A range of the expiry index: live licenses with lower < (expires, id) <= upper, in `order`. */
export interface ExpiryRange {
  /** `<ISO expiry>#<licenseId>` bounds; the cursor of a previous page moves `lower` (or `upper`, descending). */
  lower: string;
  upper: string;
  limit: number;
  account?: string;
  /** Sandbox licenses only (true), or production ones only (false). */
  sandbox?: boolean;
}

/** One customer's licenses: by e-mail (exact, case-insensitive) or by domain (exactly that one, no subdomains). */
export interface CustomerQuery extends PageRequest {
  /** Exactly one of the two. */
  email?: string;
  domain?: string;
  includeDeleted?: boolean;
  account?: string;
  sandbox?: boolean;
}

/** A window of the change feed, newest first: changes observed in [since, until]. */
export interface ChangeRange extends PageRequest {
  since: string;
  until: string;
  /** `since` as asked (`7d`): a cursor stays good while the window it names slides with the clock. */
  sinceAsked?: string;
  /** Also versions recorded by each connector's first walk. */
  includeBaseline?: boolean;
  connectorId?: string;
  kind?: string;
  account?: string;
  /** Versions of sandbox licenses only, or of production ones (versions recorded before sandboxes count as those). */
  sandbox?: boolean;
}

/** Live licenses expiring within one month's range: lower <= expires <= upper (ISO instants of the same month). */
export interface ExpiryCount {
  lower: string;
  upper: string;
  account?: string;
  connectorId?: string;
}

/** A stretch of the commit feed, oldest first: versions whose commit key is in (after, upTo]. */
export interface CommitRange {
  /** A commit key (`<committedAt>#<licenseId>#<rev>`) or an instant followed by `~` (all of that instant). */
  after: string;
  upTo: string;
  limit: number;
  account?: string;
}

/**
 * The table's vocabulary, in facets: each Lambda composes only the facets it uses, so its bundle keeps only the
 * commands those call and its role is granted only those (see handlers/runtime.ts). LedgerStore is all of them.
 */
export interface Clock {
  /** The store's clock: every timestamp and lease expiry the domain writes comes from here. */
  now(): Date;
}

/** Connectors: one META item each, changed only through these named transitions. */
export interface ConnectorStore {
  listConnectors(): Promise<ConnectorMeta[]>;
  getConnector(connectorId: string, options?: { consistent?: boolean }): Promise<ConnectorMeta | undefined>;
  /** The connector's epoch now (0 before the first write outside a walk), read consistently. */
  connectorEpoch(connectorId: string): Promise<number>;
  /** Snapshotted: the connector record as listed now (a version only when it changed). */
  recordConnector(c: ConnectorSnapshot): Promise<void>;
  /** Deleted upstream: gone from a complete connector list. */
  markConnectorDeleted(connectorId: string, at: string): Promise<void>;
}

/** A walk's hold on its connector: lease, epoch, page digests, outcome. */
export interface WalkStore {
  /** Walk started: takes the connector's walk lease (free, or expired) for `owner`; undefined when another holds it. */
  beginWalk(connectorId: string, owner: string, leaseMs: number): Promise<WalkClaim | undefined>;
  /** Heartbeat: extends the lease while `owner` still holds it; false when it was lost. */
  renewWalk(connectorId: string, owner: string, leaseMs: number): Promise<boolean>;
  /** Walk writing: digests stamped before `startEpoch` stop counting until the walk completes. */
  walkWriting(connectorId: string, owner: string, startEpoch: number): Promise<void>;
  /** Page digest written, once that page's records are recorded. */
  recordPageDigest(connectorId: string, owner: string, index: number, digest: PageDigest): Promise<void>;
  /** Walk completed (or failed): records the outcome and releases the lease, if `owner` still holds it. */
  endWalk(connectorId: string, owner: string, end: WalkEnd): Promise<boolean>;
}

/** Licenses: current items, guarded writes, versions, and the index reads the rules and reports make. */
export interface LicenseStore {
  licenseStates(connectorId: string): Promise<Map<string, LicenseState>>;
  currentLicense(connectorId: string, licenseId: string): Promise<StoredLicense | undefined>;
  /** Current items by key, read in batches (BatchGetItem), strongly consistent; those found, in no order. */
  currentLicenses(keys: { connectorId: string; licenseId: string }[]): Promise<StoredLicense[]>;
  /** Writes each license's current item and version together, guarded; a result per write, in order. */
  writeLicenses(writes: LicenseWrite[]): Promise<WriteResult[]>;
  /** A write outside any walk (API PUT/POST/DELETE): also moves the connector's epoch from `epochSeen`, atomically. */
  writeOutsideWalk(write: LicenseWrite, epochSeen: number, liveDelta: number): Promise<WriteResult>;
  listLicenses(
    connectorId: string,
    options: PageRequest & { includeDeleted?: boolean; sandbox?: boolean },
  ): Promise<Page<StoredLicense>>;
  /** Newest version first; consistent, so a write is read back at once. */
  licenseVersions(licenseId: string, page: PageRequest): Promise<Page<StoredVersion>>;
  /** The version in force at `asOf` (the highest revision observed at or before it); undefined before the first. */
  versionAsOf(licenseId: string, asOf: string): Promise<StoredVersion | undefined>;
  expiryPage(range: ExpiryRange): Promise<{ items: StoredLicense[]; more: boolean }>;
  /** Live licenses on trial in a range of `<trialEndDate>#<licenseId>`, soonest end first (the byTrialEnd index). */
  trialPage(range: ExpiryRange): Promise<{ items: StoredLicense[]; more: boolean }>;
  /** Live licenses whose trial converted, in a range of `<trialConvertedAt>#<licenseId>`, in the order seen. */
  conversionPage(range: ExpiryRange): Promise<{ items: StoredLicense[]; more: boolean }>;
  notInstalledBefore(
    createdBefore: string,
    account?: string,
    sandbox?: boolean,
  ): AsyncIterable<StoredLicense>;
  /** Live licenses not installed, created before `createdBefore`, oldest first, one page. */
  notInstalledPage(
    createdBefore: string,
    page: PageRequest & { scope: string; account?: string; sandbox?: boolean },
  ): Promise<Page<StoredLicense>>;
  deletionsSince(since: string): AsyncIterable<{ licenseId: string; connectorId: string }>;
}

/** Across the portfolio: a customer's licenses, and the change feed. Both read the `lookup` index. */
export interface PortfolioStore {
  customerLicenses(query: CustomerQuery): Promise<Page<StoredLicense>>;
  /** Newest first; a page reads about as many items as it returns (more when filtered by connector, kind, account). */
  changesPage(range: ChangeRange): Promise<Page<StoredChange>>;
  /** Live licenses whose expiry falls in the range (one month at most), counted without reading them back. */
  expiriesCount(range: ExpiryCount): Promise<number>;
  /**
   * Oldest first, the commit key of the last item beside them. Every shard is read to `upTo`, so once all of it
   * is handed out nothing at or before `upTo` is left: the caller picks an `upTo` no write can still land before.
   */
  commitsPage(range: CommitRange): Promise<{ items: StoredCommit[]; last?: string }>;
}

/** Sync runs. */
export interface RunStore {
  /**
   * Opens a run. `failed`: walks that failed before they began (connectors of an account that could not be listed),
   * recorded with the summary in one write rather than folded into it one transaction each.
   */
  startRun(run: {
    runId: string;
    startedAt: string;
    connectors: number;
    accountErrors?: { account: string; code: string; message: string }[];
    failed?: ConnectorRun[];
  }): Promise<void>;
  /** Idempotent per unit: a repeat of a completed walk changes nothing; a walk after a failed one replaces it. */
  recordConnectorRun(run: ConnectorRun): Promise<void>;
  getRun(runId: string): Promise<RunSummary | undefined>;
  connectorRuns(runId: string): Promise<ConnectorRun[]>;
  listRuns(page: PageRequest): Promise<Page<RunSummary>>;
}

/** Alerts raised, as listed. */
export interface AlertLog {
  /**
   * Alerts raised, newest first, of one partner account if named: each the alert with `status` (`pending` while a
   * delivery to one of its sinks failed and was not accepted since, else `sent`), `sentAt`, and its `deliveries`.
   */
  listAlerts(
    page: PageRequest & { account?: string; sandbox?: boolean },
  ): Promise<Page<Record<string, unknown>>>;
}

/**
 * Alert delivery, per (alert, sink). One evaluation at a time delivers to a sink: it holds the sink's lease. What it
 * is about to deliver goes first into the sink's outbox (batches, with the alerts), so a later evaluation finds
 * what was not accepted without reading every claim; what the sink accepts is recorded on the alert's claim item.
 * Every write of a delivery is guarded on its batch's owner, so an evaluation that lost its lease changes nothing.
 */
export interface AlertDelivery {
  /** Takes the sink's lease when nobody holds it (or the holder's ran out); false while another evaluation does. */
  acquireSink(sinkId: string, lease: DeliveryLease, now: number): Promise<boolean>;
  /** Extends the lease to `lease.until` while `lease.owner` still holds it; false when it was lost. */
  renewSink(sinkId: string, lease: DeliveryLease): Promise<boolean>;
  /** Hands the lease back, if `owner` still holds it. */
  releaseSink(sinkId: string, owner: string): Promise<void>;
  /** What the sink's outbox still holds (a failed delivery, a crashed or stalled evaluation), now held by `owner`. */
  takeOverOutbox(sinkId: string, owner: string): Promise<HeldDelivery[]>;
  /** Of these alerts, those each sink has not been given: claims read in batches, nothing written. */
  unclaimed(claims: AlertClaim[], sinkIds: string[]): Promise<Map<string, AlertClaim[]>>;
  /**
   * Puts alerts new to the sink into its outbox while `owner` holds its lease, and holds them: none when the lease
   * was lost meanwhile.
   */
  openDeliveries(
    sinkId: string,
    owner: string,
    claims: AlertClaim[],
    at: string,
    now: number,
  ): Promise<HeldDelivery[]>;
  /**
   * Records deliveries of one outbox batch the sink accepted, while `owner` holds the batch; the ids recorded.
   * `closes`: these are the last deliveries the batch lists, so it goes too.
   */
  recordAccepted(
    sinkId: string,
    owner: string,
    deliveries: HeldDelivery[],
    closes: boolean,
    at: string,
  ): Promise<string[]>;
  /** Leaves deliveries the sink did not accept in the outbox for the next evaluation, attempt and error noted. */
  releaseDeliveries(
    sinkId: string,
    owner: string,
    deliveries: HeldDelivery[],
    error: string,
    at: string,
  ): Promise<void>;
}

/** The install base: each integration's record with change-only history, and each connector's summary. */
export interface InstallStore {
  installBaseSummary(connectorId: string): Promise<InstallBaseSummary | undefined>;
  installStates(connectorId: string): Promise<Map<string, InstallState>>;
  /** License ids by the `_integrationId` they carry, of one connector's live licenses. */
  licensesByIntegration(connectorId: string): Promise<Map<string, string>>;
  /** Each install's current item and version together, guarded; a result per write, in order. */
  writeInstalls(writes: InstallWrite[]): Promise<('written' | 'conflict')[]>;
  recordInstallBase(connectorId: string, read: InstallBaseRead): Promise<void>;
  /** A connector's installs in integration id order (removed ones too when asked), paged. */
  listInstalls(
    connectorId: string,
    page: PageRequest & { includeRemoved?: boolean },
  ): Promise<Page<StoredInstall>>;
  /** Installed versions by integration id, of these (connector, integration) pairs; read in batches. */
  installedVersions(keys: { connectorId: string; integrationId: string }[]): Promise<Map<string, string>>;
}

/** Update pushes: one item each, plus the open ones listed on their connector's install base summary. */
export interface PushStore {
  /**
   * Records a new push and lists it open on its connector, while no other push opened since `pushSeq` was read;
   * false when one did (read again and check again).
   */
  openPush(push: StoredPush, pushSeq: number): Promise<boolean>;
  getPush(pushId: string): Promise<StoredPush | undefined>;
  /** Writes a push's new state while its rev is still `push.rev - 1`; a push no longer open leaves its connector's list. */
  savePush(push: StoredPush): Promise<boolean>;
  /** Pushes, newest first. */
  listPushes(page: PageRequest): Promise<Page<StoredPush>>;
  /** Pushes created since `since`, newest first: what the update-stuck rule reads. */
  pushesSince(since: string): AsyncIterable<StoredPush>;
}

export interface LedgerStore
  extends Clock,
    InstallStore,
    PushStore,
    ConnectorStore,
    WalkStore,
    LicenseStore,
    PortfolioStore,
    RunStore,
    AlertLog,
    AlertDelivery,
    SchemaStore {}

/** Who runs the table's upgrades, and with what: see store/dynamo/migrations. */
export interface MigrateOptions {
  /** An alert evaluation's sinks: the steps that need them run (and only those). */
  sinks?: string[];
  /** The caller's time left (ms): a step stops between pages near the end and goes on from there next time. */
  timeLeft?: () => number;
  owner?: string;
  /** Items a step's Scan reads per page (DynamoDB's 1 MB pages when absent): tests cut steps short with it. */
  scanPageSize?: number;
}

export interface MigrationReport {
  /** Steps applied to the table, of `latest`. */
  version: number;
  latest: number;
  ran: { name: string; items: number; done: boolean; ms: number }[];
  /** Steps not applied yet: another kind of runner's, or cut short. */
  pending: string[];
}

/** The table's upgrades: named steps, each applied once, recorded in the table's schema item. */
export interface SchemaStore {
  migrate(options?: MigrateOptions): Promise<MigrationReport>;
  /** Every step, applied (when) or not. */
  schemaStatus(): Promise<SchemaStatus>;
}

export interface SchemaStatus {
  version: number;
  latest: number;
  steps: {
    name: string;
    description: string;
    runs: 'data' | 'sinks';
    appliedAt?: string;
    inProgress?: true;
  }[];
}

/**
 * What reading views needs: licenses and the connectors' last complete walks; with the installs' versions when the
 * store has them (a license view's `installedVersion`).
 */
export type ViewStore = Clock &
  Pick<ConnectorStore, 'getConnector'> &
  LicenseStore &
  Partial<Pick<InstallStore, 'installedVersions'>>;

/** What a walk leaves on its connector when it ends. */
export interface WalkEnd {
  outcome: WalkOutcome;
  /** Completed walks: the epoch the walk's digests were written under, and whether it proved the list whole. */
  completed?: {
    /** The walk's start epoch, which its digests carry: the proven epoch when it proved the list whole. */
    epoch: number;
    /** The digest floor as the walk found it, set back now that every page was read. */
    digestFloor: number;
    /** The walk saw every license (or proved the list unchanged): lastCompleteWalkAt and the proven epoch move. */
    proven: boolean;
    pageCount: number;
    liveCount: number;
    /** Digests of pages past the end of a list that got shorter. */
    dropPages: number[];
  };
}
