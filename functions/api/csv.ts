// License views and change items as RFC 4180 CSV (header row, CRLF, quoted where needed), the same columns over
// HTTP and in the CLI (`licenses --csv`, `changes --csv`).
import { stringify } from 'csv-stringify/sync';
import type { CustomerRow } from '#app/customers';
import type { MonthlyFigures } from '#app/metrics';
import type { InstallView } from '#ledger/install-schemas';
import type { ChangeItem, LicenseView } from '#ledger/schemas';

export const LICENSE_CSV_COLUMNS = [
  'id',
  'connectorId',
  'email',
  'userId',
  'userName',
  'integrationId',
  'edition',
  'expires',
  'created',
  'installed',
  'daysToExpiry',
  'expiry',
  'firstSeenAt',
  'lastSeenAt',
  'deletedAt',
  // Last, so readers of the columns before accounts existed still find theirs where they were.
  'account',
  // After it, for the same reason: trials and sandboxes came later still.
  'sandbox',
  'type',
  'trialEndDate',
  'daysToTrialEnd',
  'trial',
] as const;

export const CHANGE_CSV_COLUMNS = [
  'observedAt',
  'kind',
  'licenseId',
  'connectorId',
  'account',
  'email',
  'changes',
] as const;

/**
 * Text a spreadsheet would run as a formula (`=HYPERLINK(...)` in a user name) gets a leading apostrophe
 * (OWASP's CSV injection advice); numbers stay numbers.
 */
function defuse(value: string): string {
  return /^[=+\-@\t\r]/.test(value) && !/^-?\d+(\.\d+)?$/.test(value) ? `'${value}` : value;
}

function toCsv<T extends object>(
  items: T[],
  columns: readonly (keyof T & string)[],
  options: { header?: boolean } = {},
): string {
  return stringify(
    items.map((item) => {
      const row: Record<string, unknown> = {};
      for (const column of columns) {
        const value = item[column];
        row[column] = typeof value === 'string' ? defuse(value) : value;
      }
      return row;
    }),
    {
      header: options.header ?? true,
      columns: [...columns],
      record_delimiter: '\r\n',
      cast: { boolean: (v) => String(v) },
    },
  );
}

export function licensesCsv(items: LicenseView[]): string {
  return toCsv(items, LICENSE_CSV_COLUMNS);
}

/** Change items, `changes` as one cell of space-separated field paths; `header: false` continues an export. */
export function changesCsv(items: ChangeItem[], options: { header?: boolean } = {}): string {
  const rows = items.map((c) => ({ ...c, changes: c.changes.join(' ') }));
  return toCsv(rows, CHANGE_CSV_COLUMNS, options);
}

export const INSTALL_CSV_COLUMNS = [
  'integrationId',
  'connectorId',
  'account',
  'email',
  'name',
  'version',
  'outdated',
  'sandbox',
  'updateInProgress',
  'licenseId',
  'firstSeenAt',
  'lastSeenAt',
  'removedAt',
] as const;

export function installsCsv(items: InstallView[]): string {
  return toCsv(items, INSTALL_CSV_COLUMNS);
}

export const METRICS_CSV_COLUMNS = [
  'month',
  'live',
  'created',
  'renewed',
  'expired',
  'installed',
  'deleted',
  'trialsStarted',
  'converted',
  'renewalRate',
] as const satisfies readonly (keyof MonthlyFigures)[];

/** Monthly figures, one row a month; the rate as a decimal, empty when null. */
export function metricsCsv(items: MonthlyFigures[]): string {
  return toCsv(items, METRICS_CSV_COLUMNS);
}

export const CUSTOMER_CSV_COLUMNS = [
  'domain',
  'licenses',
  'installed',
  'sandbox',
  'nextExpiry',
  'accounts',
  'status',
] as const;

/** Customers, `accounts` as one cell of space-separated names. */
export function customersCsv(items: CustomerRow[]): string {
  return toCsv(
    items.map((r) => ({ ...r, accounts: r.accounts.join(' ') })),
    CUSTOMER_CSV_COLUMNS,
  );
}
