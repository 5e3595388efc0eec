// `report trials`: live licenses on trial ending within N days, soonest first (the use case in functions/app/trials).
import { trialsReport } from '#app/trials';
import type { Context } from '../context.ts';
import { formatOf } from '../output.ts';
import { printLicenses } from './ledger.ts';

export async function trials(
  ctx: Context,
  opts: { withinDays: number; account?: string; sandbox?: boolean; json?: boolean; csv?: boolean },
) {
  formatOf(opts);
  const views = await trialsReport(await ctx.app(), {
    withinDays: opts.withinDays,
    account: opts.account,
    sandbox: opts.sandbox,
  });
  printLicenses(views, opts);
}
