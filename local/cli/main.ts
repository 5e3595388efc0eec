// The licensewatch CLI: global flags, commands, and the one place errors become a line on stderr and an exit code.
import { Command, CommanderError } from 'commander';
import { registerEmulator } from './commands/emulator.ts';
import { registerFetch } from './commands/fetch.ts';
import { registerLedger } from './commands/ledger.ts';
import { registerWatch } from './commands/watch.ts';
import { Context, type GlobalOptions, globalOptions } from './context.ts';
import { CliError } from './output.ts';

const program = new Command('licensewatch')
  .description(
    "Keeps a Celigo partner's connector licenses under watch: sync, history, reports, alerts, HTTP API.",
  )
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();
for (const option of globalOptions()) program.addOption(option);

let current: Context | undefined;
const context = () => {
  current ??= new Context(program.opts<GlobalOptions>());
  return current;
};

registerFetch(program, context);
registerLedger(program, context);
registerWatch(program, context);
registerEmulator(program);

try {
  await program.parseAsync(process.argv);
  await current?.close();
} catch (error) {
  await current?.close().catch(() => undefined);
  process.exitCode = report(error, program.opts<GlobalOptions>().verbose === true);
}

/** Prints one line naming the cause (a stack trace only with --verbose) and returns the exit code. */
function report(error: unknown, verbose: boolean): number {
  if (error instanceof CommanderError) return error.exitCode; // commander already printed it
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`licensewatch: ${message.split('\n')[0]}\n`);
  if (verbose && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  return error instanceof CliError ? error.exitCode : 1;
}
