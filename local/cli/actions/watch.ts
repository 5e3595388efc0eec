// `report ...` and `alerts`: what needs attention, and alerts raised once each.
import { consoleSink } from '#alerts/console';
import { webhookSink } from '#alerts/webhook';
import { type AlertFormat, DEFAULTS, parseSetting, setting } from '#functions/config';
import { checkAccount } from '#ledger/portfolio';
import type { AlertSink } from '#watch/alert';
import { DEFAULT_WATCH_CONFIG, evaluateAlerts } from '#watch/evaluate';
import { expiredWithin, expiringWithin, notInstalled } from '#watch/rules';
import type { Context } from '../context.ts';
import { CliError, formatOf, log, printJson, printTable } from '../output.ts';
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
  const ledger = await ctx.ledger();
  const options = {
    account: await checkAccount(ledger, opts.account, await ctx.accountNames()),
    sandbox: opts.sandbox,
  };
  const views =
    which === 'expiring'
      ? await expiringWithin(ledger, opts.withinDays!, options)
      : which === 'expired'
        ? await expiredWithin(ledger, opts.withinDays!, options)
        : await notInstalled(ledger, opts.olderThanDays!, options);
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
  const thresholds = parseSetting(setting.thresholds, opts.thresholds, '--thresholds');
  const trialThresholds = parseSetting(setting.trialThresholds, opts.trialThresholds, '--trial-thresholds');
  const format = opts.alertFormat;
  const sinks: AlertSink[] = [consoleSink()];
  if (opts.webhookUrl) {
    if (!/^https?:\/\//.test(opts.webhookUrl))
      throw new CliError('bad_flag', 'the webhook URL must start with http:// or https://');
    sinks.push(webhookSink(opts.webhookUrl, { format, pointer: POINTER }));
  }
  const result = await evaluateAlerts({
    // Connector META is read per rule page for lastSeenAt, which alerts do not carry: reuse it for the run.
    ledger: await ctx.ledger({ metaCacheMs: 60_000 }),
    sinks,
    config: { ...DEFAULT_WATCH_CONFIG, thresholds, trialThresholds, leaseMs: DEFAULTS.cliAlertLeaseMs },
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
