// Alert evaluation: run the rules, claim each (alert, sink) pair once, deliver per sink, retry what a sink left.
import { randomUUID } from 'node:crypto';
import pLimit from 'p-limit';
import { renewing } from '#ledger/lease';
import type { AlertClaim, AlertDelivery, HeldDelivery, SchemaStore } from '#ledger/store/port';
import type { Alert, AlertSink } from './alert.ts';
import { DEFAULT_WATCH_CONFIG, forEachCandidate, type WatchConfig } from './candidates.ts';
import { deliverToSink, type SinkOutcome } from './delivery.ts';
import type { WatchStore } from './rules.ts';

export type { WatchConfig } from './candidates.ts';
export { candidateAlerts, DEFAULT_WATCH_CONFIG, tightestThreshold } from './candidates.ts';

export interface EvaluationResult {
  /** Alerts new to at least one of this run's sinks, with the sinks that have not accepted them yet. */
  items: (Alert & { pendingSinks: string[] })[];
  /** Earlier alerts whose delivery was retried now (a failed sink, a crashed or stalled evaluation). */
  retried: number;
  /** Alerts still waiting for one of this run's sinks after this evaluation. */
  pending: number;
  /** Per sink: how many alerts it was given, accepted, and left pending; `busy` when another evaluation had it. */
  sinks: { sink: string; due: number; accepted: number; pending: number; busy?: true }[];
  errors: { sink: string; message: string }[];
  /** This evaluation's id: the owner of its leases. */
  evaluationId: string;
  /**
   * It ran short of time: the rules were read only in part, and what was read was delivered. Claims and outboxes
   * keep that progress; the next evaluation delivers the rest.
   */
  cutShort?: true;
}

/**
 * Time kept for delivering and recording what the rules gave once they stop reading: a third of the time there was,
 * at most a minute (a webhook's retries, a few transactions per 99 alerts).
 */
/**
 * Deliveries opened at a time when a deadline is set: one outbox batch, so opening a slice and recording its
 * acceptances later take one transaction each, and what opening took tells what recording will.
 */
const OPEN_SLICE = 99;

export const deliveryReserve = (timeLeftMs: number) => Math.min(60_000, timeLeftMs / 3);

/**
 * Evaluates the rules and delivers each alert once per sink. One evaluation at a time delivers to a sink (it holds
 * the sink's lease); it first takes what the sink's outbox still holds, then reads the claims of the alerts the rules
 * call for in batches and puts only those new to the sink in its outbox, delivers, and records what the sink
 * accepted on each alert's claim. Delivery is at least once per sink, deduplicable by alert id.
 */
export async function evaluateAlerts(deps: {
  ledger: WatchStore & AlertDelivery & SchemaStore;
  sinks: AlertSink[];
  config?: Partial<WatchConfig>;
  evaluationId?: string;
  /**
   * Milliseconds left before the evaluation must have ended (Lambda's getRemainingTimeInMillis, or a CLI limit):
   * the rules stop reading once only deliveryReserve is left, and what they read is delivered.
   */
  timeLeft?: () => number;
}): Promise<EvaluationResult> {
  const { ledger, sinks } = deps;
  const reserve = deps.timeLeft ? deliveryReserve(deps.timeLeft()) : 0;
  let cutShort = false;
  const stop = () => {
    if (deps.timeLeft && deps.timeLeft() <= reserve) cutShort = true;
    return cutShort;
  };
  /**
   * Opens deliveries slice by slice while time allows: recording their acceptances later costs about what opening
   * them did (as many transactions), so a slice is opened only while the time left covers twice what opening took
   * so far, one more slice, and the sinks' own time. What is not opened stays unclaimed: the next run's.
   */
  let openedMs = 0;
  const margin = reserve / 4;
  const openInTime = async (
    due: AlertClaim[],
    open: (part: AlertClaim[]) => Promise<HeldDelivery[]>,
  ): Promise<HeldDelivery[]> => {
    const held: HeldDelivery[] = [];
    if (!deps.timeLeft) return open(due);
    for (let i = 0, slices = 0; i < due.length; i += OPEN_SLICE, slices++) {
      const before = deps.timeLeft?.();
      if (before !== undefined && slices > 0 && before - 2 * openedMs - openedMs / slices < margin) {
        cutShort = true;
        break;
      }
      held.push(...(await open(due.slice(i, i + OPEN_SLICE))));
      if (before !== undefined) openedMs += before - deps.timeLeft!();
    }
    return held;
  };
  const config = { ...DEFAULT_WATCH_CONFIG, ...deps.config };
  const sinkIds = sinks.map((s) => s.id);
  const twice = sinkIds.find((id, i) => sinkIds.indexOf(id) !== i);
  if (twice) throw new Error(`two sinks deliver to ${twice}: they would share one delivery state`);
  const owner = deps.evaluationId ?? randomUUID();
  const started = ledger.now();
  const now = started.getTime();
  const lease = { owner, until: now + config.leaseMs };

  // A sink another evaluation is delivering to is left to it; with none left, there is nothing to read.
  const taken = await Promise.allSettled(sinks.map((s) => ledger.acquireSink(s.id, lease, now)));
  const active = sinks.filter((_, i) => taken[i]!.status === 'fulfilled' && taken[i]!.value);
  const failed = taken.find((t) => t.status === 'rejected');
  if (failed || active.length === 0) {
    await Promise.all(active.map((s) => ledger.releaseSink(s.id, owner)));
    if (failed) throw failed.reason;
    return summary(sinks, [], new Map(), new Map(), owner);
  }
  // Renewed while this evaluation runs: a long one keeps its sinks, one that died frees them within leaseMs; each
  // sink's delivery is guarded on its own lease, so one sink's renewal failing never stops the others'.
  const renewal = renewing(async () => {
    const until = ledger.now().getTime() + config.leaseMs;
    await Promise.all(active.map((s) => ledger.renewSink(s.id, { owner, until }).catch(() => undefined)));
    return true;
  }, config.leaseMs);
  try {
    // The table's upgrades that need this run's sinks (none once applied), then what each sink's outbox holds.
    await ledger.migrate({ sinks: active.map((s) => s.id), owner });
    const again = new Map<string, HeldDelivery[]>();
    for (const sink of active) again.set(sink.id, await ledger.takeOverOutbox(sink.id, owner));

    // Claims are read chunk by chunk while the rules read on.
    const activeIds = active.map((s) => s.id);
    const reads: Promise<Map<string, AlertClaim[]>>[] = [];
    const limit = pLimit(2);
    await forEachCandidate(
      ledger,
      config,
      (chunk) => {
        const claims = chunk.map(({ key, alert }) => ({
          key,
          alertId: alert.alertId,
          raisedAt: alert.raisedAt,
          alert,
        }));
        const read = limit(() => ledger.unclaimed(claims, activeIds));
        // Awaited below; handled now too, in case the rules fail before that.
        read.catch(() => undefined);
        reads.push(read);
      },
      stop,
    );
    const unclaimed = new Map<string, AlertClaim[]>(activeIds.map((id) => [id, []]));
    for (const read of await Promise.all(reads))
      for (const [sinkId, list] of read) unclaimed.get(sinkId)!.push(...list);
    const fresh = new Map<string, HeldDelivery[]>();
    for (const sink of active) {
      // Held already (taken over), or met in an earlier chunk (a page of an index can repeat an item that moved in
      // it while the rules read): once per evaluation.
      const waiting = new Set(again.get(sink.id)!.map((d) => d.alertId));
      const due = unclaimed.get(sink.id)!.filter((c) => {
        // Another rule's alert never enters this sink's outbox.
        if (sink.rules && !sink.rules.has(c.key.rule)) return false;
        if (waiting.has(c.alertId)) return false;
        waiting.add(c.alertId);
        return true;
      });
      fresh.set(
        sink.id,
        await openInTime(due, (part) =>
          ledger.openDeliveries(sink.id, owner, part, started.toISOString(), now),
        ),
      );
    }

    // Every sink gets its own try: one failing destination never holds back the others.
    const timestamp = () => ledger.now().toISOString();
    const settled = await Promise.allSettled(
      active.map((sink) =>
        deliverToSink(ledger, sink, [...again.get(sink.id)!, ...fresh.get(sink.id)!], {
          owner,
          now: timestamp,
        }),
      ),
    );
    // The store failing (not a sink) fails the evaluation, once every sink's delivery has ended.
    const broken = settled.find((o) => o.status === 'rejected');
    if (broken) throw broken.reason;
    const outcomes = settled.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
    return {
      ...summary(sinks, outcomes, fresh, again, owner),
      ...(cutShort ? { cutShort: true as const } : {}),
    };
  } finally {
    await renewal.stop();
    await Promise.all(active.map((s) => ledger.releaseSink(s.id, owner)));
  }
}

function summary(
  sinks: AlertSink[],
  outcomes: SinkOutcome[],
  fresh: Map<string, HeldDelivery[]>,
  again: Map<string, HeldDelivery[]>,
  evaluationId: string,
): EvaluationResult {
  const bySink = new Map(outcomes.map((o) => [o.sink, o]));
  const accepted = new Map(outcomes.map((o) => [o.sink, new Set(o.accepted)]));
  const raised = new Map<string, Alert>();
  for (const [, list] of fresh) for (const d of list) raised.set(d.alertId, d.alert);
  const newTo = new Map([...fresh].map(([sink, list]) => [sink, new Set(list.map((d) => d.alertId))]));
  const items = [...raised.values()].map((alert) => ({
    ...alert,
    pendingSinks: [...newTo]
      .filter(([sink, ids]) => ids.has(alert.alertId) && !accepted.get(sink)?.has(alert.alertId))
      .map(([sink]) => sink),
  }));
  return {
    items,
    retried: new Set([...again.values()].flat().map((d) => d.alertId)).size,
    pending: new Set(outcomes.flatMap((o) => o.pending)).size,
    sinks: sinks.map((s) => {
      const o = bySink.get(s.id);
      if (!o) return { sink: s.id, due: 0, accepted: 0, pending: 0, busy: true as const };
      return { sink: s.id, due: o.due.length, accepted: o.accepted.length, pending: o.pending.length };
    }),
    errors: outcomes.flatMap((o) => (o.error ? [{ sink: o.sink, message: o.error }] : [])),
    evaluationId,
  };
}
