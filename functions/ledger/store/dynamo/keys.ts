// Item keys, key prefixes and the feed partitions of the single table: the only place key strings are spelled.
import { createHash } from 'node:crypto';
import type { AlertKey } from '../records.ts';

export const PREFIX = {
  connector: 'CONNECTOR#',
  license: 'LICENSE#',
  page: 'PAGE#',
  version: 'V#',
  alert: 'ALERT#',
  run: 'RUN#',
  outbox: 'OUTBOX#',
  batch: 'BATCH#',
  install: 'INSTALL#',
  push: 'PUSH#',
} as const;

const pad = (n: number, width: number) => String(n).padStart(width, '0');

export const key = {
  connector: (cid: string) => ({ PK: `${PREFIX.connector}${cid}`, SK: 'META' }),
  license: (cid: string, lid: string) => ({ PK: `${PREFIX.connector}${cid}`, SK: `${PREFIX.license}${lid}` }),
  /**
   * Versions are keyed by revision, not time: order is exact whatever the writers' clocks say, and two
   * writers racing to record the same revision collide on the key instead of both landing.
   */
  licenseVersion: (lid: string, rev: number) => ({
    PK: `${PREFIX.license}${lid}`,
    SK: `${PREFIX.version}${pad(rev, 8)}`,
  }),
  connectorVersion: (cid: string, observedAt: string) => ({
    PK: `${PREFIX.connector}${cid}`,
    SK: `${PREFIX.version}${observedAt}`,
  }),
  alert: (k: AlertKey) => ({
    PK: `${PREFIX.license}${k.licenseId}`,
    SK: `${PREFIX.alert}${k.rule}#${k.cycle}#${k.threshold}`,
  }),
  /** Today's single outbox, one entry per alert with the names of the sinks still due: read only to migrate it. */
  legacyOutbox: (alertId: string) => ({ PK: 'OUTBOX', SK: alertId }),
  /** A sink's outbox: its lease (one evaluation delivers to a sink at a time), and its batches of deliveries. */
  sinkLease: (sinkId: string) => ({ PK: `${PREFIX.outbox}${sinkId}`, SK: 'LEASE' }),
  outboxBatch: (sinkId: string, batch: string) => ({
    PK: `${PREFIX.outbox}${sinkId}`,
    SK: `${PREFIX.batch}${batch}`,
  }),
  /** An integration's current install item, beside its connector's licenses. */
  install: (cid: string, iid: string) => ({ PK: `${PREFIX.connector}${cid}`, SK: `${PREFIX.install}${iid}` }),
  installVersion: (cid: string, iid: string, rev: number) => ({
    PK: `${PREFIX.install}${cid}#${iid}`,
    SK: `${PREFIX.version}${pad(rev, 8)}`,
  }),
  /** A connector's install base as last read whole, and its open pushes. */
  installBase: (cid: string) => ({ PK: `${PREFIX.connector}${cid}`, SK: 'INSTALLBASE' }),
  push: (pushId: string) => ({ PK: `${PREFIX.push}${pushId}`, SK: 'PUSH' }),
  runSummary: (runId: string) => ({ PK: `${PREFIX.run}${runId}`, SK: 'SUMMARY' }),
  runConnector: (runId: string, cid: string) => ({
    PK: `${PREFIX.run}${runId}`,
    SK: `${PREFIX.connector}${cid}`,
  }),
};

/** The id after a key's prefix: `LICENSE#abc` -> `abc`. */
export const idOf = (value: string, prefix: string) => value.slice(prefix.length);

/** Feed partitions of the `feed` index. */
export const FEED = {
  connectors: 'CONNECTORS',
  notInstalled: 'NOTINSTALLED',
  runs: 'RUNS',
  alerts: 'ALERTS',
  /** Deletion versions, by time: what the `deleted` rule reads. */
  deleted: 'DELETED',
  /** Update pushes, by creation time. */
  pushes: 'PUSHES',
} as const;

/** Partition of the byExpiry index holding licenses that expire in the given month: `EXP#2026-11`. */
export const expiryMonth = (iso: string) => `EXP#${iso.slice(0, 7)}`;

/**
 * Partitions of the sparse byTrialEnd index: live licenses on trial by the month their trial ends (`TRIAL#2026-11`),
 * and live licenses whose trial converted by the month the ledger saw it (`CONV#2026-11`).
 */
export const trialMonth = (iso: string) => `TRIAL#${iso.slice(0, 7)}`;
export const conversionMonth = (iso: string) => `CONV#${iso.slice(0, 7)}`;

/**
 * An alert's claim key from its id, `<licenseId>#<rule>#<cycle>#<threshold>`: rule, cycle (an ISO date or `once`)
 * and threshold contain no `#`, so they are the last three parts and the license id is what is left.
 */
export function alertKeyOf(alertId: string): AlertKey {
  const parts = alertId.split('#');
  const threshold = parts.pop() ?? '';
  const cycle = parts.pop() ?? '';
  const rule = parts.pop() ?? '';
  return { licenseId: parts.join('#'), rule, cycle, threshold };
}

/**
 * The shape of current items and page digests this version writes, stamped on each (`sv`). 2: current items carry
 * the `lookup` index's attributes. 3: they carry `sandbox`, `licenseType`, `trialEndDate` and the `byTrialEnd`
 * index's attributes. Items of older shapes are brought up to date by the table's migrations (./migrations/).
 */
export const STORE_SHAPE = 3;

// `#` separates the e-mail from the license id in the sort key; escaping it (and `%`) keeps an e-mail that
// contains one from ever matching another address's prefix.
const escapeEmail = (email: string) => email.replaceAll('%', '%25').replaceAll('#', '%23');

/** DynamoDB's limits on a key attribute of an index, in bytes. */
const INDEX_KEY_BYTES = { partition: 2048, sort: 1024 } as const;

/** Partitions and sort keys of the overloaded `lookup` index: customers (current items) and the change feed (versions). */
export const lookup = {
  customerPk: (domain: string) => `CUST#${domain.toLowerCase()}`,
  /** Every sort key of one e-mail address begins with this. */
  emailPrefix: (email: string) => `${escapeEmail(email.toLowerCase())}#`,
  /** A current item's lookup attributes: by its e-mail's domain, then e-mail and id; none without an `@`. */
  customer(email: string | undefined, lid: string): { lookup_pk: string; lookup_sk: string } | undefined {
    const at = email?.lastIndexOf('@') ?? -1;
    if (!email || at < 0) return undefined;
    const keys = {
      lookup_pk: lookup.customerPk(email.slice(at + 1)),
      lookup_sk: `${lookup.emailPrefix(email)}${lid}`,
    };
    // An index key past DynamoDB's limits (partition 2,048 bytes, sort 1,024) would fail the whole write: a record
    // with an address that long stays out of the customer index, and is recorded all the same.
    const fits =
      Buffer.byteLength(keys.lookup_pk) <= INDEX_KEY_BYTES.partition &&
      Buffer.byteLength(keys.lookup_sk) <= INDEX_KEY_BYTES.sort;
    return fits ? keys : undefined;
  },
  /**
   * Change feed partitions by month of observation and shard; a connector's baseline apart, so leaving it out reads
   * none of it. Without a shard: the month's one partition as versions before sharding wrote it.
   */
  changeMonth: (month: string, baseline: boolean, shard?: number) =>
    `${baseline ? 'CHGB' : 'CHG'}#${month}${shard === undefined ? '' : `#${shard}`}`,
  /** Every partition a month of the feed may hold versions in: its shards, and the unsharded one of older versions. */
  changePartitions: (month: string, baseline: boolean) => [
    ...Array.from({ length: FEED_SHARDS }, (_, shard) => lookup.changeMonth(month, baseline, shard)),
    lookup.changeMonth(month, baseline),
  ],
  change(observedAt: string, lid: string, rev: number, baseline: boolean) {
    return {
      lookup_pk: lookup.changeMonth(observedAt.slice(0, 7), baseline, feedShard(lid)),
      lookup_sk: changeSortKey(observedAt, lid, rev),
    };
  },
};

/**
 * Shards of each change feed partition (and of the commit feed): a first sync of 100,000 licenses writes about
 * 12,500 entries per index partition key instead of 100,000 to one, under DynamoDB's 1,000 writes/s per key at
 * eight times the rate. Readers query every shard, so changing it means reading both counts' keys.
 */
export const FEED_SHARDS = 8;

/** A license's shard: a hash of its id, so its versions stay in one shard and ids spread evenly. */
export function feedShard(lid: string): number {
  return createHash('md5').update(lid).digest().readUInt32BE(0) % FEED_SHARDS;
}

/** `<instant>#<licenseId>#<rev>`: the sort key of a version on either feed; instants are fixed-width ISO. */
export const changeSortKey = (at: string, lid: string, rev: number) => `${at}#${lid}#${pad(rev, 8)}`;

/**
 * The commit feed: versions by the instant their write was sent (`committedAt`), one partition per shard. It rides
 * the `byExpiry` index, whose keys versions leave unused (current items hold `EXP#` partitions), so no deploy has
 * to add an index.
 */
export const commitFeed = {
  partition: (shard: number) => `COMMIT#${shard}`,
  partitions: () => Array.from({ length: FEED_SHARDS }, (_, shard) => commitFeed.partition(shard)),
  attributes: (committedAt: string, lid: string, rev: number) => ({
    exp_pk: commitFeed.partition(feedShard(lid)),
    exp_sk: changeSortKey(committedAt, lid, rev),
  }),
};
