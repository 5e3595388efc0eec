// `report ...` and `alerts`: what needs attention, and alerts raised once each.
import { evaluate, parseThresholds, parseTrialThresholds } from '#app/alerts';
import { report as reportOf } from '#app/reports';
import { type AlertFormat, DEFAULTS } from '#functions/config';
import type { Context } from '../context.ts';
import { formatOf, log, printJson, printTable } from '../output.ts';
import { printLicenses } from './ledger.ts';

type ReportOptions = {
  withinDays?: number;
  olderThanDays?: number;
  account?: string;
  sandbox?: boolean;
  json?: boolean;
  csv?: boolean;
};

export async function report(
  ctx: Context,
  which: 'expiring' | 'expired' | 'not-installed',
  opts: ReportOptions,
) {
  formatOf(opts);
  const days = which === 'not-installed' ? opts.olderThanDays! : opts.withinDays!;
  const views = await reportOf(await ctx.app(), which, {
    days,
    account: opts.account,
    sandbox: opts.sandbox,
  });
  printLicenses(views, opts);
}

/** Where a digest's reader finds the full list, from the CLI. */
const POINTER =
  '`licensewatch report expiring|expired|not-installed|trials`, or GET /alerts on `licensewatch serve`';

export async function alerts(
  ctx: Context,
  opts: {
    json?: boolean;
    thresholds: string;
    trialThresholds: string;
    webhookUrl?: string;
    alertFormat: AlertFormat;
  },
) {
  // Checked before the store opens, so a bad value fails at once (env values reach here unparsed).
  const thresholds = parseThresholds(opts.thresholds);
  const trialThresholds = parseTrialThresholds(opts.trialThresholds);
  // Connector META is read per rule page for lastSeenAt, which alerts do not carry: reuse it for the run.
  const result = await evaluate(await ctx.app({ metaCacheMs: 60_000 }), {
    thresholds,
    trialThresholds,
    webhookUrl: opts.webhookUrl,
    alertFormat: opts.alertFormat,
    pointer: POINTER,
    leaseMs: DEFAULTS.cliAlertLeaseMs,
  });
  for (const e of result.errors)
    log(`alert delivery to ${e.sink} failed: ${e.message} (will retry on the next run)`);
  for (const s of result.sinks.filter((x) => x.busy))
    log(
      `alert delivery to ${s.sink} skipped: another evaluation holds it (an interrupted run holds it ` +
        `for up to ${DEFAULTS.cliAlertLeaseMs / 60_000} minutes)`,
    );
  if (opts.json) {
    printJson({
      items: result.items,
      retried: result.retried,
      pending: result.pending,
      sinks: result.sinks,
    });
  } else {
    printTable(
      result.items,
      [
        { header: 'RULE', value: (a) => a.rule },
        { header: 'THRESHOLD', value: (a) => a.threshold, align: 'right' },
        { header: 'LICENSE', value: (a) => a.licenseId },
        { header: 'EMAIL', value: (a) => a.email },
        { header: 'EXPIRES', value: (a) => a.expires?.slice(0, 10) },
        { header: 'DAYS', value: (a) => a.daysToExpiry, align: 'right' },
      ],
      '(no new alerts)',
    );
  }
  if (result.pending > 0) log(`${result.pending} alert(s) not delivered yet; the next run retries them`);
}
