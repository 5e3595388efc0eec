// A whole sync run in this process, with its progress line: what `sync` and `demo` share.
import type { PartnerApi } from '#celigo/client';
import type { ConnectorRun, RunSummary } from '#ledger/schemas';
import type { LedgerStore } from '#ledger/store/port';
import { planSync, runPlan, type SyncPlan } from '#ledger/sync';
import { progressLine } from './progress.ts';

export interface SyncOutcome {
  plan: SyncPlan;
  runs: ConnectorRun[];
  summary: RunSummary;
}

/** Plans and walks every connector in this process, with a progress line on a terminal. */
export async function runSync(
  ledger: LedgerStore,
  api: PartnerApi,
  options: { concurrency?: number } = {},
): Promise<SyncOutcome> {
  const progress = progressLine();
  const plan = await planSync({ ledger, api });
  progress.update(`sync ${plan.runId}: ${plan.units.length} connector(s)`);
  let pages = 0;
  let done = 0;
  const runs = await runPlan(
    {
      ledger,
      api,
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
  return { plan, runs, summary };
}
