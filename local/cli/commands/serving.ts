// Declares `serve`, `emulator` and `demo` (what `npm start` runs); actions load on use.
import { type Command, Option } from 'commander';
import { allowedHostOption, allowedHostsOf } from '#local/serve/hosts';
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
    .addOption(allowedHostOption())
    // Allowed hosts are checked before the store opens, so a bad value fails at once.
    .action(async (opts, command: Command) =>
      (await actions()).serve(context(), { ...opts, allowedHosts: allowedHostsOf(command) }),
    );

  program
    .command('emulator')
    .description('run the Partner API emulator (demo data) on 127.0.0.1')
    .addOption(
      new Option('--port <n>', 'port to listen on').env('EMULATOR_PORT').default(4010).argParser(parsePort),
    )
    .addOption(
      new Option('--latency <ms>', 'delay every response by this many ms').default(0).argParser(Number),
    )
    .addOption(allowedHostOption())
    .action(async (opts, command: Command) =>
      (await actions()).emulator({ ...opts, allowedHosts: allowedHostsOf(command) }),
    );

  program
    .command('demo')
    .description('npm start: emulator + embedded store + sync + alerts + the HTTP API, until Ctrl-C')
    .addOption(
      new Option('--port <n>', 'port for the HTTP API').env('PORT').default(3000).argParser(parsePort),
    )
    .addOption(
      new Option('--webhook-url <url>', 'also send new alerts to this webhook').env('ALERT_WEBHOOK_URL'),
    )
    .addOption(allowedHostOption())
    // They apply to the HTTP API; the demo's emulator is for this process alone and answers only loopback names.
    .action(async (opts, command: Command) =>
      (await actions()).demo(context(), { ...opts, allowedHosts: allowedHostsOf(command) }),
    );
}
