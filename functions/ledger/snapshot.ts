// Records license changes: decide what a change is, write it guarded, and after a lost race decide again from a
// fresh read, so nothing is lost, no version is written twice, and a walk never replaces a newer observation.
import pLimit from 'p-limit';
import { changeItemKindOf, trialConversionOf } from './change-kind.ts';
import { licenseFacts, trialFacts } from './facts.ts';
import { changedPaths, contentHash } from './hash.ts';
import type { ChangeKind } from './schemas.ts';
import type { Clock, ConnectorStore, LicenseStore } from './store/port.ts';
import type { LicenseState, LicenseWrite, StoredLicense, WriteResult } from './store/records.ts';

export interface LicenseChange {
  connectorId: string;
  licenseId: string;
  account: string;
  /** The record as sent; undefined for a deletion. */
  raw?: Record<string, unknown>;
  hash?: string;
  /** What the writer believed was stored; the write only lands if that still holds. */
  prev?: LicenseState;
  /** Nothing changed, but the license's connector moved to another partner account: its item follows (no version). */
  accountMove?: boolean;
}

/**
 * How a walk's writes are guarded: `walkEpoch` is the walk's start epoch (a license stamped later was written outside
 * the walk after it began, or by a later walk, so it is newer than the walk's record and is left alone); `stamp` is
 * what the walk stamps on what it writes (its start epoch).
 */
export interface WalkGuard {
  walkEpoch: number;
  stamp: number;
  /** The walk's lease owner: each write lands only while it still holds the connector. */
  owner: string;
  /** The connector's first walk: what it records is the baseline, not news. */
  baseline: boolean;
}

export interface WriteOutcome {
  created: number;
  updated: number;
  deleted: number;
  /** Already recorded by a concurrent writer, or superseded by a newer write outside the walk: nothing written. */
  unchanged: number;
  /** Licenses the table refused (each alone): not recorded, the others are; tried again by the next walk. */
  refused: RefusedLicense[];
}

export interface RefusedLicense {
  licenseId: string;
  code: string;
  message: string;
}

const MAX_ATTEMPTS = 8;
const PLANNING_READS = 16;

/**
 * Writes each change as its current item plus a version item (the store sends them in transactions). A change
 * whose guard failed is decided again, one at a time, against a fresh read.
 */
export async function recordChanges(
  ledger: LicenseStore,
  changes: LicenseChange[],
  observedAt: string,
  walk?: WalkGuard,
): Promise<WriteOutcome> {
  const outcome: WriteOutcome = { created: 0, updated: 0, deleted: 0, unchanged: 0, refused: [] };
  if (changes.length === 0) return outcome;
  // Planning an update reads the stored record (for the changed field paths): a bounded number at once.
  const reads = pLimit(PLANNING_READS);
  const writes = await Promise.all(changes.map((c) => reads(() => planWrite(ledger, c, observedAt, walk))));
  const results = await ledger.writeLicenses(writes);
  await Promise.all(
    results.map(async (result, i) => {
      // A move that lost its race met a newer write, which carries its own account: nothing is left to do.
      if (writes[i]!.accountMove) {
        outcome.unchanged++;
        return;
      }
      const kind =
        result === 'written'
          ? writes[i]!.change
          : typeof result === 'object'
            ? result
            : await recordOne(ledger, changes[i]!, observedAt, walk);
      if (typeof kind === 'object')
        outcome.refused.push({ licenseId: changes[i]!.licenseId, ...kind.refused });
      else outcome[kind]++;
    }),
  );
  return outcome;
}

async function recordOne(
  ledger: LicenseStore,
  change: LicenseChange,
  observedAt: string,
  walk: WalkGuard | undefined,
): Promise<ChangeKind | 'unchanged' | Exclude<WriteResult, string>> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const current = await ledger.currentLicense(change.connectorId, change.licenseId);
    const fresh = { ...change, prev: current && stateOf(current) };
    if (isNoop(fresh)) return 'unchanged';
    // Written outside the walk since it began: newer than what the walk saw. The next walk compares it again.
    if (walk && (current?.ep ?? 0) > walk.walkEpoch) return 'unchanged';
    const write = await planWrite(ledger, fresh, observedAt, walk, current);
    const [result] = await ledger.writeLicenses([write]);
    if (result === 'written') return write.change;
    if (typeof result === 'object') return result;
  }
  throw new Error(`could not record license ${change.licenseId}: it kept changing under concurrent writers`);
}

const stateOf = (item: StoredLicense): LicenseState => ({
  hash: item.hash,
  rev: item.rev,
  deleted: Boolean(item.deletedAt),
  ...(item.ep !== undefined ? { epoch: item.ep } : {}),
  account: item.account,
  email: item.email,
});

/** A change that the store already reflects: same content and liveness, or a deletion of what is already gone. */
function isNoop(change: LicenseChange): boolean {
  if (!change.raw) return !change.prev || change.prev.deleted;
  return Boolean(
    change.prev && !change.prev.deleted && change.prev.hash === (change.hash ?? contentHash(change.raw)),
  );
}

async function planWrite(
  ledger: LicenseStore,
  change: LicenseChange,
  observedAt: string,
  walk: WalkGuard | undefined,
  current?: StoredLicense,
): Promise<LicenseWrite> {
  const { connectorId: cid, licenseId: lid, prev } = change;
  const common = {
    connectorId: cid,
    licenseId: lid,
    account: change.account,
    rev: (prev?.rev ?? 0) + 1,
    expectedRev: prev?.rev,
    ...(walk ? { walkEpoch: walk.walkEpoch, stamp: walk.stamp, walkOwner: walk.owner } : {}),
    // A license already recorded by a first walk that failed part-way has changed since: that is news.
    baseline: (walk?.baseline ?? false) && !prev,
    observedAt,
  };
  if (change.accountMove && prev) {
    // Same content, same revision: only the account (and the walk's stamp) is rewritten.
    return {
      ...common,
      rev: prev.rev,
      accountMove: true,
      change: 'updated',
      kind: 'updated',
      facts: { ...licenseFacts(cid, { _id: lid }), email: prev.email },
      rawJson: '',
      hash: prev.hash,
      changes: [],
      firstSeenAt: observedAt,
    };
  }
  const existing = prev ? (current ?? (await ledger.currentLicense(cid, lid))) : undefined;
  if (!change.raw) {
    // Deletion: the version carries the record as last seen.
    const rawJson = existing?.rawJson ?? 'null';
    return {
      ...common,
      change: 'deleted',
      kind: 'deleted',
      facts: existing ?? licenseFacts(cid, { _id: lid }),
      rawJson,
      hash: existing?.hash ?? '',
      changes: [],
      firstSeenAt: existing?.firstSeenAt ?? observedAt,
    };
  }
  // A license that reappears after a deletion starts over as `created`; its first sighting is kept.
  const kind: ChangeKind = prev && !prev.deleted ? 'updated' : 'created';
  const facts = licenseFacts(cid, change.raw);
  const stored = existing && (JSON.parse(existing.rawJson) as Record<string, unknown> | null);
  // The trial as recorded, read from the record: an item stored before trial facts were kept has them there only.
  const before = existing && { ...existing, ...trialFacts(stored ?? {}) };
  const live = kind === 'updated' ? before : undefined;
  const trialConvertedAt = trialConversionOf(live, facts, observedAt);
  return {
    ...common,
    change: kind,
    kind: changeItemKindOf(kind, live, facts),
    facts: trialConvertedAt ? { ...facts, trialConvertedAt } : facts,
    rawJson: JSON.stringify(change.raw),
    hash: change.hash ?? contentHash(change.raw),
    changes: kind === 'updated' && existing ? changedPaths(stored, change.raw) : [],
    firstSeenAt: existing?.firstSeenAt ?? observedAt,
  };
}

/**
 * Records one license as the Partner API just returned it (after a create, update or delete through our API): a
 * new version at once if it differs from what is stored, and, in the same transaction, the connector's epoch moves,
 * so the next walk trusts no page digest and no proof of a whole list taken before this write.
 */
export async function recordOutsideWalk(
  ledger: Clock & Pick<ConnectorStore, 'connectorEpoch'> & LicenseStore,
  write: {
    connectorId: string;
    licenseId: string;
    /** The partner account the write went out with (the caller resolved it from the connector). */
    account: string;
    raw: Record<string, unknown> | undefined;
  },
): Promise<ChangeKind | 'unchanged'> {
  const { connectorId, licenseId, account, raw } = write;
  const observedAt = ledger.now().toISOString();
  const change: LicenseChange = {
    connectorId,
    licenseId,
    account,
    raw,
    ...(raw ? { hash: contentHash(raw) } : {}),
  };
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const [epoch, current] = await Promise.all([
      ledger.connectorEpoch(connectorId),
      ledger.currentLicense(connectorId, licenseId),
    ]);
    const fresh = { ...change, prev: current && stateOf(current) };
    if (isNoop(fresh)) return 'unchanged';
    const write = await planWrite(ledger, fresh, observedAt, undefined, current);
    const live = (l: boolean) => (l ? 1 : 0);
    const liveDelta = live(write.change !== 'deleted') - live(Boolean(fresh.prev && !fresh.prev.deleted));
    const stamped = { ...write, stamp: epoch + 1 };
    const result = await ledger.writeOutsideWalk(stamped, epoch, liveDelta);
    if (result === 'written') return write.change;
    if (typeof result === 'object')
      throw Object.assign(new Error(`license ${licenseId}: ${result.refused.message}`), result.refused);
  }
  throw new Error(`could not record license ${licenseId}: it kept changing under concurrent writers`);
}
