// Declares `sync`, `connectors`, `licenses`, `license`, `history`, `delete-license`; actions load on use.
import { type Command, Option } from 'commander';
import type { Context } from '../context.ts';
import { parsedBy } from '../settings.ts';

const actions = () => import('../actions/ledger.ts');

export function registerLedger(program: Command, context: () => Context): void {
  program
    .command('sync')
    .description(
      "walk every connector's licenses and record what changed (exit 2 if any connector failed; a connector another walk holds is skipped)",
    )
    .option('--json', 'print the run summary as JSON')
    .addOption(
      parsedBy(new Option('--concurrency <n>', 'connectors walked at once').default(4), (s) => s.positiveInt),
    )
    .addOption(
      parsedBy(
        new Option(
          '--deadline <seconds>',
          'walks leave after this long, keeping their progress (the next sync resumes them)',
        ).env('SYNC_DEADLINE_SECONDS'),
        (s) => s.positiveInt,
      ),
    )
    .action(async (opts) => (await actions()).sync(context(), opts));

  program
    .command('connectors')
    .description('connectors in the ledger, with their live license counts')
    .option('--account <name>', "only this partner account's")
    .option('--json', 'print { items } as JSON')
    .action(async (opts) => (await actions()).connectors(context(), opts));

  program
    .command('licenses')
    .description('licenses in the ledger (live ones unless --include-deleted)')
    .option('--connector <id>', 'only this connector')
    .option('--include-deleted', 'also licenses gone upstream')
    .option('--account <name>', "only this partner account's")
    .option('--as-of <iso>', 'as the ledger held them at this moment (ISO 8601 date or date-time)')
    .option('--json', 'print { items } as JSON')
    .option('--csv', 'print CSV with a header row')
    .action(async (opts) => (await actions()).licenses(context(), opts));

  program
    .command('license <licenseId>')
    .description('one license as stored, with its derived status')
    .option('--as-of <iso>', 'as the ledger held it at this moment (ISO 8601 date or date-time)')
    .option('--json', 'print the license view as JSON')
    .action(async (licenseId: string, opts) => (await actions()).license(context(), licenseId, opts));

  program
    .command('history <licenseId>')
    .description("a license's versions, newest first")
    .option('--json', 'print { items } as JSON')
    .action(async (licenseId: string, opts) => (await actions()).history(context(), licenseId, opts));

  program
    .command('delete-license <connectorId> <licenseId>')
    .description(
      'delete a license upstream and record the deletion (says what it would delete without --yes)',
    )
    .option('--yes', 'really delete it')
    .option('--json', 'print the license as recorded, as JSON')
    .action(async (connectorId: string, licenseId: string, opts) =>
      (await actions()).deleteLicense(context(), connectorId, licenseId, opts),
    );
}
