// The watch rules as indexed queries over the ledger: expiring, expired, not installed, deleted. No Scan.

import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { expiryMonth, FEED } from '#ledger/keys';
import { type Ledger, queryAll } from '#ledger/ledger';
import { connectorMeta, getLicenseItem } from '#ledger/queries';
import { INDEX } from '#ledger/table';
import { type LicenseItem, type LicenseView, toLicenseView } from '#ledger/view';

const DAY_MS = 86_400_000;

export type RuleName = 'expiring' | 'expired' | 'not-installed' | 'deleted';

/** Months (YYYY-MM) touched by [from, to), so a date range becomes one Query per month partition. */
function monthsBetween(from: Date, to: Date): string[] {
  const months: string[] = [];
  const cursor = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), 1));
  while (cursor.getTime() < to.getTime()) {
    months.push(expiryMonth(cursor.toISOString()));
    cursor.setUTCMonth(cursor.getUTCMonth() + 1);
  }
  return months;
}

export interface RuleOptions {
  expiringDays?: number;
}

/** Views with lastSeenAt derived from each connector's last complete walk (one read per connector). */
async function toViews(ledger: Ledger, items: LicenseItem[], options: RuleOptions): Promise<LicenseView[]> {
  const walks = new Map<string, string | undefined>();
  for (const cid of new Set(items.map((i) => i.connectorId))) {
    walks.set(cid, (await connectorMeta(ledger, cid))?.lastCompleteWalkAt);
  }
  const now = ledger.now();
  return items.map((item) =>
    toLicenseView(item, {
      now,
      expiringDays: options.expiringDays,
      lastCompleteWalkAt: walks.get(item.connectorId),
    }),
  );
}

const byExpiry = (a: LicenseView, b: LicenseView) =>
  (a.expires ?? '').localeCompare(b.expires ?? '') || a.id.localeCompare(b.id);

export interface RulePage {
  items: LicenseView[];
  /** (expires, id) of the last item when more follow: pass it back as `after`. */
  next?: [string, string];
}

/**
 * One page of live licenses expiring in (lowerExclusive, upperInclusive] of the byExpiry sort key, soonest first,
 * reading only about `limit` items: month partitions in order, each from just after the last key seen.
 */
async function expiryRangePage(
  ledger: Ledger,
  lowerExclusive: string,
  upperInclusive: string,
  limit: number,
  options: RuleOptions,
): Promise<RulePage> {
  const items: LicenseItem[] = [];
  const months = monthsBetween(
    new Date(lowerExclusive.slice(0, 24)),
    new Date(Date.parse(upperInclusive.slice(0, 24)) + 1),
  );
  for (const month of months) {
    let start: Record<string, unknown> | undefined;
    do {
      const res = await ledger.doc.send(
        new QueryCommand({
          TableName: ledger.tableName,
          IndexName: INDEX.byExpiry.name,
          KeyConditionExpression: 'exp_pk = :m AND exp_sk > :lo',
          ExpressionAttributeValues: { ':m': month, ':lo': lowerExclusive },
          Limit: limit + 1 - items.length,
          ExclusiveStartKey: start,
        }),
      );
      for (const item of (res.Items ?? []) as (LicenseItem & { exp_sk: string })[]) {
        if (item.exp_sk > upperInclusive) return finish(ledger, items, limit, options);
        items.push(item);
      }
      start = res.LastEvaluatedKey;
    } while (start && items.length <= limit);
    if (items.length > limit) break;
  }
  return finish(ledger, items, limit, options);
}

async function finish(
  ledger: Ledger,
  items: LicenseItem[],
  limit: number,
  options: RuleOptions,
): Promise<RulePage> {
  const page = items.slice(0, limit);
  const views = await toViews(ledger, page, options);
  const last = page.at(-1);
  return items.length > limit && last
    ? { items: views, next: [last.expires!, last.licenseId] }
    : { items: views };
}

const afterKey = (after: [string, string] | undefined, fallback: string) =>
  after ? `${after[0]}#${after[1]}` : fallback;

/** A page of the expiring rule (0 <= whole days to expiry <= withinDays), reading only what the page needs. */
export function expiringPage(
  ledger: Ledger,
  withinDays: number,
  page: { limit: number; after?: [string, string]; now?: Date },
  options: RuleOptions = {},
): Promise<RulePage> {
  const now = page.now ?? ledger.now();
  const to = new Date(now.getTime() + (withinDays + 1) * DAY_MS - 1);
  // `~` sorts after every id: "<now>#~" excludes a license expiring at this very instant (it has expired).
  const lower = afterKey(page.after, `${now.toISOString()}#~`);
  return expiryRangePage(ledger, lower, `${to.toISOString()}#~`, page.limit, {
    expiringDays: options.expiringDays ?? withinDays,
  });
}

/** A page of the expired rule (expired within the last withinDays days), reading only what the page needs. */
export function expiredPage(
  ledger: Ledger,
  withinDays: number,
  page: { limit: number; after?: [string, string]; now?: Date },
  options: RuleOptions = {},
): Promise<RulePage> {
  const now = page.now ?? ledger.now();
  const from = new Date(now.getTime() - withinDays * DAY_MS);
  const lower = afterKey(page.after, `${from.toISOString()}#`);
  return expiryRangePage(ledger, lower, `${now.toISOString()}#~`, page.limit, options);
}

/** Every page of a report, in order. */
async function allPages(next: (after?: [string, string]) => Promise<RulePage>): Promise<LicenseView[]> {
  const views: LicenseView[] = [];
  let after: [string, string] | undefined;
  do {
    const page = await next(after);
    views.push(...page.items);
    after = page.next;
  } while (after);
  return views;
}

/** Live licenses with 0 <= daysToExpiry <= withinDays (whole days, floored), soonest expiry first. */
export function expiringWithin(
  ledger: Ledger,
  withinDays: number,
  options: RuleOptions = {},
): Promise<LicenseView[]> {
  const now = ledger.now(); // one "now" for every page
  return allPages((after) => expiringPage(ledger, withinDays, { limit: 1000, after, now }, options));
}

/** Live licenses that expired within the last withinDays days, soonest expiry first. */
export function expiredWithin(
  ledger: Ledger,
  withinDays: number,
  options: RuleOptions = {},
): Promise<LicenseView[]> {
  const now = ledger.now();
  return allPages((after) => expiredPage(ledger, withinDays, { limit: 1000, after, now }, options));
}

/** Live licenses created more than olderThanDays days ago and still not installed, soonest expiry first. */
export async function notInstalled(
  ledger: Ledger,
  olderThanDays: number,
  options: RuleOptions = {},
): Promise<LicenseView[]> {
  const cutoff = new Date(ledger.now().getTime() - olderThanDays * DAY_MS).toISOString();
  const items: LicenseItem[] = [];
  for await (const item of queryAll<LicenseItem>(ledger, {
    IndexName: INDEX.feed.name,
    KeyConditionExpression: 'feed_pk = :pk AND feed_sk < :cutoff',
    ExpressionAttributeValues: { ':pk': FEED.notInstalled, ':cutoff': cutoff },
  })) {
    items.push(item);
  }
  return (await toViews(ledger, items, options)).sort(byExpiry);
}

/** Licenses marked deleted (gone upstream) within the last withinDays days, newest deletion last. */
export async function deletedWithin(
  ledger: Ledger,
  withinDays: number,
  options: RuleOptions = {},
): Promise<LicenseView[]> {
  const since = new Date(ledger.now().getTime() - withinDays * DAY_MS).toISOString();
  const res: LicenseItem[] = [];
  for await (const version of queryAll<{ PK: string; connectorId: string }>(ledger, {
    IndexName: INDEX.feed.name,
    KeyConditionExpression: 'feed_pk = :pk AND feed_sk >= :since',
    ExpressionAttributeValues: { ':pk': FEED.deleted, ':since': since },
  })) {
    const lid = version.PK.slice('LICENSE#'.length);
    const item = await getLicenseItem(ledger, lid);
    // Still deleted now (a license that came back is live again and not "deleted").
    if (item?.deletedAt) res.push(item);
  }
  return toViews(ledger, res, options);
}
