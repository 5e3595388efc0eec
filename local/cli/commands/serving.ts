// Declares `serve`, `emulator` and `demo` (what `npm start` runs); actions load on use.
import { type Command, Option } from 'commander';
import type { Context } from '../context.ts';
import { parsePort } from '../ports.ts';

const actions = () => import('../actions/serving.ts');

export function registerServing(program: Command, context: () => Context): void {
  program
    .command('serve')
    .description('serve the HTTP API and dashboard on 127.0.0.1 (writes need a Partner API token)')
    .addOption(
      new Option('--port <n>', 'port to listen on (0: any free port)')
        .env('PORT')
        .default(3000)
        .argParser(parsePort),
    )
    .action(async (opts) => (await actions()).serve(context(), opts));

  program
    .command('emulator')
    .description('run the Partner API emulator (demo data) on 127.0.0.1')
    .addOption(
      new Option('--port <n>', 'port to listen on').env('EMULATOR_PORT').default(4010).argParser(parsePort),
    )
    .addOption(
      new Option('--latency <ms>', 'delay every response by this many ms').default(0).argParser(Number),
    )
    .action(async (opts) => (await actions()).emulator(opts));

  program
    .command('demo')
    .description('npm start: emulator + embedded store + sync + alerts + the HTTP API, until Ctrl-C')
    .addOption(
      new Option('--port <n>', 'port for the HTTP API').env('PORT').default(3000).argParser(parsePort),
    )
    .addOption(
      new Option('--webhook-url <url>', 'also send new alerts to this webhook').env('ALERT_WEBHOOK_URL'),
    )
    .action(async (opts) => (await actions()).demo(context(), opts));
}
