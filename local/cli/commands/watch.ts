// Declares `report expiring|expired|not-installed` and `alerts`; actions load on use.
import { type Command, Option } from 'commander';
import { DEFAULTS } from '#functions/defaults';
import type { Context } from '../context.ts';
import { parsedBy } from '../settings.ts';

const actions = () => import('../actions/watch.ts');
/** A number of days, parsed by the shared parser when the command runs; blank means the default. */
const days = (flags: string, description: string, fallback: number) =>
  parsedBy(new Option(flags, description).default(fallback), (s) => s.days(fallback));
const formats = (cmd: Command) =>
  cmd
    .option('--account <name>', "only this partner account's")
    .option('--json', 'print { items } as JSON')
    .option('--csv', 'print CSV with a header row');

export function registerWatch(program: Command, context: () => Context): void {
  const report = program.command('report').description('licenses that need attention');

  formats(
    report
      .command('expiring')
      .description('live licenses expiring within N days, soonest first')
      .addOption(days('--within-days <n>', 'days ahead', DEFAULTS.expiringDays)),
  ).action(async (opts) => (await actions()).report(context(), 'expiring', opts));

  formats(
    report
      .command('expired')
      .description('live licenses that expired within the last N days')
      .addOption(days('--within-days <n>', 'days back', DEFAULTS.expiredWithinDays)),
  ).action(async (opts) => (await actions()).report(context(), 'expired', opts));

  formats(
    report
      .command('not-installed')
      .description('live licenses created more than N days ago and not installed yet')
      .addOption(days('--older-than-days <n>', 'minimum age in days', DEFAULTS.notInstalledDays)),
  ).action(async (opts) => (await actions()).report(context(), 'not-installed', opts));

  program
    .command('alerts')
    .description('evaluate the alert rules, deliver new alerts (console, webhook), print them')
    .option('--json', 'print { items } as JSON')
    .addOption(
      new Option('--thresholds <days>', 'alert schedule, days before expiry')
        .env('ALERT_THRESHOLDS')
        .default(DEFAULTS.thresholds)
        .argParser((v) => v),
    )
    .addOption(
      new Option('--webhook-url <url>', 'Slack-compatible webhook for new alerts').env('ALERT_WEBHOOK_URL'),
    )
    .option(
      '--webhook-secret-file <path>',
      'sign every webhook POST with the secret in this file (or the secret itself in ALERT_WEBHOOK_SECRET)',
    )
    .addOption(
      new Option(
        '--webhook-rules <names>',
        'only these rules go to the webhook (comma list; default all)',
      ).env('ALERT_WEBHOOK_RULES'),
    )
    .addOption(
      parsedBy(
        new Option(
          '--alert-format <format>',
          "the webhook's messages: digest (one per run) or each (per alert)",
        )
          .env('ALERT_FORMAT')
          .default(DEFAULTS.alertFormat),
        (s) => s.alertFormat,
      ),
    )
    .addOption(
      parsedBy(
        new Option(
          '--time-limit <seconds>',
          'leave within this many seconds, delivering what the rules read by then (the next run goes on)',
        ),
        (s) => s.positiveInt,
      ),
    )
    .action(async (opts) => (await actions()).alerts(context(), opts));
}
