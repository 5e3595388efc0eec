// `find` and `changes`: a customer's licenses, and what changed across the portfolio, every page.
import { changesCsv } from '#api/csv';
import { asOf } from '#app/asof';
import { type FeedItem, pollFeed } from '#app/feed';
import * as portfolio from '#app/portfolio';
import type { ChangeItem, ChangeItemKind } from '#ledger/schemas';
import type { Context } from '../context.ts';
import { formatOf, log, printJson, printTable } from '../output.ts';
import { untilSignal } from '../ports.ts';
import { printLicenses } from './ledger.ts';

export async function find(
  ctx: Context,
  term: string,
  opts: { includeDeleted?: boolean; account?: string; asOf?: string; json?: boolean; csv?: boolean },
) {
  formatOf(opts);
  const customer = portfolio.parseCustomer(term);
  const query = { includeDeleted: opts.includeDeleted, account: opts.account };
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

/**
 * `changes --follow`: polls the change feed from now on and prints each change as it comes, oldest first, until
 * Ctrl-C. The filters of `changes` apply to what is printed (the baseline left out unless asked for).
 */
export async function follow(
  ctx: Context,
  opts: {
    connector?: string;
    kind?: ChangeItemKind;
    includeBaseline?: boolean;
    account?: string;
    json?: boolean;
    csv?: boolean;
    interval: number;
    settle: number;
  },
) {
  const format = formatOf(opts);
  const app = await ctx.app();
  const shown = (i: FeedItem) =>
    (opts.includeBaseline || !i.baseline) &&
    (opts.connector === undefined || i.connectorId === opts.connector) &&
    (opts.kind === undefined || i.kind === opts.kind);
  let stopped = false;
  const stop = untilSignal().then(() => {
    stopped = true;
  });
  const poll = (cursor?: string) =>
    pollFeed(app, { cursor, account: opts.account, limit: 1000, settleMs: opts.settle * 1000 });
  let { cursor } = await poll();
  log(`following the changes from now on, every ${opts.interval} s (Ctrl-C to stop)`);
  if (format === 'csv') process.stdout.write(changesCsv([], { header: true }));
  while (!stopped) {
    await Promise.race([stop, new Promise((r) => setTimeout(r, opts.interval * 1000))]);
    if (stopped) break;
    // A full page is followed at once: a burst (a first sync) is printed without waiting an interval per page.
    for (let full = true; full && !stopped; ) {
      const page = await poll(cursor);
      cursor = page.cursor;
      full = page.items.length === 1000;
      const items = page.items.filter(shown);
      if (format === 'json') for (const item of items) process.stdout.write(`${JSON.stringify(item)}\n`);
      else if (format === 'csv') process.stdout.write(changesCsv(items, { header: false }));
      else
        for (const c of items)
          process.stdout.write(
            `${[c.committedAt, c.observedAt, c.kind, c.licenseId, c.connectorId, c.account, c.email ?? '', c.changes.join(',')].join('  ')}\n`,
          );
    }
  }
}
