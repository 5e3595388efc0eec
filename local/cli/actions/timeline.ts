// `metrics` and `customers`: the portfolio over time and by customer, through the use cases in functions/app.
import { customersCsv, metricsCsv } from '#api/csv';
import { type CustomerRow, listCustomers, parseStatus } from '#app/customers';
import { monthlyMetrics } from '#app/metrics';
import type { Context } from '../context.ts';
import { formatOf, printJson, printTable } from '../output.ts';

/** `--months 6`: digits only (the use case says which range it takes). */
const wholeOrNaN = (text: string) => (/^\d{1,7}$/.test(text) ? Number(text) : Number.NaN);

const percent = (rate: number | null) => (rate === null ? '' : `${(rate * 100).toFixed(1)}%`);

export async function metrics(
  ctx: Context,
  opts: { months: string; account?: string; connector?: string; json?: boolean; csv?: boolean },
) {
  const format = formatOf(opts);
  const items = await monthlyMetrics(await ctx.ledger(), {
    months: wholeOrNaN(opts.months),
    account: opts.account,
    connectorId: opts.connector,
    accounts: await ctx.accountNames(),
  });
  if (format === 'json') return printJson({ items });
  if (format === 'csv') return void process.stdout.write(metricsCsv(items));
  printTable(items, [
    { header: 'MONTH', value: (f) => f.month },
    { header: 'LIVE', value: (f) => f.live, align: 'right' },
    { header: 'CREATED', value: (f) => f.created, align: 'right' },
    { header: 'RENEWED', value: (f) => f.renewed, align: 'right' },
    { header: 'EXPIRED', value: (f) => f.expired, align: 'right' },
    { header: 'INSTALLED', value: (f) => f.installed, align: 'right' },
    { header: 'DELETED', value: (f) => f.deleted, align: 'right' },
    { header: 'TRIALS', value: (f) => f.trialsStarted, align: 'right' },
    { header: 'CONVERTED', value: (f) => f.converted, align: 'right' },
    { header: 'RENEWAL RATE', value: (f) => percent(f.renewalRate), align: 'right' },
  ]);
}

export async function customers(
  ctx: Context,
  opts: { status?: string; domain?: string; account?: string; json?: boolean; csv?: boolean },
) {
  const format = formatOf(opts);
  const ledger = await ctx.ledger();
  const query = {
    status: parseStatus(opts.status),
    domain: opts.domain?.replace(/^@/, ''),
    account: opts.account,
    accounts: await ctx.accountNames(),
  };
  const items: CustomerRow[] = [];
  let cursor: string | undefined;
  do {
    const page = await listCustomers(ledger, { ...query, limit: 1000, cursor });
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  if (format === 'json') return printJson({ items });
  if (format === 'csv') return void process.stdout.write(customersCsv(items));
  printTable(
    items,
    [
      { header: 'DOMAIN', value: (r) => r.domain },
      { header: 'STATUS', value: (r) => r.status },
      { header: 'LIVE', value: (r) => r.licenses, align: 'right' },
      { header: 'INSTALLED', value: (r) => r.installed, align: 'right' },
      { header: 'SANDBOX', value: (r) => r.sandbox, align: 'right' },
      { header: 'NEXT EXPIRY', value: (r) => r.nextExpiry?.slice(0, 10) },
      { header: 'ACCOUNTS', value: (r) => r.accounts.join(', ') },
    ],
    '(no customers)',
  );
}
