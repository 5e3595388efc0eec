// License views as RFC 4180 CSV (header row, CRLF, quoted where needed), the same columns as `licensewatch licenses --csv`.
import { stringify } from 'csv-stringify/sync';
import type { LicenseView } from '#ledger/schemas';

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
] as const;

/**
 * Text a spreadsheet would run as a formula (`=HYPERLINK(...)` in a user name) gets a leading apostrophe
 * (OWASP's CSV injection advice); numbers stay numbers.
 */
function defuse(value: string): string {
  return /^[=+\-@\t\r]/.test(value) && !/^-?\d+(\.\d+)?$/.test(value) ? `'${value}` : value;
}

export function licensesCsv(items: LicenseView[]): string {
  return stringify(
    items.map((view) => {
      const row: Record<string, unknown> = {};
      for (const column of LICENSE_CSV_COLUMNS) {
        const value = view[column];
        row[column] = typeof value === 'string' ? defuse(value) : value;
      }
      return row;
    }),
    {
      header: true,
      columns: [...LICENSE_CSV_COLUMNS],
      record_delimiter: '\r\n',
      cast: { boolean: (v) => String(v) },
    },
  );
}
