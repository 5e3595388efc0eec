// `sync`, `connectors`, `licenses`, `license`, `history`, `delete-license`: fill the ledger, read it back, change it.
import { licensesCsv } from '#api/csv';
import { asOf } from '#app/asof';
import { AppError } from '#app/errors';
import * as licensesApp from '#app/licenses';
import type { LicenseView } from '#ledger/schemas';
import type { Context } from '../context.ts';
import { CliError, type Column, formatOf, log, printJson, printTable } from '../output.ts';
import { runSync } from '../run.ts';

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

export async function sync(ctx: Context, opts: { json?: boolean; concurrency: number; deadline?: number }) {
  const { plan, runs, summary } = await runSync(await ctx.app(), {
    concurrency: opts.concurrency,
    ...(opts.deadline === undefined ? {} : { deadlineSeconds: opts.deadline }),
  });
  const failed = runs.filter((r) => r.status === 'failed');
  const skipped = runs.filter((r) => r.status === 'skipped');
  if (opts.json) {
    printJson({ ...summary, connectorRecords: plan.connectors, connectors: runs });
  } else {
    printTable(runs, [
      { header: 'CONNECTOR', value: (r) => r.connectorId },
      { header: 'STATUS', value: (r) => (r.reason ? `${r.status} (${r.reason})` : r.status) },
      { header: 'SEEN', value: (r) => r.counts.seen, align: 'right' },
      { header: 'NEW', value: (r) => r.counts.created, align: 'right' },
      { header: 'CHANGED', value: (r) => r.counts.updated, align: 'right' },
      { header: 'DELETED', value: (r) => r.counts.deleted, align: 'right' },
      { header: 'SAME', value: (r) => r.counts.unchanged, align: 'right' },
      { header: 'INVALID', value: (r) => r.counts.invalid, align: 'right' },
      { header: 'MS', value: (r) => r.durationMs, align: 'right' },
      { header: 'ERROR', value: (r) => r.error?.message },
    ]);
    const c = summary.counts;
    log(
      `run ${plan.runId}: ${runs.length - failed.length - skipped.length}/${runs.length} connector(s) completed; ` +
        `${c.seen} seen, ${c.created} new, ${c.updated} changed, ${c.deleted} deleted, ${c.unchanged} unchanged`,
    );
  }
  for (const r of skipped) log(`connector ${r.connectorId}: skipped, another walk of it is in progress`);
  for (const e of plan.accountErrors)
    log(
      `account ${e.account}: its connectors could not be listed (${e.code}: ${e.message}); none was walked`,
    );
  for (const r of runs.filter((x) => x.unidentifiable)) {
    log(
      `connector ${r.connectorId}: ${r.unidentifiable!.count} record(s) without a usable _id (offsets ${r.unidentifiable!.offsets.join(', ')}); no deletion was marked`,
    );
  }
  if (failed.length > 0) {
    const first = failed[0]!;
    throw new CliError(
      'sync_failed',
      `${failed.length} connector(s) failed, first ${first.connectorId}: ${first.error?.message}`,
      2,
    );
  }
  if (plan.accountErrors.length > 0) {
    const first = plan.accountErrors[0]!;
    throw new CliError('sync_failed', `account ${first.account} could not be listed: ${first.message}`, 2);
  }
}

export async function connectors(ctx: Context, opts: { json?: boolean; account?: string }) {
  const items = await licensesApp.connectors(await ctx.app(), { account: opts.account });
  if (opts.json) return printJson({ items });
  printTable(
    items,
    [
      { header: 'CONNECTOR', value: (c) => c.id },
      { header: 'NAME', value: (c) => c.name },
      { header: 'ACCOUNT', value: (c) => c.account },
      { header: 'LICENSES', value: (c) => c.licenses, align: 'right' },
      { header: 'LAST COMPLETE SYNC', value: (c) => c.lastCompleteWalkAt },
      { header: 'LAST WALK', value: (c) => (c.deletedAt ? 'deleted upstream' : c.lastWalk?.status) },
    ],
    '(no connectors: run `licensewatch sync` first)',
  );
}

export async function licenses(
  ctx: Context,
  opts: {
    connector?: string;
    includeDeleted?: boolean;
    account?: string;
    asOf?: string;
    json?: boolean;
    csv?: boolean;
  },
) {
  formatOf(opts);
  const query = { connectorId: opts.connector, includeDeleted: opts.includeDeleted, account: opts.account };
  const app = await ctx.app();
  const items = opts.asOf
    ? await asOf.allLicenses(app, opts.asOf, query)
    : await licensesApp.allLicenses(app, query);
  printLicenses(items, opts);
}

export async function license(ctx: Context, licenseId: string, opts: { asOf?: string; json?: boolean }) {
  const app = await ctx.app();
  const view = opts.asOf
    ? await asOf.license(app, licenseId, opts.asOf)
    : await licensesApp.findLicense(app, licenseId);
  if (!view)
    throw new CliError('not_found', `no license ${licenseId} in the ledger (run \`licensewatch sync\`?)`);
  if (opts.json) return printJson(view);
  printLicenseFields(view);
}

function printLicenseFields(view: LicenseView) {
  const { raw: _raw, addonLicenses, ...fields } = view;
  printTable(Object.entries({ ...fields, addonLicenses: JSON.stringify(addonLicenses) }), [
    { header: 'FIELD', value: ([k]) => k },
    { header: 'VALUE', value: ([, v]) => (typeof v === 'string' ? v : JSON.stringify(v)) },
  ]);
}

export async function history(ctx: Context, licenseId: string, opts: { json?: boolean }) {
  const items = await licensesApp.history(await ctx.app(), licenseId).catch((error) => {
    if (!(error instanceof AppError && error.code === 'not_found')) throw error;
    throw new CliError('not_found', `no history for license ${licenseId} in the ledger`);
  });
  if (opts.json) return printJson({ items });
  printTable(items, [
    { header: 'OBSERVED', value: (h) => h.observedAt },
    { header: 'CHANGE', value: (h) => h.change },
    { header: 'FIELDS', value: (h) => h.changes.join(', ') },
    { header: 'EXPIRES', value: (h) => (h.license as { expires?: string } | null)?.expires },
  ]);
}

export async function deleteLicense(
  ctx: Context,
  connectorId: string,
  licenseId: string,
  opts: { yes?: boolean; json?: boolean },
) {
  const { ID_RULE, isRecordId } = await import('#celigo/schemas');
  for (const [name, id] of [
    ['connectorId', connectorId],
    ['licenseId', licenseId],
  ] as const) {
    if (!isRecordId(id)) throw new CliError('bad_argument', `${name} ${ID_RULE}`);
  }
  const app = await ctx.app();
  const known = await licensesApp.findLicense(app, licenseId);
  if (known && known.connectorId !== connectorId)
    throw new CliError(
      'bad_argument',
      `license ${licenseId} belongs to connector ${known.connectorId}, not ${connectorId}`,
    );
  if (!opts.yes) {
    const who = known
      ? ` (${known.email ?? 'unknown user'}, expires ${known.expires?.slice(0, 10) ?? '?'})`
      : '';
    throw new CliError(
      'confirmation_required',
      `would delete license ${licenseId}${who} of connector ${connectorId} upstream, for good; run again with --yes`,
    );
  }
  const view = await licensesApp.deleteLicense(app, connectorId, licenseId);
  if (opts.json) return printJson(view ?? { id: licenseId, connectorId, deleted: true });
  log(`deleted license ${licenseId} of connector ${connectorId} upstream${view ? ' and recorded it' : ''}`);
}
