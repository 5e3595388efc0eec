// A whole sync run in this process with its progress line on a terminal: what `sync` and `demo` share.
import type { AppContext } from '#app/context';
import { type SyncOutcome, sync } from '#app/sync';
import type { LedgerStore } from '#ledger/store/port';
import { progressLine } from './progress.ts';

export async function runSync(
  ctx: AppContext<LedgerStore>,
  options: { concurrency?: number; deadlineSeconds?: number } = {},
): Promise<SyncOutcome> {
  const progress = progressLine();
  let units = 0;
  let pages = 0;
  let done = 0;
  return sync(ctx, {
    concurrency: options.concurrency,
    // Walks leave by then with their progress kept (walk_out_of_time); the next sync resumes them.
    ...(options.deadlineSeconds === undefined
      ? {}
      : { deadline: Date.now() + options.deadlineSeconds * 1000 }),
    onPlan: (plan) => {
      units = plan.units.length;
      progress.update(`sync ${plan.runId}: ${units} connector(s)`);
    },
    onPage: ({ connectorId }) => {
      pages++;
      progress.update(`syncing: ${done}/${units} connectors done, ${pages} page(s) read (${connectorId})`);
    },
    onWalk: () => {
      done++;
    },
  }).finally(() => progress.done());
}
