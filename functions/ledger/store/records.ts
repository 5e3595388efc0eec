// What the store keeps, as the domain reads and writes it (no keys, no index attributes: those are the adapter's).
import type { ChangeItemKind, ChangeKind, WalkOutcome } from '../schemas.ts';

/** A connector's META item. */
export interface ConnectorMeta {
  connectorId: string;
  name?: string;
  /** The partner account it was listed under; items written before accounts existed read as `default`. */
  account: string;
  rawJson?: string;
  hash?: string;
  firstSeenAt?: string;
  lastChangedAt?: string;
  deletedAt?: string;
  liveCount?: number;
  /** When a complete walk last proved every live license present (licenses' lastSeenAt derives from it). */
  lastCompleteWalkAt?: string;
  lastWalk?: WalkOutcome;
}

/** A connector record as listed now, to snapshot. */
export interface ConnectorSnapshot {
  connectorId: string;
  raw: Record<string, unknown>;
  hash: string;
  observedAt: string;
  change: ChangeKind;
  account: string;
}

/** The digest of one listing page as a walk recorded it, and what the page held that a skip must carry on. */
export interface PageDigest {
  digest: string;
  /** The connector epoch it was written under: a digest from another epoch proves nothing. */
  epoch: number;
  records: number;
  invalid: number;
  /** Page-relative positions of records without a usable id (up to five), and how many there were. */
  unidentifiable: { count: number; positions: number[] };
  /** The partner account the walk wrote the page's licenses under: a digest of another account proves nothing. */
  account?: string;
}

/** What a walk holds once it has taken its connector's lease. */
export interface WalkClaim {
  meta?: ConnectorMeta;
  /** This walk's start epoch: moves when a walk starts and on every write outside a walk. */
  epoch: number;
  /** Digests stamped before it count for nothing: the start epoch of a walk that began writing and did not complete. */
  digestFloor: number;
  /**
   * A digest or a proof counts only if stamped at this epoch or later: the digest floor, or the last write outside a
   * walk if later (a digest stamped before that write describes the ledger as it was before it).
   */
  trustFrom: number;
  /** The start epoch of the last walk that completed and proved the list whole (deletion pass included). */
  provenEpoch?: number;
  pageCount?: number;
  digests: Map<number, PageDigest>;
  /** A walk of this connector completed before: what this walk records is news, not the connector's baseline. */
  walkedBefore: boolean;
}

/** Derived facts of a license record (indexed where it matters). */
export interface LicenseFacts {
  licenseId: string;
  connectorId: string;
  email?: string;
  userId?: string;
  userName?: string;
  integrationId?: string;
  edition?: string;
  addonLicenses: unknown[];
  expires?: string;
  created?: string;
  installed: boolean;
  /** The record's `sandbox` (a license for the customer's sandbox environment); false when it has none. */
  sandbox?: boolean;
  /** The record's `type` (`integrationApp`, ...); stored under this name as `type` names the item's kind. */
  licenseType?: string;
  /** The trial's end, while the record carries one (Celigo removes it when a paid expiry is saved). */
  trialEndDate?: string;
  /**
   * When a version dropped `trialEndDate` while the license lived on: carried forward by every later write (and kept on
   * its versions), so the view knows a converted trial without reading the history.
   */
  trialConvertedAt?: string;
  invalid?: string[];
}

/** A license's current item. */
export interface StoredLicense extends LicenseFacts {
  account: string;
  rawJson: string;
  hash: string;
  rev: number;
  firstSeenAt: string;
  lastChangedAt: string;
  lastSeenAt: string;
  deletedAt?: string;
  /** The epoch stamped by the last write outside a walk, or by the walk that last wrote it. */
  ep?: number;
}

/** Enough of a current item to decide whether a record changed. */
export interface LicenseState {
  hash: string;
  rev: number;
  deleted: boolean;
  /** The epoch stamped on the current item (absent: written before epochs existed). */
  epoch?: number;
  /** The partner account stamped on the current item. */
  account: string;
  email?: string;
}

/** One version of a license. */
export interface StoredVersion {
  licenseId: string;
  connectorId: string;
  account: string;
  rev: number;
  observedAt: string;
  change: ChangeKind;
  changes: string[];
  rawJson: string;
  hash?: string;
  firstSeenAt?: string;
  /** The license's trial conversion as of this version (see LicenseFacts). */
  trialConvertedAt?: string;
}

/** A version as the portfolio's change feed reads it (no record). */
export interface StoredChange {
  licenseId: string;
  connectorId: string;
  account: string;
  email?: string;
  observedAt: string;
  kind: ChangeItemKind;
  changes: string[];
}

/** A version as the commit feed reads it: when its write was sent, and whether its connector's first walk made it. */
export interface StoredCommit extends StoredChange {
  committedAt: string;
  baseline: boolean;
}

/**
 * One license change to record: the current item (with its index attributes) and a version, together.
 * The write lands only while the stored revision is still `expectedRev` (undefined: nothing stored) and, for a
 * walk, while no write outside it stamped a later epoch than `walkEpoch` (the epoch read before any page).
 * An `accountMove` records no change: an unchanged license whose connector moved to another partner account takes
 * that account, at the same revision, with no version.
 */
export interface LicenseWrite {
  connectorId: string;
  licenseId: string;
  account: string;
  change: ChangeKind;
  /** What the change means to a partner (the change feed's `kind`). */
  kind: ChangeItemKind;
  /** Recorded by the connector's first walk: its baseline, left out of the change feed unless asked for. */
  baseline: boolean;
  accountMove?: boolean;
  rev: number;
  expectedRev?: number;
  walkEpoch?: number;
  /**
   * The walk writing it, whose lease on the connector must still be held when the write lands (a walk that lost its
   * lease to another writes nothing more, not even the page it was in).
   */
  walkOwner?: string;
  /** The epoch stamped on the current item: a walk's own, or the one a write outside a walk moved to. */
  stamp?: number;
  facts: LicenseFacts;
  rawJson: string;
  hash: string;
  changes: string[];
  firstSeenAt: string;
  observedAt: string;
}

/**
 * The answer to one license write: written; a guard failed (`conflict`); or `refused`, an item the table will never
 * take as it is (too large, say), which holds back no other write.
 */
export type WriteResult = 'written' | 'conflict' | { refused: { code: string; message: string } };

/** Where an alert's claim lives: one per license, rule, cycle (expiry date or deletion) and threshold. */
export interface AlertKey {
  licenseId: string;
  rule: string;
  cycle: string;
  threshold: string;
}

/** The rules an alert is raised by. */
export type AlertRule =
  | 'expiring'
  | 'expired'
  | 'not-installed'
  | 'deleted'
  | 'trial-ending'
  | 'trial-ended'
  | 'update-stuck';

/** An alert as raised and kept (watch/alert.ts declares it for the API; a check there holds the two equal). */
export interface StoredAlert {
  /** `<licenseId>#<rule>#<cycle>#<threshold>`. */
  alertId: string;
  rule: AlertRule;
  licenseId: string;
  connectorId: string;
  account?: string;
  threshold?: number;
  sandbox?: boolean;
  expires?: string;
  daysToExpiry?: number;
  trialEndDate?: string;
  daysToTrialEnd?: number;
  email?: string;
  edition?: string;
  deletedAt?: string;
  raisedAt: string;
  message: string;
}

/** An alert as listed: `pending` while a sink's delivery failed and was not accepted since, else `sent`. */
export interface AlertRecord extends StoredAlert {
  status: string;
  sentAt?: string;
  /** Per sink that accepted it or failed to (absent on alerts raised before sinks had ids). */
  deliveries?: SinkDeliveryState[];
}

/** An alert as the store keeps it: its key, its id, and the alert itself. */
export interface AlertClaim {
  key: AlertKey;
  alertId: string;
  raisedAt: string;
  alert: StoredAlert;
}

/** Who holds a sink's lease, and until when (ms since the epoch): an evaluation's id and its lease's end. */
export interface DeliveryLease {
  owner: string;
  until: number;
}

/**
 * One alert's delivery to one sink, held by this evaluation: the alert, its claim key, and the outbox batch that
 * lists it until the sink accepts it (opaque to the domain; `batchSize` says how many deliveries that batch lists,
 * so the one who records the last of them can remove it; `attempts` counts the deliveries tried before).
 */
export interface HeldDelivery {
  alertId: string;
  key: AlertKey;
  alert: StoredAlert;
  batch: string;
  batchSize: number;
  attempts: number;
}

/** A claim's delivery state for one sink, as listed with the alert. */
export interface SinkDeliveryState {
  sink: string;
  state: 'pending' | 'accepted';
  attempts: number;
  acceptedAt?: string;
  lastError?: string;
}
