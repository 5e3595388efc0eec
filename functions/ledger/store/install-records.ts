// What the store keeps of the install base and of update pushes, as the domain reads and writes it (no keys).
import type { PushView } from '../install-schemas.ts';

/** The facts licensewatch reads from an install record; the record itself is kept whole beside them. */
export interface InstallFacts {
  integrationId: string;
  email: string;
  name?: string;
  version: string;
  sandbox: boolean;
  updateInProgress: boolean;
}

/** An integration's current install item. */
export interface StoredInstall extends InstallFacts {
  connectorId: string;
  account: string;
  /** The license whose `_integrationId` is this integration, when the ledger holds one. */
  licenseId?: string;
  rawJson: string;
  hash: string;
  rev: number;
  firstSeenAt: string;
  lastChangedAt: string;
  lastSeenAt: string;
  removedAt?: string;
}

/** Enough of a current install item to decide whether its record changed. */
export interface InstallState {
  hash: string;
  rev: number;
  removed: boolean;
  licenseId?: string;
  firstSeenAt: string;
  /** The record as last stored: a removal keeps it, a change is diffed against it. */
  rawJson: string;
}

/** One install change: current item and version together, landing only while the stored rev is `expectedRev`. */
export interface InstallWrite {
  connectorId: string;
  account: string;
  change: 'created' | 'updated' | 'removed';
  changes: string[];
  rev: number;
  expectedRev?: number;
  facts: InstallFacts;
  licenseId?: string;
  rawJson: string;
  hash: string;
  firstSeenAt: string;
  observedAt: string;
}

/**
 * A connector's install base as last read whole: one item, so a quiet sync reads it and writes nothing when the
 * listing's digest is unchanged and no push is open.
 */
export interface InstallBaseSummary {
  connectorId: string;
  digest?: string;
  /** The newest version ever seen on the connector: what `outdated` is measured against. */
  newestVersion?: string;
  /** Integrations in the install base by version. */
  versions: Record<string, number>;
  installs: number;
  /** When a read of the whole install base last succeeded (installs' lastSeenAt derives from it). */
  lastCompleteAt?: string;
  /** Pushes of this connector still open. */
  openPushes: string[];
  /** Moves with every push opened: two pushes opened at once cannot both pass the check for a busy integration. */
  pushSeq: number;
}

/** What a completed install base read leaves on its summary. */
export interface InstallBaseRead {
  digest: string;
  newestVersion?: string;
  versions: Record<string, number>;
  installs: number;
  at: string;
}

/** A push as stored: its view, and a revision its every write is guarded on. */
export interface StoredPush extends PushView {
  rev: number;
}
