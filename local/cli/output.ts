// CLI output: one JSON document, CSV or a readable table on stdout; logs and errors on stderr.
export type Format = 'table' | 'json' | 'csv';

export function formatOf(opts: { json?: boolean; csv?: boolean }): Format {
  if (opts.json && opts.csv) throw new CliError('bad_flags', '--json and --csv cannot be used together');
  return opts.json ? 'json' : opts.csv ? 'csv' : 'table';
}

/** An error the CLI reports as one line and an exit code, without a stack trace. */
export class CliError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export interface Column<T> {
  header: string;
  value: (row: T) => unknown;
  align?: 'left' | 'right';
}

/** A plain aligned table; cells are cut at 48 characters so one row stays one line. */
export function renderTable<T>(rows: T[], columns: Column<T>[]): string {
  const cell = (v: unknown) => {
    const s = v === undefined || v === null ? '' : String(v);
    return s.length > 48 ? `${s.slice(0, 47)}…` : s;
  };
  const body = rows.map((r) => columns.map((c) => cell(c.value(r))));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...body.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((s, i) => (columns[i]!.align === 'right' ? s.padStart(widths[i]!) : s.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.header)), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join(
    '\n',
  );
}

export function printTable<T>(rows: T[], columns: Column<T>[], empty = '(none)'): void {
  process.stdout.write(`${rows.length ? renderTable(rows, columns) : empty}\n`);
}

export const log = (message: string) => process.stderr.write(`${message}\n`);
