// The trial rules as reads of the sparse byTrialEnd index: trials ending soon, trials ended, trials converted. No Scan.
import { toViews } from '#ledger/queries';
import type { LicenseView } from '#ledger/schemas';
import type { ExpiryRange, StoredLicense, ViewStore } from '#ledger/store/port';
import {
  allPages,
  expiredRange,
  expiringRange,
  type ReportRange,
  type RuleOptions,
  type RulePage,
} from './rules.ts';

/** The trial-ending range: 0 <= whole days to the trial's end <= withinDays (the same arithmetic as expiring). */
export const trialEndingRange = expiringRange;
/** The trial-ended range: trials that ended within the last withinDays days. */
export const trialEndedRange = expiredRange;

type Page = { limit: number; after?: [string, string] };

async function indexPage(
  ledger: ViewStore,
  read: (range: ExpiryRange) => ReturnType<ViewStore['trialPage']>,
  range: ReportRange,
  page: Page,
  options: RuleOptions,
  /** The index's sort key of an item, before its id: where the next page starts. */
  keyOf: (item: StoredLicense) => string,
): Promise<RulePage> {
  const lower = page.after ? `${page.after[0]}#${page.after[1]}` : range.lower;
  const { items, more } = await read({
    lower,
    upper: range.upper,
    limit: page.limit,
    account: options.account,
    sandbox: options.sandbox,
  });
  const views = await toViews(ledger, items, options);
  const last = items.at(-1);
  return more && last ? { items: views, next: [keyOf(last), last.licenseId] } : { items: views };
}

/** One page of live licenses on trial whose `<trialEndDate>#<id>` lies in the range, soonest end first. */
export function trialRangePage(
  ledger: ViewStore,
  range: ReportRange,
  page: Page,
  options: RuleOptions = {},
): Promise<RulePage> {
  return indexPage(
    ledger,
    (r) => ledger.trialPage(r),
    range,
    page,
    options,
    (item) => item.trialEndDate!,
  );
}

/** Live licenses whose trial ends within withinDays days (0 <= daysToTrialEnd <= withinDays), soonest first. */
export function trialsEndingWithin(
  ledger: ViewStore,
  withinDays: number,
  options: RuleOptions = {},
): Promise<LicenseView[]> {
  const range = trialEndingRange(withinDays, ledger.now()); // one "now" for every page
  return allPages((after) => trialRangePage(ledger, range, { limit: 1000, after }, options), options.stop);
}

/** Live licenses whose trial ended within the last withinDays days and that did not convert, soonest end first. */
export function trialsEndedWithin(
  ledger: ViewStore,
  withinDays: number,
  options: RuleOptions = {},
): Promise<LicenseView[]> {
  const range = trialEndedRange(withinDays, ledger.now());
  return allPages((after) => trialRangePage(ledger, range, { limit: 1000, after }, options), options.stop);
}

/** Live licenses whose trial the ledger saw converted in [since, now], in the order seen. */
export function conversionsSince(
  ledger: ViewStore,
  since: Date,
  options: RuleOptions = {},
): Promise<LicenseView[]> {
  const range = { lower: `${since.toISOString()}#`, upper: `${ledger.now().toISOString()}#~` };
  return allPages((after) =>
    indexPage(
      ledger,
      (r) => ledger.conversionPage(r),
      range,
      { limit: 1000, after },
      options,
      (item) => item.trialConvertedAt!,
    ),
  );
}

/** The first moment of the month `now` is in (UTC): where "this month's conversions" start. */
export const monthStart = (now: Date) => new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
