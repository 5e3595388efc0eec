// Declares `find` (a customer's licenses) and `changes` (what changed across the portfolio); actions load on use.
import { type Command, Option } from 'commander';
import { CHANGE_ITEM_KINDS } from '#app/vocabulary';
import { DEFAULTS } from '#functions/defaults';
import type { Context } from '../context.ts';
import { parsedBy } from '../settings.ts';

const actions = () => import('../actions/portfolio.ts');

export function registerPortfolio(program: Command, context: () => Context): void {
  program
    .command('find <customer>')
    .description(
      "a customer's licenses: an e-mail address (any case), or @domain for every license of that domain",
    )
    .option('--include-deleted', 'also licenses gone upstream')
    .option('--account <name>', "only this partner account's")
    .option('--as-of <iso>', 'as the ledger held them at this moment (ISO 8601 date or date-time)')
    .option('--json', 'print { items } as JSON')
    .option('--csv', 'print CSV with a header row')
    .action(async (customer: string, opts) => (await actions()).find(context(), customer, opts));

  program
    .command('changes')
    .description(
      "what changed across the portfolio, newest first (a connector's first sync is its baseline, not news)",
    )
    .option('--since <when>', 'days back (7d) or an ISO 8601 date or date-time', '7d')
    .option('--connector <id>', 'only this connector')
    .addOption(new Option('--kind <kind>', 'only this kind of change').choices([...CHANGE_ITEM_KINDS]))
    .option('--include-baseline', "also what each connector's first sync recorded")
    .option('--account <name>', "only this partner account's")
    .option('--json', 'print { items } as JSON (with --follow: one JSON line per change)')
    .option('--csv', 'print CSV with a header row (every page)')
    .option('--follow', 'from now on, print each change as it is committed, oldest first, until Ctrl-C')
    .addOption(
      parsedBy(
        new Option('--interval <seconds>', 'with --follow: seconds between polls')
          .env('LICENSEWATCH_FOLLOW_INTERVAL')
          .default(DEFAULTS.followIntervalSeconds),
        (s) => s.positiveInt,
      ),
    )
    .addOption(
      parsedBy(
        new Option(
          '--settle <seconds>',
          'with --follow: how long a write may be in flight before it is shown',
        )
          .env('LICENSEWATCH_FEED_SETTLE')
          .default(DEFAULTS.feedSettleSeconds),
        (s) => s.positiveInt,
      ),
    )
    .action(async (opts) => {
      const act = await actions();
      return opts.follow ? act.follow(context(), opts) : act.changes(context(), opts);
    });
}
