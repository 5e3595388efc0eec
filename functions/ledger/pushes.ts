// Update pushes as a state machine: batches planned at creation, each integration's state advanced from what the
// install base says, and the next batch released only once the one before has updated.
import type { PushIntegration } from './install-schemas.ts';
import type { StoredPush } from './store/install-records.ts';

/** An integration shows no new version this long after its update was requested: `stuck`. */
export const STUCK_AFTER_MS = 24 * 60 * 60 * 1000;

export interface PushTarget {
  integrationId: string;
  version: string;
  sandbox: boolean;
  licenseId?: string;
  email?: string;
}

/**
 * The integrations in the order they go, each with its batch: sandboxes in batches of their own before any
 * production one when `sandboxFirst`, then batches of `batchSize` (one batch per phase without it).
 */
export function planBatches(
  targets: PushTarget[],
  options: { sandboxFirst?: boolean; batchSize?: number },
): PushIntegration[] {
  const phases = options.sandboxFirst
    ? [targets.filter((t) => t.sandbox), targets.filter((t) => !t.sandbox)]
    : [targets];
  const out: PushIntegration[] = [];
  let batch = 0;
  for (const phase of phases) {
    if (phase.length === 0) continue;
    const size = options.batchSize ?? phase.length;
    for (let i = 0; i < phase.length; i += size) {
      for (const t of phase.slice(i, i + size))
        out.push({
          integrationId: t.integrationId,
          ...(t.licenseId ? { licenseId: t.licenseId } : {}),
          ...(t.email ? { email: t.email } : {}),
          fromVersion: t.version,
          state: 'pending',
          sandbox: t.sandbox,
          batch,
        });
      batch++;
    }
  }
  return out;
}

/** What the install base says of an integration now. */
export interface InstallNow {
  version: string;
  updateInProgress: boolean;
}

const inFlight = (s: PushIntegration['state']) => s === 'requested' || s === 'in-progress';

/** One integration's state from the install base: a new version ends it, 24 h without one leaves it stuck. */
export function advanceIntegration(
  i: PushIntegration,
  now: InstallNow | undefined,
  at: Date,
): PushIntegration {
  if (i.state === 'pending' || i.state === 'updated') return i;
  // A new version, or an update seen running and now over (a push of an integration already on the newest).
  const over = now && !now.updateInProgress && (now.version !== i.fromVersion || i.state === 'in-progress');
  if (over) return { ...i, state: 'updated', toVersion: now.version, updatedAt: at.toISOString() };
  const requested = i.requestedAt ? Date.parse(i.requestedAt) : at.getTime();
  if (at.getTime() - requested >= STUCK_AFTER_MS) return { ...i, state: 'stuck' };
  if (i.state === 'stuck') return i;
  return { ...i, state: now?.updateInProgress ? 'in-progress' : 'requested' };
}

/**
 * The push advanced: each integration's state, then its status and the batch to send now (the first batch not yet
 * updated, when every one of its integrations still waits). A stuck integration with nothing else in flight halts it.
 */
export function advancePush(
  push: StoredPush,
  installs: Map<string, InstallNow>,
  at: Date,
): { push: StoredPush; send: string[] } {
  const integrations = push.integrations.map((i) => advanceIntegration(i, installs.get(i.integrationId), at));
  const next = { ...push, integrations };
  const open = integrations.filter((i) => i.state !== 'updated');
  if (open.length === 0) return { push: { ...next, status: 'done' }, send: [] };
  const batch = Math.min(...open.map((i) => i.batch));
  const current = integrations.filter((i) => i.batch === batch);
  if (current.some((i) => inFlight(i.state))) return { push: { ...next, status: 'open' }, send: [] };
  if (current.some((i) => i.state === 'stuck')) return { push: { ...next, status: 'halted' }, send: [] };
  return {
    push: { ...next, status: 'open' },
    send: current.filter((i) => i.state === 'pending').map((i) => i.integrationId),
  };
}

/** Marks integrations as requested now (their update request was accepted). */
export function markRequested(push: StoredPush, ids: string[], at: Date): StoredPush {
  const sent = new Set(ids);
  return {
    ...push,
    integrations: push.integrations.map((i) =>
      sent.has(i.integrationId) ? { ...i, state: 'requested', requestedAt: at.toISOString() } : i,
    ),
  };
}

/** Whether two pushes' states differ (a push is written only when it moved). */
export const pushChanged = (a: StoredPush, b: StoredPush) =>
  a.status !== b.status ||
  JSON.stringify(a.integrations) !== JSON.stringify(b.integrations) ||
  JSON.stringify(a.error) !== JSON.stringify(b.error);
