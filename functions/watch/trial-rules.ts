// The trial rules as reads of the sparse byTrialEnd index: trials ending soon, trials ended, trials converted. No Scan.
import { toViews } from '#ledger/queries';
import type { LicenseView, Page } from '#ledger/schemas';
import type { ExpiryRange, StoredLicense, ViewStore } from '#ledger/store/port';
import {
  allPages,
  expiredRange,
  expiringRange,
  type ReportPage,
  type ReportRange,
  type RuleOptions,
} from './rules.ts';

/** The trial-ending range: 0 <= whole days to the trial's end <= withinDays (the same arithmetic as expiring). */
export const trialEndingRange = expiringRange;
/** The trial-ended range: trials that ended within the last withinDays days. */
export const trialEndedRange = expiredRange;

async function indexPage(
  ledger: ViewStore,
  read: (range: ExpiryRange) => Promise<Page<StoredLicense>>,
  range: ReportRange,
  page: ReportPage,
  options: RuleOptions,
): Promise<Page<LicenseView>> {
  const stored = await read({ ...range, ...page, account: options.account, sandbox: options.sandbox });
  return { ...stored, items: await toViews(ledger, stored.items, options) };
}

/** One page of live licenses on trial whose `<trialEndDate>#<id>` lies in the range, soonest end first. */
export function trialRangePage(
  ledger: ViewStore,
  range: ReportRange,
  page: ReportPage,
  options: RuleOptions = {},
): Promise<Page<LicenseView>> {
  return indexPage(ledger, (r) => ledger.trialPage(r), range, page, options);
}

/** Live licenses whose trial ends within withinDays days (0 <= daysToTrialEnd <= withinDays), soonest first. */
export function trialsEndingWithin(
  ledger: ViewStore,
  withinDays: number,
  options: RuleOptions = {},
): Promise<LicenseView[]> {
  const range = trialEndingRange(withinDays, ledger.now()); // one "now" for every page
  return allPages(
    (cursor) => trialRangePage(ledger, range, { limit: 1000, cursor, scope: 'trials' }, options),
    options.stop,
  );
}

/** Live licenses whose trial ended within the last withinDays days and that did not convert, soonest end first. */
export function trialsEndedWithin(
  ledger: ViewStore,
  withinDays: number,
  options: RuleOptions = {},
): Promise<LicenseView[]> {
  const range = trialEndedRange(withinDays, ledger.now());
  return allPages(
    (cursor) => trialRangePage(ledger, range, { limit: 1000, cursor, scope: 'trials' }, options),
    options.stop,
  );
}

/** Live licenses whose trial the ledger saw converted in [since, now], in the order seen. */
export function conversionsSince(
  ledger: ViewStore,
  since: Date,
  options: RuleOptions = {},
): Promise<LicenseView[]> {
  const range = { lower: `${since.toISOString()}#`, upper: `${ledger.now().toISOString()}#~` };
  return allPages((cursor) =>
    indexPage(
      ledger,
      (r) => ledger.conversionPage(r),
      range,
      { limit: 1000, cursor, scope: 'conversions' },
      options,
    ),
  );
}

/** The first moment of the month `now` is in (UTC): where "this month's conversions" start. */
export const monthStart = (now: Date) => new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
