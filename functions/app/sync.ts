// A whole sync run in this process: plan every configured account, walk every connector, record the run (the CLI
// and the demo; in AWS the plan and the walks are separate Lambdas).
import type { ConnectorRun, RunSummary } from '#ledger/schemas';
import type { LedgerStore } from '#ledger/store/port';
import { planSync, runPlan, type SyncPlan } from '#ledger/sync';
import type { AppContext } from './context.ts';

export type { SyncPlan } from '#ledger/sync';

export interface SyncOutcome {
  plan: SyncPlan;
  /** Every connector's walk, those of an account that could not be listed first (failed). */
  runs: ConnectorRun[];
  summary: RunSummary;
}

export interface SyncProgress {
  concurrency?: number;
  /** When every walk must have left (ms since 1970), keeping what it recorded; the next sync resumes it. */
  deadline?: number;
  onPlan?: (plan: SyncPlan) => void;
  onPage?: (page: { connectorId: string }) => void;
  onWalk?: (run: ConnectorRun) => void;
}

/** Plans every configured account and walks every connector, each account with its own client. */
export async function sync(ctx: AppContext<LedgerStore>, progress: SyncProgress = {}): Promise<SyncOutcome> {
  const { ledger } = ctx;
  const plan = await planSync({
    ledger,
    accounts: ctx.accounts.map((name) => ({ name, api: async () => ctx.partnerApi(name) })),
  });
  progress.onPlan?.(plan);
  const walks = await runPlan(
    {
      ledger,
      api: (account: string) => ctx.partnerApi(account),
      ...(progress.deadline === undefined ? {} : { deadline: progress.deadline }),
      onPage: progress.onPage,
      onWalk: progress.onWalk,
    },
    plan,
    progress.concurrency,
  );
  const summary = await ledger.getRun(plan.runId);
  if (!summary) throw new Error(`run ${plan.runId} has no summary`);
  return { plan, runs: [...plan.failed, ...walks], summary };
}
