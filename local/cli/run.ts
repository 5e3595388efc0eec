// A whole sync run in this process, with its progress line: what `sync` and `demo` share.
import type { PartnerApi } from '#celigo/client';
import type { ConnectorRun, RunSummary } from '#ledger/schemas';
import type { LedgerStore } from '#ledger/store/port';
import { planSync, runPlan, type SyncPlan } from '#ledger/sync';

/** The partner accounts to sync, and each one's client (built on first use: a missing token fails that account). */
export interface SyncAccounts {
  names: string[];
  api: (account: string) => Promise<PartnerApi> | PartnerApi;
}

import { progressLine } from './progress.ts';

export interface SyncOutcome {
  plan: SyncPlan;
  /** Every connector's walk, those of an account that could not be listed first (failed). */
  runs: ConnectorRun[];
  summary: RunSummary;
}

/** Plans every account and walks every connector in this process, with a progress line on a terminal. */
export async function runSync(
  ledger: LedgerStore,
  accounts: SyncAccounts,
  options: { concurrency?: number; deadlineSeconds?: number } = {},
): Promise<SyncOutcome> {
  // Walks leave by then with their progress kept (walk_out_of_time); the next sync resumes them.
  const deadline =
    options.deadlineSeconds === undefined ? undefined : Date.now() + options.deadlineSeconds * 1000;
  const progress = progressLine();
  const plan = await planSync({
    ledger,
    accounts: accounts.names.map((name) => ({ name, api: () => accounts.api(name) })),
  });
  progress.update(`sync ${plan.runId}: ${plan.units.length} connector(s)`);
  let pages = 0;
  let done = 0;
  const walks = await runPlan(
    {
      ledger,
      api: accounts.api,
      ...(deadline === undefined ? {} : { deadline }),
      onPage: ({ connectorId }) => {
        pages++;
        progress.update(
          `syncing: ${done}/${plan.units.length} connectors done, ${pages} page(s) read (${connectorId})`,
        );
      },
      onWalk: () => {
        done++;
      },
    },
    plan,
    options.concurrency,
  ).finally(() => progress.done());
  const summary = await ledger.getRun(plan.runId);
  if (!summary) throw new Error(`run ${plan.runId} has no summary`);
  return { plan, runs: [...plan.failed, ...walks], summary };
}
