// `licensewatch report ...` and `licensewatch alerts`: what needs attention, and alerts raised once each.
import { type Command, Option } from 'commander';
import { consoleSink } from '#alerts/console';
import type { AlertSink } from '#alerts/types';
import { webhookSink } from '#alerts/webhook';
import { DEFAULT_WATCH_CONFIG, evaluateAlerts } from '#watch/evaluate';
import { expiredWithin, expiringWithin, notInstalled } from '#watch/rules';
import type { Context } from '../context.ts';
import { CliError, formatOf, log, printJson, printTable } from '../output.ts';
import { openLedger, printLicenses } from './ledger.ts';

const days = (flag: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 3650)
    throw new CliError('bad_flag', `${flag} must be a whole number of days (0-3650), got ${value}`);
  return n;
};

/** `30,14,7,1,0` -> [30, 14, 7, 1, 0]; rejects anything that is not a list of whole days. */
export function parseThresholds(value: string): number[] {
  const list = value.split(',').map((s) => s.trim());
  const nums = list.map(Number);
  if (list.length === 0 || nums.some((n, i) => list[i] === '' || !Number.isInteger(n) || n < 0 || n > 3650)) {
    throw new CliError(
      'bad_flag',
      `alert thresholds must be whole days separated by commas (e.g. 30,14,7,1,0), got ${value}`,
    );
  }
  return [...new Set(nums)].sort((a, b) => b - a);
}

export function registerWatch(program: Command, context: () => Context): void {
  const report = program.command('report').description('licenses that need attention');
  const formats = (cmd: Command) =>
    cmd.option('--json', 'print { items } as JSON').option('--csv', 'print CSV with a header row');

  formats(
    report
      .command('expiring')
      .description('live licenses expiring within N days, soonest first')
      .addOption(new Option('--within-days <n>', 'days ahead').default(30).argParser(days('--within-days'))),
  ).action(async (opts: { withinDays: number; json?: boolean; csv?: boolean }) => {
    formatOf(opts);
    printLicenses(await expiringWithin(await openLedger(context()), opts.withinDays), opts);
  });

  formats(
    report
      .command('expired')
      .description('live licenses that expired within the last N days')
      .addOption(new Option('--within-days <n>', 'days back').default(30).argParser(days('--within-days'))),
  ).action(async (opts: { withinDays: number; json?: boolean; csv?: boolean }) => {
    formatOf(opts);
    printLicenses(await expiredWithin(await openLedger(context()), opts.withinDays), opts);
  });

  formats(
    report
      .command('not-installed')
      .description('live licenses created more than N days ago and not installed yet')
      .addOption(
        new Option('--older-than-days <n>', 'minimum age in days')
          .default(7)
          .argParser(days('--older-than-days')),
      ),
  ).action(async (opts: { olderThanDays: number; json?: boolean; csv?: boolean }) => {
    formatOf(opts);
    printLicenses(await notInstalled(await openLedger(context()), opts.olderThanDays), opts);
  });

  program
    .command('alerts')
    .description('evaluate the alert rules, deliver new alerts (console, webhook), print them')
    .option('--json', 'print { items } as JSON')
    .addOption(
      new Option('--thresholds <days>', 'alert schedule, days before expiry')
        .env('ALERT_THRESHOLDS')
        .default('30,14,7,1,0'),
    )
    .addOption(
      new Option('--webhook-url <url>', 'Slack-compatible webhook for new alerts').env('ALERT_WEBHOOK_URL'),
    )
    .action(async (opts: { json?: boolean; thresholds: string; webhookUrl?: string }) => {
      const thresholds = parseThresholds(opts.thresholds);
      const sinks: AlertSink[] = [consoleSink()];
      if (opts.webhookUrl) {
        if (!/^https?:\/\//.test(opts.webhookUrl))
          throw new CliError('bad_flag', 'the webhook URL must start with http:// or https://');
        sinks.push(webhookSink(opts.webhookUrl));
      }
      const result = await evaluateAlerts({
        ledger: await openLedger(context()),
        sinks,
        config: { ...DEFAULT_WATCH_CONFIG, thresholds },
      });
      for (const e of result.errors)
        log(`alert delivery to ${e.sink} failed: ${e.message} (will retry on the next run)`);
      if (opts.json) {
        printJson({ items: result.items, retried: result.retried, pending: result.pending });
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
    });
}
