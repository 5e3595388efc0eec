// Declares `report expiring|expired|not-installed` and `alerts`; actions load on use.
import { type Command, Option } from 'commander';
import { DEFAULTS, parseSetting, setting } from '#functions/config';
import type { Context } from '../context.ts';

const actions = () => import('../actions/watch.ts');
const days = (flag: string, fallback: number) => (value: string) =>
  parseSetting(setting.days(fallback), value, flag);
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
      .addOption(
        new Option('--within-days <n>', 'days ahead')
          .default(DEFAULTS.expiringDays)
          .argParser(days('--within-days', DEFAULTS.expiringDays)),
      ),
  ).action(async (opts) => (await actions()).report(context(), 'expiring', opts));

  formats(
    report
      .command('expired')
      .description('live licenses that expired within the last N days')
      .addOption(
        new Option('--within-days <n>', 'days back')
          .default(DEFAULTS.expiredWithinDays)
          .argParser(days('--within-days', DEFAULTS.expiredWithinDays)),
      ),
  ).action(async (opts) => (await actions()).report(context(), 'expired', opts));

  formats(
    report
      .command('not-installed')
      .description('live licenses created more than N days ago and not installed yet')
      .addOption(
        new Option('--older-than-days <n>', 'minimum age in days')
          .default(DEFAULTS.notInstalledDays)
          .argParser(days('--older-than-days', DEFAULTS.notInstalledDays)),
      ),
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
    .action(async (opts) => (await actions()).alerts(context(), opts));
}
