// A sync in one process: walk each unit of a plan and record its run (the CLI's stand-in for SQS fan-out), or one
// unit alone (the Lambda worker's message). `api` may be one client per account (see WalkDeps).
import pLimit from 'p-limit';
import { type InstallWalkStore, walkInstallBase } from './installs.ts';
import type { SyncPlan } from './plan.ts';
import type { ConnectorRun, SyncUnit } from './schemas.ts';
import type { RunStore } from './store/port.ts';
import { type WalkDeps, type WalkerStore, walkConnector } from './walk.ts';

export type { PlanAccount, SyncPlan } from './plan.ts';
export { planSync } from './plan.ts';
export type { ClientFor } from './walk.ts';
export interface SyncDeps extends WalkDeps {
  ledger: WalkerStore & InstallWalkStore & Pick<RunStore, 'recordConnectorRun'>;
  /** Each walk's outcome as it is recorded, for progress lines. */
  onWalk?: (run: ConnectorRun) => void;
}

/**
 * The license walk, then the install base (a walk that stood down leaves that to the walk it gave way to). The
 * install base failing fails nothing recorded: the run carries its own outcome in `installBase`.
 */
async function walkUnit(deps: SyncDeps, unit: SyncUnit): Promise<ConnectorRun> {
  const run = await walkConnector(deps, unit);
  if (run.status === 'skipped') return run;
  return { ...run, installBase: await walkInstallBase(deps, unit) };
}

/** Walks one unit and records its run. Safe to run twice and concurrently: a second walk stands down. */
export async function syncConnector(deps: SyncDeps, unit: SyncUnit): Promise<ConnectorRun> {
  const run = await walkUnit(deps, unit);
  await deps.ledger.recordConnectorRun(run);
  return run;
}

/** Runs a plan with bounded concurrency; the limit guards the Partner API, so recording a walk happens outside it. */
export async function runPlan(deps: SyncDeps, plan: SyncPlan, concurrency = 4): Promise<ConnectorRun[]> {
  const limit = pLimit(concurrency);
  return Promise.all(
    plan.units.map(async (unit) => {
      const run = await limit(() => walkUnit(deps, unit));
      await deps.ledger.recordConnectorRun(run);
      deps.onWalk?.(run);
      return run;
    }),
  );
}
