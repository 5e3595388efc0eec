// Declares `fetch connectors` and `fetch licenses`: what the Partner API says right now, nothing stored.
import type { Command } from 'commander';
import type { Context } from '../context.ts';

const actions = () => import('../actions/fetch.ts');

export function registerFetch(program: Command, context: () => Context): void {
  const fetch = program
    .command('fetch')
    .description('print what the Partner API says right now (nothing is stored)');
  fetch
    .command('connectors')
    .description('list every connector')
    .option('--account <name>', 'the partner account to ask (needed with several)')
    .option('--json', 'print the raw records as one JSON array')
    .action(async (opts) => (await actions()).connectors(context(), opts));
  fetch
    .command('licenses <connectorId>')
    .description('list every license of a connector')
    .option('--account <name>', 'the partner account to ask (needed with several)')
    .option('--json', 'print the raw records as one JSON array')
    .action(async (connectorId: string, opts) => (await actions()).licenses(context(), connectorId, opts));
}
