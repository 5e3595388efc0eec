// The sync: plan one unit per connector, then walk each connector's licenses and record only what changed.
import {
  BatchWriteCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  UpdateCommand,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import pLimit from 'p-limit';
import { collect, type PartnerApi } from '#celigo/client';
import { PartnerApiError } from '#celigo/errors';
import { connectorSchema, licenseSchema } from '#celigo/schemas';
import { contentHash } from './hash.ts';
import { FEED, key, PREFIX } from './keys.ts';
import { type Ledger, queryAll } from './ledger.ts';
import {
  type ConnectorRun,
  type Counts,
  newRunId,
  recordConnectorRun,
  startRun,
  zeroCounts,
} from './runs.ts';
import { type LicenseChange, recordChanges, type StoredState } from './snapshot.ts';

/** One unit of sync work: walk one connector for one run (an SQS message body in AWS). */
export interface SyncUnit {
  runId: string;
  connectorId: string;
}

export interface SyncPlan {
  runId: string;
  startedAt: string;
  units: SyncUnit[];
  connectors: { created: number; updated: number; unchanged: number; deleted: number; invalid: number };
}

interface ConnectorMeta {
  connectorId: string;
  hash?: string;
  rev?: number;
  pageCount?: number;
  /** Set by a walk that rewrote page digests and cleared when it completes: while set, digests can't prove there were no deletions. */
  pagesDirty?: string;
  lastCompleteWalkAt?: string;
  deletedAt?: string;
}

export interface SyncDeps {
  ledger: Ledger;
  api: PartnerApi;
  /** Page progress, for the CLI's progress line. */
  onPage?: (info: { connectorId: string; page: number; records: number }) => void;
}

/** Lists connectors, snapshots each connector record (a version only when it changed), opens a run. */
export async function planSync({ ledger, api }: SyncDeps): Promise<SyncPlan> {
  const started = ledger.now();
  const startedAt = started.toISOString();
  const runId = newRunId(started);
  // What the ledger knows of every connector is one Query, made while the list is on its way.
  const [records, known] = await Promise.all([collect(api.connectorPages()), knownConnectors(ledger)]);
  const tally = { created: 0, updated: 0, unchanged: 0, deleted: 0, invalid: 0 };
  const seen = new Set<string>();
  const units: SyncUnit[] = [];
  const fresh: Record<string, unknown>[] = [];
  for (const raw of records) {
    const id = (raw as { _id?: unknown })?._id;
    if (typeof id !== 'string' || !id || seen.has(id)) {
      tally.invalid++;
      continue;
    }
    seen.add(id);
    if (!connectorSchema.safeParse(raw).success) tally.invalid++;
    units.push({ runId, connectorId: id });
    fresh.push(raw as Record<string, unknown>);
  }
  const limit = pLimit(8);
  await Promise.all(
    fresh.map((raw) =>
      limit(async () => {
        tally[await snapshotConnector(ledger, raw, known.get(String(raw._id)), startedAt)]++;
      }),
    ),
  );
  // Connectors gone from the (complete) list are marked deleted; their licenses stay as last seen.
  const gone = [...known.values()].filter((meta) => !seen.has(meta.connectorId) && !meta.deletedAt);
  await Promise.all(
    gone.map((meta) =>
      ledger.doc.send(
        new UpdateCommand({
          TableName: ledger.tableName,
          Key: key.connector(meta.connectorId),
          UpdateExpression: 'SET deletedAt = :at',
          ExpressionAttributeValues: { ':at': startedAt },
        }),
      ),
    ),
  );
  tally.deleted = gone.length;
  units.sort((a, b) => a.connectorId.localeCompare(b.connectorId));
  await startRun(ledger, runId, startedAt, units.length);
  return { runId, startedAt, units, connectors: tally };
}

async function knownConnectors(ledger: Ledger): Promise<Map<string, ConnectorMeta>> {
  const known = new Map<string, ConnectorMeta>();
  for await (const meta of queryAll<ConnectorMeta>(ledger, {
    IndexName: 'feed',
    KeyConditionExpression: 'feed_pk = :pk',
    ExpressionAttributeValues: { ':pk': FEED.connectors },
    ProjectionExpression: 'connectorId, #h, deletedAt',
    ExpressionAttributeNames: { '#h': 'hash' },
  })) {
    known.set(meta.connectorId, meta);
  }
  return known;
}

async function snapshotConnector(
  ledger: Ledger,
  raw: Record<string, unknown>,
  current: ConnectorMeta | undefined,
  observedAt: string,
): Promise<'created' | 'updated' | 'unchanged'> {
  const cid = String(raw._id);
  const hash = contentHash(raw);
  if (current?.hash === hash && !current.deletedAt) return 'unchanged';
  const kind = current?.hash ? 'updated' : 'created';
  const rawJson = JSON.stringify(raw);
  await ledger.doc.send(
    new UpdateCommand({
      TableName: ledger.tableName,
      Key: key.connector(cid),
      UpdateExpression:
        'SET #type = :type, connectorId = :cid, #name = :name, rawJson = :raw, #hash = :hash, lastChangedAt = :at, ' +
        'firstSeenAt = if_not_exists(firstSeenAt, :at), feed_pk = :feed, feed_sk = :cid REMOVE deletedAt',
      ExpressionAttributeNames: { '#type': 'type', '#name': 'name', '#hash': 'hash' },
      ExpressionAttributeValues: {
        ':type': 'connector',
        ':cid': cid,
        ':name': typeof raw.name === 'string' ? raw.name : cid,
        ':raw': rawJson,
        ':hash': hash,
        ':at': observedAt,
        ':feed': FEED.connectors,
      },
    }),
  );
  await ledger.doc
    .send(
      new PutCommand({
        TableName: ledger.tableName,
        Item: { ...key.connectorVersion(cid, observedAt), change: kind, rawJson, hash, observedAt },
        ConditionExpression: 'attribute_not_exists(PK)',
      }),
    )
    .catch((error) => {
      // The same observation recorded by a concurrent planner: one version is enough.
      if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') throw error;
    });
  return kind;
}

/**
 * Walks one connector's licenses page by page and records what changed. Safe to run twice and concurrently:
 * every write is guarded. A walk that fails part-way keeps what it verified, marks no deletion, and records the failure.
 */
export async function syncConnector(deps: SyncDeps, unit: SyncUnit): Promise<ConnectorRun> {
  return (await walkUnit(deps, unit)).record();
}

/**
 * The walk of a unit, and a function that then records it (walk marker + run record). Split so a caller
 * running many units can free its Partner API slot as soon as the pages are read.
 */
async function walkUnit(
  deps: SyncDeps,
  unit: SyncUnit,
): Promise<{ run: ConnectorRun; record: () => Promise<ConnectorRun> }> {
  const { ledger } = deps;
  const started = ledger.now();
  const startedAt = started.toISOString();
  const counts = zeroCounts();
  const progress = { pages: 0, pagesUnchanged: 0 };
  let error: ConnectorRun['error'];
  // The connector's walk marker; written alongside the run record's read, before the run counts the walk.
  let markWalk: () => Promise<unknown>;
  try {
    const complete = await walkConnector(deps, unit, startedAt, counts, progress);
    markWalk = () => ledger.doc.send(new UpdateCommand(complete));
  } catch (failure) {
    error = describeFailure(failure);
    const failed = { runId: unit.runId, at: startedAt, status: 'failed', error };
    markWalk = () =>
      ledger.doc
        .send(
          new UpdateCommand({
            TableName: ledger.tableName,
            Key: key.connector(unit.connectorId),
            UpdateExpression: 'SET lastWalk = :walk',
            ExpressionAttributeValues: { ':walk': failed },
          }),
        )
        .catch(() => undefined); // the store may be what failed; the run record says so too
  }
  const finished = ledger.now();
  const run: ConnectorRun = {
    runId: unit.runId,
    connectorId: unit.connectorId,
    status: error ? 'failed' : 'completed',
    counts,
    ...progress,
    startedAt,
    finishedAt: finished.toISOString(),
    durationMs: finished.getTime() - started.getTime(),
    ...(error ? { error } : {}),
  };
  return {
    run,
    record: async () => {
      await recordConnectorRun(ledger, run, markWalk);
      return run;
    },
  };
}

async function walkConnector(
  { ledger, api, onPage }: SyncDeps,
  { runId, connectorId: cid }: SyncUnit,
  observedAt: string,
  counts: Counts,
  progress: { pages: number; pagesUnchanged: number },
): Promise<UpdateCommandInput> {
  // What the last walks left (META and page digests) is read while the first page is on its way.
  const pages = api.licensePages(cid);
  const firstPage = pages.next();
  firstPage.catch(() => undefined); // awaited below; keeps an early failure from going unhandled meanwhile
  const [meta, digests] = await Promise.all([
    ledger.doc
      .send(new GetCommand({ TableName: ledger.tableName, Key: key.connector(cid), ConsistentRead: true }))
      .then((res) => res.Item as ConnectorMeta | undefined),
    readDigests(ledger, cid),
  ]);

  // Loaded only once a page differs: ids, hashes and revisions, never whole records.
  let stored: Map<string, StoredState> | undefined;
  const loadStored = async () => {
    if (stored) return stored;
    stored = new Map();
    for await (const item of queryAll<{ SK: string; hash: string; rev: number; deletedAt?: string }>(ledger, {
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :p)',
      ExpressionAttributeValues: { ':pk': key.connector(cid).PK, ':p': PREFIX.license },
      ProjectionExpression: 'SK, #h, rev, deletedAt',
      ExpressionAttributeNames: { '#h': 'hash' },
      ConsistentRead: true,
    })) {
      stored.set(item.SK.slice(PREFIX.license.length), {
        hash: item.hash,
        rev: item.rev,
        deleted: Boolean(item.deletedAt),
      });
    }
    return stored;
  };

  const seen = new Set<string>();
  let dirtyMarked = false;
  let anyPageChanged = false;
  let pageCount = 0;
  for (let next = await firstPage; !next.done; next = await pages.next()) {
    const page = next.value;
    pageCount = page.index + 1;
    progress.pages++;
    const digest = page.digest;
    const last = digests.get(page.index);
    const same = last?.digest === digest;
    const changes: LicenseChange[] = [];
    const known = same ? undefined : await loadStored();
    // An unchanged page has the invalid count it had when its digest was stored: no need to validate it again.
    let pageInvalid = same ? (last?.invalid ?? 0) : 0;
    for (const raw of page.records) {
      const id = (raw as { _id?: unknown } | null)?._id;
      if (typeof id !== 'string' || id === '') {
        counts.skipped++;
        continue;
      }
      if (seen.has(id)) continue; // a record repeated across pages (the list moved while we walked)
      seen.add(id);
      counts.seen++;
      if (same) {
        counts.unchanged++;
        continue;
      }
      const record = raw as Record<string, unknown>;
      if (!licenseSchema.safeParse(record).success) pageInvalid++;
      const hash = contentHash(record);
      const prev = known!.get(id);
      if (prev && !prev.deleted && prev.hash === hash) counts.unchanged++;
      else changes.push({ connectorId: cid, licenseId: id, raw: record, hash, prev });
    }
    counts.invalid += pageInvalid;
    if (same) {
      progress.pagesUnchanged++;
    } else {
      anyPageChanged = true;
      const [outcome] = await Promise.all([
        recordChanges(ledger, changes, observedAt),
        dirtyMarked ? undefined : setPagesDirty(ledger, cid, runId),
      ]);
      dirtyMarked = true;
      counts.created += outcome.created;
      counts.updated += outcome.updated;
      counts.unchanged += outcome.unchanged;
      // Only after the page's records are stored: a matching digest must always mean "already recorded".
      await ledger.doc.send(
        new PutCommand({
          TableName: ledger.tableName,
          Item: { ...key.page(cid, page.index), digest, records: page.records.length, invalid: pageInvalid },
        }),
      );
    }
    onPage?.({ connectorId: cid, page: page.index + 1, records: page.records.length });
  }

  // The walk is complete. Deletions need proof: a list that was unchanged page for page proves there are none.
  const provablyUnchanged = !anyPageChanged && pageCount === (meta?.pageCount ?? 0) && !meta?.pagesDirty;
  if (!provablyUnchanged) {
    if (counts.skipped === 0) {
      const known = await loadStored();
      const gone: LicenseChange[] = [];
      for (const [lid, state] of known) {
        if (!state.deleted && !seen.has(lid)) gone.push({ connectorId: cid, licenseId: lid, prev: state });
      }
      counts.deleted += (await recordChanges(ledger, gone, observedAt)).deleted;
    }
    await dropPagesFrom(ledger, cid, pageCount, digests);
  }
  // The walk is complete: the caller marks it so (lastCompleteWalkAt) together with the run record.
  return {
    TableName: ledger.tableName,
    Key: key.connector(cid),
    UpdateExpression: `SET connectorId = :cid, lastCompleteWalkAt = :at, lastWalk = :walk, liveCount = :live, pageCount = :pages${
      counts.skipped === 0 ? ' REMOVE pagesDirty' : ''
    }`,
    ExpressionAttributeValues: {
      ':cid': cid,
      ':at': observedAt,
      ':walk': { runId, at: observedAt, status: 'completed' },
      ':live': counts.seen,
      ':pages': pageCount,
    },
  };
}

/** Page digests of the last walks, by page index, with the invalid-record count of each page. */
async function readDigests(
  ledger: Ledger,
  cid: string,
): Promise<Map<number, { digest: string; invalid?: number }>> {
  const digests = new Map<number, { digest: string; invalid?: number }>();
  for await (const item of queryAll<{ SK: string; digest: string; invalid?: number }>(ledger, {
    KeyConditionExpression: 'PK = :pk AND begins_with(SK, :p)',
    ExpressionAttributeValues: { ':pk': key.connector(cid).PK, ':p': PREFIX.page },
    ProjectionExpression: 'SK, digest, invalid',
    ConsistentRead: true,
  })) {
    digests.set(Number(item.SK.slice(PREFIX.page.length)), { digest: item.digest, invalid: item.invalid });
  }
  return digests;
}

async function setPagesDirty(ledger: Ledger, cid: string, runId: string): Promise<void> {
  await ledger.doc.send(
    new UpdateCommand({
      TableName: ledger.tableName,
      Key: key.connector(cid),
      UpdateExpression: 'SET pagesDirty = :run, connectorId = :cid',
      ExpressionAttributeValues: { ':run': runId, ':cid': cid },
    }),
  );
}

/** Removes digests of pages past the end of the list (it got shorter). */
async function dropPagesFrom(
  ledger: Ledger,
  cid: string,
  from: number,
  digests: Map<number, unknown>,
): Promise<void> {
  const stale = [...digests.keys()].filter((i) => i >= from);
  for (let i = 0; i < stale.length; i += 25) {
    const chunk = stale.slice(i, i + 25);
    if (chunk.length === 1) {
      await ledger.doc.send(
        new DeleteCommand({ TableName: ledger.tableName, Key: key.page(cid, chunk[0]!) }),
      );
      continue;
    }
    await ledger.doc.send(
      new BatchWriteCommand({
        RequestItems: {
          [ledger.tableName]: chunk.map((index) => ({ DeleteRequest: { Key: key.page(cid, index) } })),
        },
      }),
    );
  }
}

function describeFailure(failure: unknown): { code: string; message: string } {
  if (failure instanceof PartnerApiError) return { code: failure.code, message: failure.message };
  const err = failure as { name?: string; code?: string; message?: string };
  return { code: err.code ?? err.name ?? 'error', message: err.message ?? String(failure) };
}

/** Runs a plan in-process with bounded concurrency (the CLI's stand-in for SQS fan-out). */
export async function runPlan(deps: SyncDeps, plan: SyncPlan, concurrency = 4): Promise<ConnectorRun[]> {
  const limit = pLimit(concurrency);
  // The limit guards the Partner API: recording a finished walk happens outside it.
  return Promise.all(plan.units.map(async (unit) => (await limit(() => walkUnit(deps, unit))).record()));
}
