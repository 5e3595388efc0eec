// What a walk is given: its store, its Partner API client, its lease, its deadline, and a test's pause points.
import type { PartnerApi } from '#celigo/client';
import type { Clock, LicenseStore, WalkStore } from './store/port.ts';

/** What a walk needs of the store. */
export type WalkerStore = Clock & WalkStore & LicenseStore;

/** The client of the account a unit belongs to (several partner accounts: one client, one rate budget, each). */
export type ClientFor = (account: string) => PartnerApi | Promise<PartnerApi>;

/**
 * Where a walk can be held, for tests that act at an exact moment: after a page's fetch, before its compare, between
 * its compare and its writes, between pages, before the deletion pass (and each of its chunks), and before each
 * transition of the connector's META (`transition` names it).
 */
export type PausePoint =
  | 'fetched'
  | 'beforeCompare'
  | 'beforeWrite'
  | 'betweenPages'
  | 'beforeDeletions'
  | 'beforeMeta';
export interface PauseAt {
  connectorId: string;
  /** The listing page (0-based), where the point belongs to one. */
  page?: number;
  transition?: 'beginWalk' | 'walkWriting' | 'recordPageDigest' | 'endWalk';
}
/** A test's hold on a walk: the walk waits for `at` at every pause point. Absent (the default), nothing waits. */
export interface WalkPauses {
  at(point: PausePoint, where: PauseAt): Promise<void>;
}

export interface WalkDeps {
  ledger: WalkerStore;
  /** One client, or the client of the unit's account: failing to build it fails this walk only. */
  api: PartnerApi | ClientFor;
  /** Page progress, for the CLI's progress line. */
  onPage?: (info: { connectorId: string; page: number; records: number }) => void;
  /**
   * How long a walk's lease lasts without a heartbeat (renewed every third of it while the walk runs): a killed
   * walk frees its connector this long after its last heartbeat. Default 60 s.
   */
  leaseMs?: number;
  /**
   * When the walk must have left (ms since 1970, on `clock`): it stops between pages and between deletion chunks,
   * keeps what it recorded, and ends as `walk_out_of_time`, so the next attempt resumes where it stopped.
   */
  deadline?: number;
  /** The clock the deadline is read on (default Date.now). */
  clock?: () => number;
  pauses?: WalkPauses;
}

export const DEFAULT_LEASE_MS = 60_000;
/** The error code of a walk that left at its deadline (progress kept). */
export const OUT_OF_TIME = 'walk_out_of_time';
