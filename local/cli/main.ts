// The licensewatch CLI: global flags, the commands (each loads its modules only when it runs), and the one place
// errors become a line on stderr and an exit code.
import { Command, CommanderError } from 'commander';
import { AppError } from '#app/errors';
import { registerFetch } from './commands/fetch.ts';
import { registerInstalls } from './commands/installs.ts';
import { registerLedger } from './commands/ledger.ts';
import { registerPortfolio } from './commands/portfolio.ts';
import { registerServing } from './commands/serving.ts';
import { registerStore } from './commands/store.ts';
import { registerTimeline } from './commands/timeline.ts';
import { registerWatch } from './commands/watch.ts';
import { Context, type GlobalOptions, globalOptions } from './context.ts';
import { CliError } from './output.ts';
import { parseMarkedOptions } from './settings.ts';

const program = new Command('licensewatch')
  .description(
    "Keeps a Celigo partner's connector licenses under watch: sync, history, reports, alerts, HTTP API.",
  )
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride()
  // Flag values are checked by the shared parsers only when a command runs: `--help` never loads them.
  .hook('preAction', parseMarkedOptions);
for (const option of globalOptions()) program.addOption(option);

let current: Context | undefined;
const context = () => {
  current ??= new Context(program.opts<GlobalOptions>(), program);
  return current;
};

registerFetch(program, context);
registerLedger(program, context);
registerPortfolio(program, context);
registerTimeline(program, context);
registerWatch(program, context);
registerInstalls(program, context);
registerServing(program, context);
registerStore(program, context);

try {
  await program.parseAsync(process.argv);
  await current?.close();
} catch (error) {
  await current?.close().catch(() => undefined);
  process.exitCode = report(error, program.opts<GlobalOptions>().verbose === true);
}

/** The network failure behind an AWS SDK error (the store went away), if that is what it is. */
function storeUnreachable(error: unknown): string | undefined {
  const e = error as { code?: string; name?: string; cause?: { code?: string } };
  const code = e?.code ?? e?.cause?.code ?? e?.name;
  const reasons: Record<string, string> = {
    ECONNREFUSED: 'connection refused',
    ECONNRESET: 'connection reset',
    EPIPE: 'connection closed',
    ETIMEDOUT: 'timed out',
    TimeoutError: 'timed out',
    EHOSTUNREACH: 'host unreachable',
  };
  return code ? reasons[code] : undefined;
}

/** Prints one line naming the cause (a stack trace only with --verbose) and returns the exit code. */
function report(error: unknown, verbose: boolean): number {
  if (error instanceof CommanderError) return error.exitCode; // commander already printed it
  const unreachable = current?.storeLabel ? storeUnreachable(error) : undefined;
  const message = unreachable
    ? `cannot reach ${current!.storeLabel}: ${unreachable}`
    : error instanceof Error
      ? error.message
      : String(error);
  process.stderr.write(`licensewatch: ${message.split('\n')[0]}\n`);
  if (verbose && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  if (error instanceof CliError) return error.exitCode;
  // A use case refused because of the ledger's state (an account no longer configured): 2, like a failed sync.
  return error instanceof AppError && error.kind === 'conflict' ? 2 : 1;
}
