// `licensewatch emulator`: the Partner API emulator with its demo data, until Ctrl-C.
import { type Command, Option } from 'commander';
import { startEmulator } from '#local/emulator/index';
import { allowedHostOption, allowedHostsOf } from '#local/serve/hosts';
import { log } from '../output.ts';

export function registerEmulator(program: Command): void {
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
    .action(async (opts: { port: number; latency: number }, command: Command) => {
      const token = process.env.CELIGO_API_TOKEN || 'local-dev-token';
      const emulator = await startEmulator({
        port: opts.port,
        token,
        latencyMs: opts.latency,
        allowedHosts: allowedHostsOf(command),
        log,
      });
      log(
        `Partner API emulator on ${emulator.url} (bearer token from CELIGO_API_TOKEN, default local-dev-token)`,
      );
      log('Ctrl-C to stop');
      await untilSignal();
      await emulator.close();
    });
}

export function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`not a port number: ${value}`);
  return port;
}

/** Resolves on the first SIGINT or SIGTERM, so long-running commands can close what they opened. */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const done = (signal: NodeJS.Signals) => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve(signal);
    };
    process.on('SIGINT', done);
    process.on('SIGTERM', done);
  });
}
