// The walk of one connector: take its lease, read its licenses page by page, record only what changed, mark what
// vanished once the list is known whole, and return a plain result the run record is built from.
import { randomBytes } from 'node:crypto';
import { PartnerApiError } from '#celigo/errors';
import type { ConnectorRun, SyncUnit } from './schemas.ts';
import { DEFAULT_LEASE_MS, OUT_OF_TIME, type PauseAt, type WalkDeps } from './walk-deps.ts';
import { heartbeat } from './walk-lease.ts';
import { Walk, WalkFailure } from './walk-pages.ts';

export type { ClientFor, PauseAt, PausePoint, WalkDeps, WalkerStore, WalkPauses } from './walk-deps.ts';
export { DEFAULT_LEASE_MS, OUT_OF_TIME } from './walk-deps.ts';

/** Walks one connector and ends its walk (completed, failed, or stood down for a walk already in progress). */
export async function walkConnector(deps: WalkDeps, unit: SyncUnit): Promise<ConnectorRun> {
  const { ledger, pauses } = deps;
  const started = ledger.now();
  const startedAt = started.toISOString();
  const owner = `${unit.runId}/${randomBytes(4).toString('hex')}`;
  const leaseMs = deps.leaseMs ?? DEFAULT_LEASE_MS;
  const base = {
    runId: unit.runId,
    connectorId: unit.connectorId,
    ...(unit.account ? { account: unit.account } : {}),
    startedAt,
  };
  const finish = (fields: Partial<ConnectorRun> & Pick<ConnectorRun, 'status'>): ConnectorRun => {
    const finished = ledger.now();
    return {
      ...base,
      counts: { seen: 0, created: 0, updated: 0, deleted: 0, unchanged: 0, invalid: 0, skipped: 0 },
      pages: 0,
      pagesUnchanged: 0,
      ...fields,
      finishedAt: finished.toISOString(),
      durationMs: finished.getTime() - started.getTime(),
    };
  };
  const cid = unit.connectorId;
  const beforeMeta = async (transition: PauseAt['transition']) => {
    if (pauses) await pauses.at('beforeMeta', { connectorId: cid, transition });
  };

  await beforeMeta('beginWalk');
  const claim = await ledger.beginWalk(cid, owner, leaseMs);
  if (!claim) return finish({ status: 'skipped', reason: 'walk_in_progress' });

  const lease = heartbeat(ledger, cid, owner, leaseMs);
  const walk = new Walk(deps, unit, claim, owner, startedAt, lease.lost);
  try {
    // The account every write of the walk carries (its connector's, as the last plan listed it), so the licenses
    // are fetched with the client they are recorded under, also for a unit queued before the account changed.
    await walk.run(typeof deps.api === 'function' ? await deps.api(walk.account) : deps.api);
    await beforeMeta('endWalk');
    const ended = await ledger.endWalk(cid, owner, walk.completion());
    if (!ended) throw new WalkFailure('walk_lease_lost', `connector ${cid}: the walk lost its lease`);
    return finish({ status: 'completed', ...walk.result() });
  } catch (failure) {
    const error = describeFailure(failure);
    await beforeMeta('endWalk');
    await ledger
      .endWalk(cid, owner, {
        outcome: { runId: unit.runId, at: startedAt, status: 'failed', error },
        // Out of time after the whole list was read: every digest left is vouched for, as after a completion.
        ...(error.code === OUT_OF_TIME ? walk.listedWhole() : {}),
      })
      .catch(() => undefined); // the store may be what failed; the run record says so too
    return finish({ status: 'failed', ...walk.result(), error });
  } finally {
    lease.stop();
  }
}

function describeFailure(failure: unknown): { code: string; message: string } {
  if (failure instanceof PartnerApiError) return { code: failure.code, message: failure.message };
  const err = failure as { name?: string; code?: string; message?: string };
  return { code: err.code ?? err.name ?? 'error', message: err.message ?? String(failure) };
}
