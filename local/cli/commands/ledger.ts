// `licensewatch sync | connectors | licenses | license | history`: fill the ledger and read it back.
import type { Command } from 'commander';
import { licensesCsv } from '#api/csv';
import { createLedger, type Ledger } from '#ledger/ledger';
import { allLicenses, getLicense, licenseHistory, listConnectors } from '#ledger/queries';
import { getRun } from '#ledger/runs';
import { planSync, runPlan } from '#ledger/sync';
import type { LicenseView } from '#ledger/view';
import type { Context } from '../context.ts';
import { CliError, type Column, formatOf, log, printJson, printTable } from '../output.ts';
import { progressLine } from '../progress.ts';

export async function openLedger(context: Context, options: { metaCacheMs?: number } = {}): Promise<Ledger> {
  const store = await context.openStore();
  return createLedger(store.client, store.tableName, undefined, options);
}

export const LICENSE_COLUMNS: Column<LicenseView>[] = [
  { header: 'LICENSE', value: (l) => l.id },
  { header: 'CONNECTOR', value: (l) => l.connectorId },
  { header: 'EMAIL', value: (l) => l.email },
  { header: 'EDITION', value: (l) => l.edition },
  { header: 'EXPIRES', value: (l) => l.expires?.slice(0, 10) },
  { header: 'DAYS', value: (l) => l.daysToExpiry, align: 'right' },
  { header: 'STATUS', value: (l) => (l.deletedAt ? 'deleted' : l.expiry) },
  { header: 'INSTALLED', value: (l) => (l.installed ? 'yes' : 'no') },
];

/** Prints license views as JSON `{ items }`, CSV or a table. */
export function printLicenses(items: LicenseView[], opts: { json?: boolean; csv?: boolean }): void {
  const format = formatOf(opts);
  if (format === 'json') printJson({ items });
  else if (format === 'csv') process.stdout.write(licensesCsv(items));
  else printTable(items, LICENSE_COLUMNS, '(no licenses)');
}

export function registerLedger(program: Command, context: () => Context): void {
  program
    .command('sync')
    .description("walk every connector's licenses and record what changed (exit 2 if any connector failed)")
    .option('--json', 'print the run summary as JSON')
    .option('--concurrency <n>', 'connectors walked at once', (v) => positiveInt(v, '--concurrency'), 4)
    .action(async (opts: { json?: boolean; concurrency: number }) => {
      const ctx = context();
      const api = ctx.partnerApi();
      const ledger = await openLedger(ctx);
      const progress = progressLine();
      const plan = await planSync({ ledger, api });
      progress.update(`sync ${plan.runId}: ${plan.units.length} connector(s)`);
      let pages = 0;
      let done = 0;
      const runs = await runPlan(
        {
          ledger,
          api,
          onPage: ({ connectorId }) => {
            pages++;
            progress.update(
              `syncing: ${done}/${plan.units.length} connectors done, ${pages} page(s) read (${connectorId})`,
            );
          },
        },
        plan,
        opts.concurrency,
      ).finally(() => progress.done());
      done = runs.length;
      const summary = await getRun(ledger, plan.runId);
      const failed = runs.filter((r) => r.status === 'failed');
      if (opts.json) {
        printJson({ ...summary, connectorRecords: plan.connectors, connectors: runs });
      } else {
        printTable(runs, [
          { header: 'CONNECTOR', value: (r) => r.connectorId },
          { header: 'STATUS', value: (r) => r.status },
          { header: 'SEEN', value: (r) => r.counts.seen, align: 'right' },
          { header: 'NEW', value: (r) => r.counts.created, align: 'right' },
          { header: 'CHANGED', value: (r) => r.counts.updated, align: 'right' },
          { header: 'DELETED', value: (r) => r.counts.deleted, align: 'right' },
          { header: 'SAME', value: (r) => r.counts.unchanged, align: 'right' },
          { header: 'INVALID', value: (r) => r.counts.invalid, align: 'right' },
          { header: 'MS', value: (r) => r.durationMs, align: 'right' },
          { header: 'ERROR', value: (r) => r.error?.message },
        ]);
        const c = summary?.counts;
        if (c) {
          log(
            `run ${plan.runId}: ${runs.length - failed.length}/${runs.length} connector(s) completed; ` +
              `${c.seen} seen, ${c.created} new, ${c.updated} changed, ${c.deleted} deleted, ${c.unchanged} unchanged`,
          );
        }
      }
      if (failed.length > 0) {
        const first = failed[0]!;
        throw new CliError(
          'sync_failed',
          `${failed.length} connector(s) failed, first ${first.connectorId}: ${first.error?.message}`,
          2,
        );
      }
    });

  program
    .command('connectors')
    .description('connectors in the ledger, with their live license counts')
    .option('--json', 'print { items } as JSON')
    .action(async (opts: { json?: boolean }) => {
      const items = await listConnectors(await openLedger(context()));
      if (opts.json) return printJson({ items });
      printTable(
        items,
        [
          { header: 'CONNECTOR', value: (c) => c.id },
          { header: 'NAME', value: (c) => c.name },
          { header: 'LICENSES', value: (c) => c.licenses, align: 'right' },
          { header: 'LAST COMPLETE SYNC', value: (c) => c.lastCompleteWalkAt },
          { header: 'LAST WALK', value: (c) => (c.deletedAt ? 'deleted upstream' : c.lastWalk?.status) },
        ],
        '(no connectors: run `licensewatch sync` first)',
      );
    });

  program
    .command('licenses')
    .description('licenses in the ledger (live ones unless --include-deleted)')
    .option('--connector <id>', 'only this connector')
    .option('--include-deleted', 'also licenses gone upstream')
    .option('--json', 'print { items } as JSON')
    .option('--csv', 'print CSV with a header row')
    .action(async (opts: { connector?: string; includeDeleted?: boolean; json?: boolean; csv?: boolean }) => {
      formatOf(opts);
      const ledger = await openLedger(context());
      const items: LicenseView[] = [];
      for await (const view of allLicenses(ledger, {
        connectorId: opts.connector,
        includeDeleted: opts.includeDeleted,
      })) {
        items.push(view);
      }
      printLicenses(items, opts);
    });

  program
    .command('license <licenseId>')
    .description('one license as stored, with its derived status')
    .option('--json', 'print the license view as JSON')
    .action(async (licenseId: string, opts: { json?: boolean }) => {
      const view = await getLicense(await openLedger(context()), licenseId);
      if (!view)
        throw new CliError('not_found', `no license ${licenseId} in the ledger (run \`licensewatch sync\`?)`);
      if (opts.json) return printJson(view);
      const { raw: _raw, addonLicenses, ...fields } = view;
      printTable(Object.entries({ ...fields, addonLicenses: JSON.stringify(addonLicenses) }), [
        { header: 'FIELD', value: ([k]) => k },
        { header: 'VALUE', value: ([, v]) => (typeof v === 'string' ? v : JSON.stringify(v)) },
      ]);
    });

  program
    .command('history <licenseId>')
    .description("a license's versions, newest first")
    .option('--json', 'print { items } as JSON')
    .action(async (licenseId: string, opts: { json?: boolean }) => {
      const ledger = await openLedger(context());
      const items = [];
      let next: string | undefined;
      do {
        const page = await licenseHistory(ledger, licenseId, { limit: 1000, cursor: next });
        items.push(...page.items);
        next = page.nextCursor;
      } while (next);
      if (items.length === 0)
        throw new CliError('not_found', `no history for license ${licenseId} in the ledger`);
      if (opts.json) return printJson({ items });
      printTable(items, [
        { header: 'OBSERVED', value: (h) => h.observedAt },
        { header: 'CHANGE', value: (h) => h.change },
        { header: 'FIELDS', value: (h) => h.changes.join(', ') },
        { header: 'EXPIRES', value: (h) => (h.license as { expires?: string } | null)?.expires },
      ]);
    });
}

export function positiveInt(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new CliError('bad_flag', `${flag} must be a whole number >= 1, got ${value}`);
  return n;
}
