// What the domain asks the store for: pages, ranges of the indexes, and what a walk leaves when it ends. Re-exported
// by port.ts as types.
import type { ConnectorRun, WalkOutcome } from '../schemas.ts';

export interface PageRequest {
  limit?: number;
  cursor?: string;
}

/**
 * A range of a monthly index (expiry, trial end, conversion): live licenses with lower < `<key>#<licenseId>` <= upper,
 * soonest first. The cursor of a previous page moves `lower`, and must lie inside the range.
 */
export interface ExpiryRange extends PageRequest {
  lower: string;
  upper: string;
  limit: number;
  /** Names the list and every parameter that shapes it but the range, which slides with the clock. */
  scope: string;
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

/**
 * The commit feed, oldest first: versions whose commit key (`<committedAt>#<licenseId>#<rev>`) is after the cursor
 * and at or before `upTo`. Without a cursor the feed starts at `upTo`.
 */
export interface CommitRange extends PageRequest {
  upTo: string;
  limit: number;
  account?: string;
}

/** Sync run opened: `failed` are walks that failed before they began (connectors of an account not listed). */
export interface RunStart {
  runId: string;
  startedAt: string;
  connectors: number;
  accountErrors?: { account: string; code: string; message: string }[];
  failed?: ConnectorRun[];
}

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

/** A connector's licenses, live ones only unless asked, of one environment if named. */
export interface LicenseList extends PageRequest {
  includeDeleted?: boolean;
  sandbox?: boolean;
}

/** Live licenses not installed, created before a cutoff: `scope` names the list (the cutoff slides with the clock). */
export interface NotInstalledList extends PageRequest {
  scope: string;
  account?: string;
  sandbox?: boolean;
}

/** A connector's installs, removed ones too when asked. */
export interface InstallList extends PageRequest {
  includeRemoved?: boolean;
}

/** Alerts raised, of one partner account and one environment if named. */
export interface AlertList extends PageRequest {
  account?: string;
  sandbox?: boolean;
}

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
