// `fetch ...`: what the Partner API says right now, every page, nothing stored.
import { partnerApiOf } from '#app/accounts';
import { collect } from '#celigo/client';
import type { Context } from '../context.ts';
import { formatOf, printJson, printTable } from '../output.ts';

type Row = Record<string, unknown>;
const str = (v: unknown) => (typeof v === 'string' ? v : v === undefined ? '' : JSON.stringify(v));
const dig = (r: Row, path: string) =>
  path.split('.').reduce<unknown>((o, k) => (o as Row | undefined)?.[k], r);

export async function connectors(ctx: Context, opts: { json?: boolean; account?: string }) {
  const format = formatOf(opts);
  const records = (await collect(
    (await partnerApiOf(await ctx.upstream(), opts.account)).connectorPages(),
  )) as Row[];
  if (format === 'json') return printJson(records);
  printTable(records, [
    { header: 'ID', value: (r) => str(r._id) },
    { header: 'NAME', value: (r) => str(r.name) },
    { header: 'PUBLISHED', value: (r) => str(r.published) },
    { header: 'LAST MODIFIED', value: (r) => str(r.lastModified) },
  ]);
}

export async function licenses(
  ctx: Context,
  connectorId: string,
  opts: { json?: boolean; account?: string },
) {
  const format = formatOf(opts);
  const records = (await collect(
    (await partnerApiOf(await ctx.upstream(), opts.account)).licensePages(connectorId),
  )) as Row[];
  if (format === 'json') return printJson(records);
  printTable(records, [
    { header: 'ID', value: (r) => str(r._id) },
    { header: 'EMAIL', value: (r) => str(dig(r, 'user.email')) },
    { header: 'EDITION', value: (r) => str(dig(r, 'opts.connectorEdition')) },
    { header: 'EXPIRES', value: (r) => str(r.expires).slice(0, 10) },
    { header: 'INSTALLED', value: (r) => (dig(r, 'user._id') || r._integrationId ? 'yes' : 'no') },
  ]);
  process.stderr.write(`${records.length} license(s)\n`);
}
