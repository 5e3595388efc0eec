// `report ...` and `alerts`: what needs attention, and alerts raised once each.
import { readFileSync } from 'node:fs';
import { evaluate, parseThresholds, parseWebhookRules } from '#app/alerts';
import { report as reportOf } from '#app/reports';
import { type AlertFormat, DEFAULTS } from '#functions/config';
import type { Context } from '../context.ts';
import { CliError, formatOf, log, printJson, printTable } from '../output.ts';
import { printLicenses } from './ledger.ts';

type ReportOptions = {
  withinDays?: number;
  olderThanDays?: number;
  account?: string;
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
  const views = await reportOf(await ctx.app(), which, { days, account: opts.account });
  printLicenses(views, opts);
}

/** The webhook's signing secret from its file; errors name the file, never its content. */
function readSecretFile(path: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new CliError('bad_flag', `--webhook-secret-file: cannot read ${path}`);
  }
  if (!text.trim()) throw new CliError('bad_flag', `--webhook-secret-file: ${path} is empty`);
  return text.trim();
}

/** Where a digest's reader finds the full list, from the CLI. */
const POINTER =
  '`licensewatch report expiring|expired|not-installed`, or GET /alerts on `licensewatch serve`';

export async function alerts(
  ctx: Context,
  opts: {
    json?: boolean;
    thresholds: string;
    webhookUrl?: string;
    webhookSecretFile?: string;
    webhookRules?: string;
    alertFormat: AlertFormat;
    timeLimit?: number;
  },
) {
  const endsAt = opts.timeLimit === undefined ? undefined : Date.now() + opts.timeLimit * 1000;
  // Checked before the store opens, so a bad value fails at once (env values reach here unparsed).
  const thresholds = parseThresholds(opts.thresholds);
  const webhookRules = parseWebhookRules(opts.webhookRules);
  if ((opts.webhookSecretFile || webhookRules) && !opts.webhookUrl)
    throw new CliError('bad_flag', '--webhook-secret-file and --webhook-rules need --webhook-url');
  // A file, or ALERT_WEBHOOK_SECRET: never a flag's value, which the process list shows.
  const webhookSigningSecret = opts.webhookSecretFile
    ? readSecretFile(opts.webhookSecretFile)
    : process.env.ALERT_WEBHOOK_SECRET?.trim() || undefined;
  // Connector META is read per rule page for lastSeenAt, which alerts do not carry: reuse it for the run.
  const result = await evaluate(await ctx.app({ metaCacheMs: 60_000 }), {
    thresholds,
    webhookUrl: opts.webhookUrl,
    webhookSigningSecret,
    webhookRules,
    alertFormat: opts.alertFormat,
    pointer: POINTER,
    leaseMs: DEFAULTS.cliAlertLeaseMs,
    ...(endsAt === undefined ? {} : { timeLeft: () => endsAt - Date.now() }),
  });
  if (result.cutShort)
    log('the time limit came before the rules were read to the end: the next run delivers the rest');
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
      ...(result.cutShort ? { cutShort: true } : {}),
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
