// Declares `metrics` (monthly figures) and `customers` (one row per e-mail domain); actions load on use.
import type { Command } from 'commander';
import type { Context } from '../context.ts';

const actions = () => import('../actions/timeline.ts');

export function registerTimeline(program: Command, context: () => Context): void {
  program
    .command('metrics')
    .description(
      'monthly figures, the current month last: live, created, renewed, expired, installed, deleted, trials, renewal rate',
    )
    .option('--months <n>', 'how many months (1 to 120)', '12')
    .option('--account <name>', "only this partner account's")
    .option('--connector <id>', 'only this connector')
    .option('--json', 'print { items } as JSON')
    .option('--csv', 'print CSV with a header row')
    .action(async (opts) => (await actions()).metrics(context(), opts));

  program
    .command('customers')
    .description('customers by e-mail domain: live, installed, sandbox, next expiry, accounts, status')
    .option('--status <status>', 'only customers of this status: active, at-risk or lapsed')
    .option('--domain <domain>', 'only this domain')
    .option('--account <name>', "only this partner account's")
    .option('--json', 'print { items } as JSON')
    .option('--csv', 'print CSV with a header row')
    .action(async (opts) => (await actions()).customers(context(), opts));
}
