// Alert evaluation: run the rules, claim each (alert, sink) pair once, deliver per sink, retry what a sink left.
import { randomUUID } from 'node:crypto';
import type { Page } from '#ledger/schemas';
import type { AlertDelivery, AlertLog, HeldDelivery, ViewStore } from '#ledger/store/port';
import { type Alert, type AlertRecord, type AlertSink, alertRecord, sinkKind } from './alert.ts';
import { candidateAlerts, DEFAULT_WATCH_CONFIG, type WatchConfig } from './candidates.ts';
import { alertOf, deliverToSink } from './delivery.ts';

export type { WatchConfig } from './candidates.ts';
export { candidateAlerts, DEFAULT_WATCH_CONFIG, tightestThreshold } from './candidates.ts';

export interface EvaluationResult {
  /** Alerts new to at least one of this run's sinks, with the sinks that have not accepted them yet. */
  items: (Alert & { pendingSinks: string[] })[];
  /** Earlier alerts whose delivery was retried now (a failed sink, a crashed or stalled evaluation). */
  retried: number;
  /** Alerts still waiting for one of this run's sinks after this evaluation. */
  pending: number;
  /** Per sink: how many alerts it was given, accepted, and left pending. */
  sinks: { sink: string; due: number; accepted: number; pending: number }[];
  errors: { sink: string; message: string }[];
  /** This evaluation's id: the owner of its leases. */
  evaluationId: string;
}

/** Today's outbox names its sinks `sns`, `webhook`, `console`: the first of this run's sinks of each kind. */
function legacyNames(sinks: AlertSink[]): Record<string, string> {
  const names: Record<string, string> = {};
  for (const s of sinks) {
    const kind = sinkKind(s.id);
    if (['sns', 'webhook', 'console'].includes(kind)) names[kind] ??= s.id;
  }
  return names;
}

/**
 * Evaluates the rules and delivers each alert once per sink. Claims are read in batches and written only for
 * (alert, sink) pairs nobody claimed, each with a lease owned by this evaluation; a sink's outbox lists what it has
 * not accepted, so a later evaluation retries exactly that (delivery is at least once, deduplicable by alert id).
 */
export async function evaluateAlerts(deps: {
  ledger: ViewStore & AlertDelivery;
  sinks: AlertSink[];
  config?: Partial<WatchConfig>;
  evaluationId?: string;
}): Promise<EvaluationResult> {
  const { ledger, sinks } = deps;
  const config = { ...DEFAULT_WATCH_CONFIG, ...deps.config };
  const sinkIds = sinks.map((s) => s.id);
  const twice = sinkIds.find((id, i) => sinkIds.indexOf(id) !== i);
  if (twice) throw new Error(`two sinks deliver to ${twice}: they would share one delivery state`);
  const owner = deps.evaluationId ?? randomUUID();
  const started = ledger.now();
  const now = started.getTime();
  const lease = { owner, until: now + config.leaseMs };

  const candidates = await candidateAlerts(ledger, config);
  const claims = candidates.map(({ key, alert }) => ({
    key,
    alertId: alert.alertId,
    raisedAt: alert.raisedAt,
    alert,
  }));
  const fresh = await ledger.claimDeliveries(claims, sinkIds, lease, started.toISOString());
  const migrated = await ledger.migrateLegacyOutbox(legacyNames(sinks), lease, now);

  const retried = new Set<string>();
  const work = new Map<string, HeldDelivery[]>();
  await Promise.all(
    sinks.map(async (sink) => {
      const again = [
        ...(migrated.get(sink.id) ?? []),
        ...(await ledger.takeOverDeliveries(sink.id, lease, now)),
      ];
      for (const d of again) retried.add(d.alertId);
      const held = new Map([...(fresh.get(sink.id) ?? []), ...again].map((d) => [d.alertId, d]));
      work.set(sink.id, [...held.values()]);
    }),
  );

  // Every sink gets its own try: one failing destination never holds back the others.
  const timestamp = () => ledger.now().toISOString();
  const outcomes = await Promise.all(
    sinks.map((sink) => deliverToSink(ledger, sink, work.get(sink.id)!, { owner, now: timestamp })),
  );

  const accepted = new Map(outcomes.map((o) => [o.sink, new Set(o.accepted)]));
  const claimedNow = new Map([...fresh].map(([sink, held]) => [sink, new Set(held.map((d) => d.alertId))]));
  const raised = new Map<string, Alert>();
  for (const [, held] of fresh) for (const d of held) raised.set(d.alertId, alertOf(d));
  const items = [...raised.values()].map((alert) => ({
    ...alert,
    pendingSinks: sinkIds.filter(
      (s) => claimedNow.get(s)?.has(alert.alertId) && !accepted.get(s)?.has(alert.alertId),
    ),
  }));
  return {
    items,
    retried: retried.size,
    pending: new Set(outcomes.flatMap((o) => o.pending)).size,
    sinks: outcomes.map((o) => ({
      sink: o.sink,
      due: o.due.length,
      accepted: o.accepted.length,
      pending: o.pending.length,
    })),
    errors: outcomes.flatMap((o) => (o.error ? [{ sink: o.sink, message: o.error }] : [])),
    evaluationId: owner,
  };
}

/** Alerts raised, newest first, paged (GET /alerts). */
export async function listAlerts(
  ledger: AlertLog,
  options: { limit?: number; cursor?: string } = {},
): Promise<Page<AlertRecord>> {
  const page = await ledger.listAlerts(options);
  return { ...page, items: page.items.map((item) => alertRecord.parse(item)) };
}
