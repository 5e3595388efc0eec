// License writes: current item + version together under guards (or an unchanged license's move to another account).
import pLimit from 'p-limit';
import type { LicenseStore } from '../port.ts';
import type { LicenseWrite, WriteResult } from '../records.ts';
import {
  commitFeed,
  conversionMonth,
  expiryMonth,
  FEED,
  key,
  lookup,
  STORE_SHAPE,
  trialMonth,
} from './keys.ts';
import { LeaseLostError, writtenOutsideWalk } from './meta.ts';
import {
  cancellationCodes,
  isConditionFailure,
  retryConflicts,
  type Table,
  type TransactItem,
  transact,
} from './query.ts';
import type { Site } from './site.ts';

/** Licenses per transaction: two items each, within DynamoDB's 100 actions per TransactWriteItems. */
const LICENSES_PER_TRANSACTION = 25;
/** Transactions sent at once by one writer: enough to hide round trips, few enough to stay polite to the table. */
const TRANSACTIONS_IN_FLIGHT = 4;

/** The byTrialEnd index's attributes of a live license: on trial by its end, converted by when; none otherwise. */
export function trialAttributes(w: Pick<LicenseWrite, 'facts' | 'licenseId'>): Record<string, string> {
  const { trialEndDate, trialConvertedAt } = w.facts;
  if (trialEndDate) return { trial_pk: trialMonth(trialEndDate), trial_sk: `${trialEndDate}#${w.licenseId}` };
  if (trialConvertedAt)
    return { trial_pk: conversionMonth(trialConvertedAt), trial_sk: `${trialConvertedAt}#${w.licenseId}` };
  return {};
}

/**
 * Index attributes of a live license: the expiry index when it has an expiry date, the not-installed feed when not
 * installed, the customer lookup when it has an e-mail address, the trial index while on trial or once converted.
 */
export function indexAttributes(w: Pick<LicenseWrite, 'facts' | 'licenseId'>): Record<string, string> {
  const attrs: Record<string, string> = {
    ...lookup.customer(w.facts.email, w.licenseId),
    ...trialAttributes(w),
  };
  const { expires, installed, created } = w.facts;
  if (expires) {
    attrs.exp_pk = expiryMonth(expires);
    attrs.exp_sk = `${expires}#${w.licenseId}`;
  }
  if (!installed) {
    attrs.feed_pk = FEED.notInstalled;
    attrs.feed_sk = `${created ?? '0000'}#${w.licenseId}`;
  }
  return attrs;
}

/** The guard of a current item: its revision is still the one the writer read, and no later write stamped it. */
function guard(w: LicenseWrite) {
  const values: Record<string, unknown> = {};
  let condition: string;
  if (w.expectedRev === undefined) condition = 'attribute_not_exists(PK)';
  else {
    condition = 'rev = :expected';
    values[':expected'] = w.expectedRev;
  }
  if (w.walkEpoch !== undefined) {
    // A walk's record is older than any write outside it that stamped a later epoch: leave that one be.
    condition = `${condition} AND (attribute_not_exists(ep) OR ep <= :walkEpoch)`;
    values[':walkEpoch'] = w.walkEpoch;
  }
  return { condition, values };
}

/**
 * A write's items. `committedAt` is the instant its transaction is sent (each attempt its own): the commit feed
 * orders versions by it, so a walk that started long ago still commits in the present.
 */
function transactItems(table: Table, w: LicenseWrite, committedAt: string): TransactItem[] {
  if (w.accountMove) return [accountMoved(table, w)];
  const { condition, values } = guard(w);
  const version: TransactItem = {
    Put: {
      TableName: table.name,
      Item: {
        ...key.licenseVersion(w.licenseId, w.rev),
        connectorId: w.connectorId,
        account: w.account,
        observedAt: w.observedAt,
        rev: w.rev,
        change: w.change,
        kind: w.kind,
        changes: w.changes,
        rawJson: w.rawJson,
        hash: w.hash,
        firstSeenAt: w.firstSeenAt,
        ...(w.facts.email ? { email: w.facts.email } : {}),
        ...(w.facts.invalid ? { invalid: w.facts.invalid } : {}),
        ...(w.facts.trialConvertedAt ? { trialConvertedAt: w.facts.trialConvertedAt } : {}),
        // For `?sandbox=` on the change feed (versions written before carry none: production).
        ...(w.facts.sandbox ? { sandbox: true } : {}),
        // The change feed, by month; a connector's first walk apart.
        ...lookup.change(w.observedAt, w.licenseId, w.rev, w.baseline),
        // The commit feed, by the instant the write was sent: what a poller follows.
        committedAt,
        ...commitFeed.attributes(committedAt, w.licenseId, w.rev),
        // Deletions, by time: what the `deleted` rule reads.
        ...(w.change === 'deleted'
          ? { feed_pk: FEED.deleted, feed_sk: `${w.observedAt}#${w.licenseId}` }
          : {}),
      },
      ConditionExpression: 'attribute_not_exists(PK)',
    },
  };
  if (w.change === 'deleted') {
    // The record is kept as last seen; it leaves the expiry index and feeds so reports and rules skip it, and stays
    // findable by its customer (`includeDeleted`).
    const customer = lookup.customer(w.facts.email, w.licenseId);
    const set = ['deletedAt = :at', 'rev = :rev', 'lastChangedAt = :at', 'account = :account', 'sv = :sv'];
    if (w.stamp !== undefined) set.push('ep = :stamp');
    if (customer) set.push('lookup_pk = :lpk', 'lookup_sk = :lsk');
    return [
      {
        Update: {
          TableName: table.name,
          Key: key.license(w.connectorId, w.licenseId),
          UpdateExpression: `SET ${set.join(', ')} REMOVE exp_pk, exp_sk, feed_pk, feed_sk, trial_pk, trial_sk`,
          ConditionExpression: condition,
          ExpressionAttributeValues: {
            ...values,
            ':at': w.observedAt,
            ':rev': w.rev,
            ':account': w.account,
            ':sv': STORE_SHAPE,
            ...(w.stamp !== undefined ? { ':stamp': w.stamp } : {}),
            ...(customer ? { ':lpk': customer.lookup_pk, ':lsk': customer.lookup_sk } : {}),
          },
        },
      },
      version,
    ];
  }
  // The add-on licenses are the record's own, uninterpreted: kept as JSON text, exactly, whatever they hold (numbers
  // past 2^53, nesting deeper than DynamoDB's 32 levels, any keys). Items written before kept them natively.
  const { addonLicenses, ...facts } = w.facts;
  const current = {
    ...key.license(w.connectorId, w.licenseId),
    type: 'license',
    ...facts,
    addonLicensesJson: JSON.stringify(addonLicenses),
    ...indexAttributes(w),
    account: w.account,
    rawJson: w.rawJson,
    hash: w.hash,
    rev: w.rev,
    firstSeenAt: w.firstSeenAt,
    lastChangedAt: w.observedAt,
    lastSeenAt: w.observedAt,
    sv: STORE_SHAPE,
    ...(w.stamp !== undefined ? { ep: w.stamp } : {}),
  };
  return [
    {
      Put: {
        TableName: table.name,
        Item: current,
        ConditionExpression: condition,
        ...(Object.keys(values).length ? { ExpressionAttributeValues: values } : {}),
      },
    },
    version,
  ];
}

/**
 * An unchanged license whose connector moved to another partner account: its current item takes the account in
 * place (same revision, no version), guarded like any write. Nothing else it holds depends on the account.
 */
function accountMoved(table: Table, w: LicenseWrite): TransactItem {
  const { condition, values } = guard(w);
  const set = ['account = :account'];
  if (w.stamp !== undefined) set.push('ep = :stamp');
  return {
    Update: {
      TableName: table.name,
      Key: key.license(w.connectorId, w.licenseId),
      UpdateExpression: `SET ${set.join(', ')}`,
      ConditionExpression: condition,
      ExpressionAttributeValues: {
        ...values,
        ':account': w.account,
        ...(w.stamp !== undefined ? { ':stamp': w.stamp } : {}),
      },
    },
  };
}

/** A walk's writes land only while it holds its connector's lease: checked first in each of its transactions. */
function leaseCheck(table: Table, w: LicenseWrite): TransactItem[] {
  if (w.walkOwner === undefined) return [];
  return [
    {
      ConditionCheck: {
        TableName: table.name,
        Key: key.connector(w.connectorId),
        ConditionExpression: 'walkOwner = :me',
        ExpressionAttributeValues: { ':me': w.walkOwner },
      },
    },
  ];
}

/** The transaction failed on its lease check: another walk holds the connector now. */
function throwIfLeaseLost(error: unknown, w: LicenseWrite): void {
  if (w.walkOwner !== undefined && cancellationCodes(error)?.[0] === 'ConditionalCheckFailed')
    throw new LeaseLostError(w.connectorId);
}

/**
 * Writes in transactions of up to 25 licenses, four at once (a walk's with its lease checked first). When a transaction is cancelled (a guard failed, it
 * raced another, or one item was refused), its licenses are tried one by one, so each write gets its own answer:
 * a license the table refuses cannot hold back the others of its transaction.
 */
export async function writeLicenses(
  table: Table,
  writes: LicenseWrite[],
  now: () => Date,
): Promise<WriteResult[]> {
  const results: WriteResult[] = new Array(writes.length);
  const limit = pLimit(TRANSACTIONS_IN_FLIGHT);
  const groups: number[][] = [];
  for (let i = 0; i < writes.length; i += LICENSES_PER_TRANSACTION)
    groups.push(writes.slice(i, i + LICENSES_PER_TRANSACTION).map((_, j) => i + j));
  await Promise.all(
    groups.map((group) =>
      limit(async () => {
        try {
          const committedAt = now().toISOString();
          // One walk's writes (one connector, one owner) per call: its lease is checked once per transaction.
          await transact(table, [
            ...leaseCheck(table, writes[group[0]!]!),
            ...group.flatMap((i) => transactItems(table, writes[i]!, committedAt)),
          ]);
          for (const i of group) results[i] = 'written';
        } catch (error) {
          throwIfLeaseLost(error, writes[group[0]!]!);
          if (!isConditionFailure(error) && !refusal(error)) throw error;
          for (const i of group) {
            const w = writes[i]!;
            results[i] = await writeOne(
              table,
              now,
              (at) => [...leaseCheck(table, w), ...transactItems(table, w, at)],
              w,
            );
          }
        }
      }),
    ),
  );
  return results;
}

async function writeOne(
  table: Table,
  now: () => Date,
  items: (committedAt: string) => TransactItem[],
  w?: LicenseWrite,
): Promise<WriteResult> {
  try {
    await retryConflicts(() => transact(table, items(now().toISOString())));
    return 'written';
  } catch (error) {
    if (w) throwIfLeaseLost(error, w);
    if (isConditionFailure(error)) return 'conflict';
    const refused = refusal(error);
    if (refused) return { refused };
    throw error;
  }
}

/**
 * What the table (or the SDK, before sending) says about an item it will never take as it is: too large, too deep,
 * a value it cannot hold. Undefined for anything a retry may get past (throttling, the network, an outage).
 */
function refusal(error: unknown): { code: string; message: string } | undefined {
  const e = error as { name?: string; message?: string; code?: string; $metadata?: unknown };
  const message = e?.message ?? String(error);
  if (e?.name === 'ValidationException') return { code: 'item_refused', message };
  if (cancellationCodes(error)?.includes('ValidationError')) return { code: 'item_refused', message };
  // Marshalling fails before any request: a plain Error, no service metadata, no system error code.
  if (error instanceof Error && e.name === 'Error' && e.$metadata === undefined && e.code === undefined)
    return { code: 'item_refused', message };
  return undefined;
}

export function writeOutsideWalk(
  table: Table,
  w: LicenseWrite,
  epochSeen: number,
  liveDelta: number,
  now: () => Date,
): Promise<WriteResult> {
  return writeOne(table, now, (committedAt) => [
    writtenOutsideWalk(table, w.connectorId, epochSeen, liveDelta),
    ...transactItems(table, w, committedAt),
  ]);
}

/** The license writes: a walk's, and one outside any walk. */
export function licenseWrites({
  table,
  now,
}: Site): Pick<LicenseStore, 'writeLicenses' | 'writeOutsideWalk'> {
  return {
    writeLicenses: (writes) => writeLicenses(table, writes, now),
    writeOutsideWalk: (write, epochSeen, liveDelta) =>
      writeOutsideWalk(table, write, epochSeen, liveDelta, now),
  };
}
