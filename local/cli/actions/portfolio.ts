// `find` and `changes`: a customer's licenses, and what changed across the portfolio, every page.
import { changesCsv } from '#api/csv';
import { asOf } from '#app/asof';
import * as portfolio from '#app/portfolio';
import type { ChangeItem, ChangeItemKind } from '#ledger/schemas';
import type { Context } from '../context.ts';
import { formatOf, printJson, printTable } from '../output.ts';
import { printLicenses } from './ledger.ts';

export async function find(
  ctx: Context,
  term: string,
  opts: {
    includeDeleted?: boolean;
    sandbox?: boolean;
    account?: string;
    asOf?: string;
    json?: boolean;
    csv?: boolean;
  },
) {
  formatOf(opts);
  const customer = portfolio.parseCustomer(term);
  const query = { includeDeleted: opts.includeDeleted, sandbox: opts.sandbox, account: opts.account };
  const app = await ctx.app();
  const items = opts.asOf
    ? await asOf.customer(app, customer, opts.asOf, query)
    : await portfolio.find(app, customer, query);
  printLicenses(items, opts);
}

export async function changes(
  ctx: Context,
  opts: {
    since: string;
    connector?: string;
    kind?: ChangeItemKind;
    includeBaseline?: boolean;
    sandbox?: boolean;
    account?: string;
    json?: boolean;
    csv?: boolean;
  },
) {
  const format = formatOf(opts);
  const query = {
    since: opts.since,
    connectorId: opts.connector,
    kind: opts.kind,
    includeBaseline: opts.includeBaseline,
    sandbox: opts.sandbox,
    account: opts.account,
  };
  const items: ChangeItem[] = [];
  let first = true;
  for await (const page of portfolio.changes(await ctx.app(), query)) {
    // CSV goes out page by page: a long export starts at once and never holds more than a page.
    if (format === 'csv') process.stdout.write(changesCsv(page, { header: first }));
    else items.push(...page);
    first = false;
  }
  if (format === 'json') printJson({ items });
  else if (format === 'table')
    printTable(
      items,
      [
        { header: 'OBSERVED', value: (c) => c.observedAt },
        { header: 'KIND', value: (c) => c.kind },
        { header: 'LICENSE', value: (c) => c.licenseId },
        { header: 'CONNECTOR', value: (c) => c.connectorId },
        { header: 'ACCOUNT', value: (c) => c.account },
        { header: 'EMAIL', value: (c) => c.email },
        { header: 'FIELDS', value: (c) => c.changes.join(', ') },
      ],
      '(no changes)',
    );
}
