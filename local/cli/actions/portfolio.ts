// `find` and `changes`: a customer's licenses, and what changed across the portfolio, every page.
import { changesCsv } from '#api/csv';
import { checkAccount, findLicenses, listChanges, parseCustomer } from '#ledger/portfolio';
import type { ChangeItem, ChangeItemKind, LicenseView } from '#ledger/schemas';
import type { Context } from '../context.ts';
import { formatOf, printJson, printTable } from '../output.ts';
import { printLicenses } from './ledger.ts';

export async function find(
  ctx: Context,
  term: string,
  opts: { includeDeleted?: boolean; sandbox?: boolean; account?: string; json?: boolean; csv?: boolean },
) {
  formatOf(opts);
  const customer = parseCustomer(term);
  const ledger = await ctx.ledger();
  const account = await checkAccount(ledger, opts.account, await ctx.accountNames());
  const items: LicenseView[] = [];
  let cursor: string | undefined;
  do {
    const options = {
      includeDeleted: opts.includeDeleted,
      sandbox: opts.sandbox,
      account,
      limit: 1000,
      cursor,
    };
    const page = await findLicenses(ledger, customer, options);
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
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
  const ledger = await ctx.ledger();
  const query = {
    since: opts.since,
    connectorId: opts.connector,
    kind: opts.kind,
    includeBaseline: opts.includeBaseline,
    sandbox: opts.sandbox,
    account: await checkAccount(ledger, opts.account, await ctx.accountNames()),
  };
  const items: ChangeItem[] = [];
  let cursor: string | undefined;
  do {
    const page = await listChanges(ledger, { ...query, limit: 1000, cursor });
    // CSV goes out page by page: a long export starts at once and never holds more than a page.
    if (format === 'csv') process.stdout.write(changesCsv(page.items, { header: cursor === undefined }));
    else items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
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
