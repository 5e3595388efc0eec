// The watch rules as indexed reads of the ledger: expiring, expired, not installed, deleted. No Scan.
import { DAY_MS } from '#functions/config';
import type { PushIntegration, PushView } from '#ledger/install-schemas';
import { type ReadOptions, toViews } from '#ledger/queries';
import type { LicenseView, Page } from '#ledger/schemas';
import type { PushStore, ViewStore } from '#ledger/store/port';
import type { StoredLicense } from '#ledger/store/records';

/**
 * The rules' view options, the partner account to keep to (all accounts when absent), and `stop`: asked between
 * pages of a full read; once true, the read ends with what it has (an evaluation running out of time).
 */
export type RuleOptions = ReadOptions & { account?: string; sandbox?: boolean; stop?: () => boolean };

/** The bounds of a report in the expiry index's sort key (`<expires>#<id>`), lower exclusive, upper inclusive. */
export interface ReportRange {
  lower: string;
  upper: string;
}

/** `~` sorts after every id: "<t>#~" is after every license expiring at t. */
const at = (t: Date) => `${t.toISOString()}#~`;

/** The expiring rule's range: 0 <= whole days to expiry <= withinDays (not yet expired). */
export function expiringRange(withinDays: number, now: Date): ReportRange {
  const to = new Date(now.getTime() + (withinDays + 1) * DAY_MS - 1);
  return { lower: at(now), upper: at(to) };
}

/** The expired rule's range: expired within the last withinDays days. */
export function expiredRange(withinDays: number, now: Date): ReportRange {
  return { lower: `${new Date(now.getTime() - withinDays * DAY_MS).toISOString()}#`, upper: at(now) };
}

/** Whether a position (key, id) lies inside a report's range: the store refuses a cursor pointing elsewhere. */
export const withinRange = (range: ReportRange, after: [string, string]) => {
  const k = `${after[0]}#${after[1]}`;
  return k > range.lower && k <= range.upper;
};

/** A page of a report: `scope` names the report and its parameters (the cursor's, see ExpiryRange). */
export interface ReportPage {
  limit: number;
  cursor?: string;
  scope: string;
}

/** One page of a report range, soonest first, reading only about `limit` items however big the ledger. */
export async function rangePage(
  ledger: ViewStore,
  range: ReportRange,
  page: ReportPage,
  options: RuleOptions = {},
): Promise<Page<LicenseView>> {
  const stored = await ledger.expiryPage({
    ...range,
    ...page,
    account: options.account,
    sandbox: options.sandbox,
  });
  return { ...stored, items: await toViews(ledger, stored.items, options) };
}

type RulePaging = Omit<ReportPage, 'scope'> & { scope?: string; now?: Date };

/** A page of the expiring rule (0 <= whole days to expiry <= withinDays). */
export function expiringPage(
  ledger: ViewStore,
  withinDays: number,
  page: RulePaging,
  options: RuleOptions = {},
): Promise<Page<LicenseView>> {
  const range = expiringRange(withinDays, page.now ?? ledger.now());
  const scope = page.scope ?? `expiring|${withinDays}`;
  return rangePage(
    ledger,
    range,
    { limit: page.limit, cursor: page.cursor, scope },
    { ...options, expiringDays: options.expiringDays ?? withinDays },
  );
}

/** A page of the expired rule (expired within the last withinDays days). */
export function expiredPage(
  ledger: ViewStore,
  withinDays: number,
  page: RulePaging,
  options: RuleOptions = {},
): Promise<Page<LicenseView>> {
  const range = expiredRange(withinDays, page.now ?? ledger.now());
  const scope = page.scope ?? `expired|${withinDays}`;
  return rangePage(ledger, range, { limit: page.limit, cursor: page.cursor, scope }, options);
}

/** Every page of a report, in order. */
export async function allPages(
  next: (cursor?: string) => Promise<Page<LicenseView>>,
  stop?: () => boolean,
): Promise<LicenseView[]> {
  const views: LicenseView[] = [];
  let cursor: string | undefined;
  do {
    const page = await next(cursor);
    views.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor && !stop?.());
  return views;
}

/** Live licenses with 0 <= daysToExpiry <= withinDays (whole days, floored), soonest expiry first. */
export function expiringWithin(ledger: ViewStore, withinDays: number, options: RuleOptions = {}) {
  const now = ledger.now(); // one "now" for every page
  return allPages(
    (cursor) => expiringPage(ledger, withinDays, { limit: 1000, cursor, now }, options),
    options.stop,
  );
}

/** Live licenses that expired within the last withinDays days, soonest expiry first. */
export function expiredWithin(ledger: ViewStore, withinDays: number, options: RuleOptions = {}) {
  const now = ledger.now();
  return allPages(
    (cursor) => expiredPage(ledger, withinDays, { limit: 1000, cursor, now }, options),
    options.stop,
  );
}

const createdBefore = (ledger: ViewStore, olderThanDays: number) =>
  new Date(ledger.now().getTime() - olderThanDays * DAY_MS).toISOString();

/**
 * Live licenses created more than olderThanDays days ago and still not installed, longest waiting first (the
 * index's own order, so a page reads only itself).
 */
export async function notInstalled(
  ledger: ViewStore,
  olderThanDays: number,
  options: RuleOptions = {},
): Promise<LicenseView[]> {
  const views: LicenseView[] = [];
  // One page: its views read each connector's META once.
  await notInstalledPages(
    ledger,
    olderThanDays,
    Number.POSITIVE_INFINITY,
    (page) => views.push(...page),
    options,
  );
  return views;
}

/** The same licenses in pages of about `size` as the index is read, for callers that stream (alert evaluation). */
export async function notInstalledPages(
  ledger: ViewStore,
  olderThanDays: number,
  size: number,
  onPage: (views: LicenseView[]) => void,
  options: RuleOptions = {},
): Promise<void> {
  let items: StoredLicense[] = [];
  const cutoff = createdBefore(ledger, olderThanDays);
  for await (const item of ledger.notInstalledBefore(cutoff, options.account, options.sandbox)) {
    items.push(item);
    if (items.length >= size) {
      onPage(await toViews(ledger, items, options));
      items = [];
      if (options.stop?.()) return;
    }
  }
  if (items.length > 0) onPage(await toViews(ledger, items, options));
}

/** One page of the not-installed rule, longest waiting first. */
export async function notInstalledPage(
  ledger: ViewStore,
  olderThanDays: number,
  page: { limit: number; cursor?: string },
  options: RuleOptions = {},
): Promise<Page<LicenseView>> {
  const scope = `not-installed|${olderThanDays}`;
  const cutoff = createdBefore(ledger, olderThanDays);
  const stored = await ledger.notInstalledPage(cutoff, {
    ...page,
    scope,
    account: options.account,
    sandbox: options.sandbox,
  });
  return { ...stored, items: await toViews(ledger, stored.items, options) };
}

/** Deletions whose licenses are read together (ten BatchGetItem calls). */
const DELETIONS_CHUNK = 1000;

/** Licenses marked deleted (gone upstream) within the last withinDays days. */
export async function deletedWithin(
  ledger: ViewStore,
  withinDays: number,
  options: RuleOptions = {},
): Promise<LicenseView[]> {
  const since = new Date(ledger.now().getTime() - withinDays * DAY_MS).toISOString();
  const items: StoredLicense[] = [];
  // Current items read in batches as the index is read: a mass deletion (tens of thousands within the window) costs
  // hundreds of calls, not one round trip per license.
  let keys: { connectorId: string; licenseId: string }[] = [];
  const readChunk = async () => {
    for (const item of await ledger.currentLicenses(keys)) {
      // Still deleted now (a license that came back is live again and not "deleted").
      if (item.deletedAt && (options.account === undefined || item.account === options.account))
        items.push(item);
    }
    keys = [];
  };
  for await (const deletion of ledger.deletionsSince(since)) {
    keys.push(deletion);
    if (keys.length >= DELETIONS_CHUNK) {
      await readChunk();
      if (options.stop?.()) break;
    }
  }
  if (keys.length > 0) await readChunk();
  return toViews(ledger, items, options);
}

/** What the rules read: views, and the pushes' feed when the store has it (the update-stuck rule). */
export type WatchStore = ViewStore & Partial<Pick<PushStore, 'pushesSince'>>;

/** Integrations of pushes created within the last withinDays days that showed no new version 24 h after asked. */
export async function stuckUpdates(
  ledger: WatchStore,
  withinDays: number,
): Promise<{ push: PushView; integration: PushIntegration }[]> {
  if (!ledger.pushesSince) return [];
  const since = new Date(ledger.now().getTime() - withinDays * DAY_MS).toISOString();
  const out: { push: PushView; integration: PushIntegration }[] = [];
  for await (const push of ledger.pushesSince(since))
    for (const integration of push.integrations)
      if (integration.state === 'stuck') out.push({ push, integration });
  return out;
}
