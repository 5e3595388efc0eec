// Declares `installs` and `push-update`; actions load on use.
import { type Command, Option } from 'commander';
import type { Context } from '../context.ts';
import { parsedBy } from '../settings.ts';

const actions = () => import('../actions/installs.ts');

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function registerInstalls(program: Command, context: () => Context): void {
  program
    .command('installs')
    .description(
      "where connectors are installed: each integration's version, outdated or not (as of the last sync)",
    )
    .option('--connector <id>', 'only this connector')
    .option('--outdated', "only installs behind their connector's newest version")
    .option('--account <name>', "only this partner account's")
    .option('--json', 'print { items } as JSON')
    .option('--csv', 'print CSV with a header row')
    .action(async (opts) => (await actions()).installs(context(), opts));

  program
    .command('push-update <connectorId>')
    .description(
      'push a connector update to integrations (says what it would push, and exits 1, without --yes); later batches go with each sync',
    )
    .option('--integration <id>', 'an integration to update (repeat for several)', collect)
    .option('--outdated', "every install behind the connector's newest version")
    .option('--sandbox-first', 'production integrations only once every sandbox one has updated')
    .addOption(
      parsedBy(
        new Option(
          '--batch-size <n>',
          'integrations per batch; the next goes once the one before has updated',
        ),
        (s) => s.positiveInt,
      ),
    )
    .option('--yes', 'really push it')
    .option('--json', 'print the push as JSON')
    .action(async (connectorId: string, opts) => (await actions()).pushUpdate(context(), connectorId, opts));

  program
    .command('pushes [pushId]')
    .description('update pushes, newest first, or one push with the state of each integration')
    .option('--json', 'print JSON')
    .action(async (pushId: string | undefined, opts) => (await actions()).pushes(context(), pushId, opts));
}
