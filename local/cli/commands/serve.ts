// `licensewatch serve`: the HTTP API (and dashboard) on 127.0.0.1 over the ledger, until Ctrl-C.
import { type Command, Option } from 'commander';
import { createApp } from '#api/app';
import { allowedHostOption, allowedHostsOf } from '#local/serve/hosts';
import { serveApp } from '#local/serve/server';
import type { Context } from '../context.ts';
import { log } from '../output.ts';
import { parsePort, untilSignal } from './emulator.ts';
import { openLedger } from './ledger.ts';

export function registerServe(program: Command, context: () => Context): void {
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
    .action(async (opts: { port: number }, command: Command) => {
      // Checked before the store opens, so a bad value fails at once.
      const allowedHosts = allowedHostsOf(command);
      const ctx = context();
      const ledger = await openLedger(ctx, { metaCacheMs: 5_000 });
      // Built on the first write only: reads work with no token, and a write without one answers 503.
      const app = createApp({ ledger, partnerApi: () => ctx.partnerApi(), log });
      const server = await serveApp(app, { port: opts.port, allowedHosts, log });
      log(`licensewatch API on ${server.url} (dashboard ${server.url}/, OpenAPI ${server.url}/openapi.json)`);
      log('Ctrl-C to stop');
      await untilSignal();
      await server.close();
    });
}
