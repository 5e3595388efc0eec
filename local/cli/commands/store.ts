// `licensewatch store status | stop | migrate`: the embedded store kept warm between commands, and the table's upgrades.
import type { Command } from 'commander';
import type { Context } from '../context.ts';
import { printJson } from '../output.ts';

function until(iso: string): string {
  const seconds = Math.max(0, Math.round((Date.parse(iso) - Date.now()) / 1000));
  return seconds < 120 ? `in ${seconds} s` : `in ${Math.round(seconds / 60)} min`;
}

export function registerStore(program: Command, context: () => Context): void {
  const store = program
    .command('store')
    .description('the embedded store, kept running between commands for --store-idle minutes');

  store
    .command('status')
    .description("whether the data dir's store runs, and where (exit 0 either way)")
    .option('--json', 'print the status as JSON')
    .action(async (opts: { json?: boolean }) => {
      const { storeStatus } = await import('#local/store/warm');
      const status = storeStatus(context().options.dataDir);
      if (opts.json) {
        printJson(status);
        return;
      }
      if (!status.running) {
        process.stdout.write(`not running (data dir ${status.dataDir})\n`);
        return;
      }
      const stop =
        status.idleStopAt === null
          ? `none while pid ${status.heldBy.join(', ')} holds it`
          : `${status.idleStopAt} (${until(status.idleStopAt)}) unless a command uses it`;
      const lines = [
        `running   DynamoDB Local for ${status.dataDir}`,
        `endpoint  ${status.endpoint}`,
        `pid       ${status.pid} (java ${status.javaPid})`,
        `started   ${status.startedAt}`,
        `idle stop ${stop}`,
        `log       ${status.log}`,
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    });

  store
    .command('migrate')
    .description(
      "apply the table's pending upgrades now (every command does so first) and list each step; exit 0 when none is left but those an `alerts` run applies",
    )
    .option('--json', 'print the report and the steps as JSON')
    .action(async (opts: { json?: boolean }) => {
      const ledger = await context().ledger({ migrate: false });
      const report = await ledger.migrate();
      const status = await ledger.schemaStatus();
      if (opts.json) {
        printJson({ ...report, steps: status.steps });
        return;
      }
      const lines = [`schema version ${status.version} of ${status.latest}`];
      for (const step of status.steps) {
        const ran = report.ran.find((r) => r.name === step.name);
        const state = step.appliedAt
          ? `applied ${step.appliedAt}`
          : step.runs === 'sinks'
            ? 'pending: the next `alerts` run with its sinks applies it'
            : 'pending: cut short, run again to go on';
        const now = ran ? ` (this run: ${ran.items} item${ran.items === 1 ? '' : 's'}, ${ran.ms} ms)` : '';
        lines.push(`  ${step.name}  ${state}${now}`);
      }
      process.stdout.write(`${lines.join('\n')}\n`);
      if (status.steps.some((s) => !s.appliedAt && s.runs === 'data')) process.exitCode = 1;
    });

  store
    .command('stop')
    .description("stop the data dir's store now (exit 0 if it was not running)")
    .action(async () => {
      const dataDir = context().options.dataDir;
      const { stopStore } = await import('#local/store/warm');
      const result = await stopStore(dataDir);
      const held = result.heldBy?.length ? ` (pid ${result.heldBy.join(', ')} still had it open)` : '';
      const line =
        result.stopped === 'store'
          ? `stopped the store (pid ${result.pid})${held}`
          : result.stopped === 'orphan'
            ? `stopped DynamoDB Local pid ${result.pid}, left behind by a store that was killed`
            : 'no store running';
      process.stdout.write(`${line} for ${dataDir}\n`);
    });
}
