// Leases with an owner, against DynamoDB Local: one evaluation at a time holds a sink; one that stalls past its lease
// loses the sink and its deliveries to the next, and its late "done" or "failed" changes nothing of the other's.
import { describe, expect, it } from 'vitest';
import type { Alert, AlertSink, Delivery } from '#watch/alert';
import { candidateAlerts, DEFAULT_WATCH_CONFIG, evaluateAlerts } from '#watch/evaluate';
import { alertLedger, idsOf, memorySink, NOW } from '../support/alert-ledger.ts';

const LEASE = DEFAULT_WATCH_CONFIG.leaseMs;

/** A sink that holds each delivery until the test lets it go, then accepts it or throws. */
function stalledSink(id: string) {
  let arrived!: (d: Delivery) => void;
  let release!: (outcome: 'accept' | 'fail') => void;
  const delivery = new Promise<Delivery>((r) => {
    arrived = r;
  });
  const gate = new Promise<'accept' | 'fail'>((r) => {
    release = r;
  });
  const got: Alert[] = [];
  const sink: AlertSink = {
    id,
    async deliver(d) {
      got.push(...d.alerts);
      arrived(d);
      if ((await gate) === 'fail') throw new Error('receiver went away');
      d.accepted(d.alerts.map((a) => a.alertId));
    },
  };
  return { sink, delivery, release, got };
}

describe('a lease taken over', () => {
  it("A claims and stalls past its lease, B takes over and delivers; A's late done does not overwrite B's", async () => {
    const h = await alertLedger(8);
    const a = stalledSink('sns:topic');
    const evaluationA = evaluateAlerts({ ledger: h.ledger, sinks: [a.sink], evaluationId: 'A' });
    await a.delivery;

    // B, past A's lease, takes every delivery over (and is slow too).
    const afterLease = NOW + LEASE + 1_000;
    const b = stalledSink('sns:topic');
    const evaluationB = evaluateAlerts({ ledger: h.at(afterLease), sinks: [b.sink], evaluationId: 'B' });
    await b.delivery;
    expect(idsOf(b.got)).toEqual(idsOf(a.got));

    // A wakes up first and reports its (duplicate) delivery accepted: refused, the deliveries are B's.
    a.release('accept');
    expect((await evaluationA).sinks).toEqual([{ sink: 'sns:topic', due: 8, accepted: 0, pending: 0 }]);
    expect((await h.ledger.listAlerts({ limit: 100 })).items.every((x) => x.status === 'pending')).toBe(true);

    b.release('accept');
    expect(await evaluationB).toMatchObject({ retried: 8, pending: 0, errors: [] });
    const after = (await h.ledger.listAlerts({ limit: 100 })).items;
    expect(after.every((x) => x.status === 'sent' && x.sentAt === new Date(afterLease).toISOString())).toBe(
      true,
    );
  });

  it("A's late failure does not free deliveries B holds: a third evaluation finds nothing to take", async () => {
    const h = await alertLedger(6);
    const a = stalledSink('sns:topic');
    const evaluationA = evaluateAlerts({ ledger: h.ledger, sinks: [a.sink], evaluationId: 'A' });
    await a.delivery;
    const b = stalledSink('sns:topic');
    const evaluationB = evaluateAlerts({
      ledger: h.at(NOW + LEASE + 1_000),
      sinks: [b.sink],
      evaluationId: 'B',
    });
    await b.delivery;

    // A fails late: its release is refused (B holds the deliveries now), so nothing of A's failure is written.
    a.release('fail');
    expect((await evaluationA).errors).toEqual([{ sink: 'sns:topic', message: 'receiver went away' }]);
    expect((await h.ledger.listAlerts({ limit: 100 })).items).toEqual([]);
    const c = memorySink('sns:topic');
    const evaluationC = await evaluateAlerts({ ledger: h.at(NOW + LEASE + 2_000), sinks: [c] });
    expect(evaluationC).toMatchObject({ retried: 0 });
    expect(c.got).toEqual([]);

    b.release('accept');
    expect((await evaluationB).sinks).toEqual([{ sink: 'sns:topic', due: 6, accepted: 6, pending: 0 }]);
  });

  it('a delivery held under a live lease is left alone, a released one is retried at once', async () => {
    const h = await alertLedger(3);
    const a = stalledSink('sns:topic');
    const evaluationA = evaluateAlerts({ ledger: h.ledger, sinks: [a.sink] });
    await a.delivery;
    const early = memorySink('sns:topic');
    expect((await evaluateAlerts({ ledger: h.at(NOW + LEASE - 1_000), sinks: [early] })).retried).toBe(0);
    expect(early.got).toEqual([]);
    a.release('fail');
    await evaluationA;
    const next = memorySink('sns:topic');
    expect((await evaluateAlerts({ ledger: h.at(NOW + 1_000), sinks: [next] })).retried).toBe(3);
    expect(next.got).toHaveLength(3);
  });

  it('an evaluation whose sink lease ran out opens nothing in its outbox', async () => {
    const h = await alertLedger(2);
    const claims = (await candidateAlerts(h.ledger, DEFAULT_WATCH_CONFIG)).map(({ key, alert }) => ({
      key,
      alertId: alert.alertId,
      raisedAt: alert.raisedAt,
      alert,
    }));
    expect(await h.ledger.acquireSink('sns:topic', { owner: 'A', until: NOW + LEASE }, NOW)).toBe(true);
    // B cannot take it while A's lease runs; once it ran out, B can, and A's writes are refused.
    expect(await h.ledger.acquireSink('sns:topic', { owner: 'B', until: NOW + 2 * LEASE }, NOW + 1)).toBe(
      false,
    );
    const later = NOW + LEASE + 1;
    expect(await h.ledger.acquireSink('sns:topic', { owner: 'B', until: later + LEASE }, later)).toBe(true);
    expect(
      await h.ledger.openDeliveries('sns:topic', 'A', claims, new Date(later).toISOString(), later),
    ).toEqual([]);
    expect(await h.ledger.takeOverOutbox('sns:topic', 'B')).toEqual([]);
    const opened = await h.ledger.openDeliveries(
      'sns:topic',
      'B',
      claims,
      new Date(later).toISOString(),
      later,
    );
    expect(opened.map((d) => d.alertId).sort()).toEqual(claims.map((c) => c.alertId).sort());
  });

  it('a running evaluation renews its lease, so a long delivery is not taken over', async () => {
    const h = await alertLedger(2);
    const a = stalledSink('sns:topic');
    const ledger = h.running();
    const evaluationA = evaluateAlerts({ ledger, sinks: [a.sink], config: { leaseMs: 400 } });
    await a.delivery;
    await new Promise((r) => setTimeout(r, 1_200));
    // Three lease lengths later, A still holds the sink; B, with no sink of its own, reads nothing.
    const b = memorySink('sns:topic');
    h.meter.reset();
    const evaluationB = await evaluateAlerts({ ledger, sinks: [b], config: { leaseMs: 400 } });
    expect(evaluationB.sinks).toEqual([{ sink: 'sns:topic', due: 0, accepted: 0, pending: 0, busy: true }]);
    expect(h.meter.calls.Query).toBeUndefined();
    a.release('accept');
    expect((await evaluationA).sinks[0]).toMatchObject({ accepted: 2 });
  });
});

describe('the end of an evaluation', () => {
  it('waits for a renewal on its way before handing the sink back, so the next evaluation gets it at once', async () => {
    const h = await alertLedger(2);
    const ledger = h.running();
    let renewing!: () => void;
    const renewalSent = new Promise<void>((r) => {
      renewing = r;
    });
    // A renewal that takes 300 ms to land (a slow network): the heartbeat's, sent while A's delivery stalls.
    const slow = {
      ...ledger,
      renewSink: async (...args: Parameters<typeof ledger.renewSink>) => {
        renewing();
        await new Promise((r) => setTimeout(r, 300));
        return ledger.renewSink(...args);
      },
    };
    const a = stalledSink('console');
    const evaluationA = evaluateAlerts({ ledger: slow, sinks: [a.sink], config: { leaseMs: 1_200 } });
    await a.delivery;
    await renewalSent;
    a.release('accept');
    expect((await evaluationA).sinks[0]).toMatchObject({ accepted: 2 });
    // Past the moment the renewal landed: handed back after it, the sink is free (released before it, the late
    // renewal would hold it for another lease).
    await new Promise((r) => setTimeout(r, 400));
    h.meter.reset();
    const more = await h.add(1);
    const b = memorySink('console');
    const evaluationB = await evaluateAlerts({ ledger, sinks: [b], config: { leaseMs: 1_200 } });
    expect(evaluationB.sinks).toEqual([{ sink: 'console', due: 1, accepted: 1, pending: 0 }]);
    expect(b.got.map((x) => x.licenseId)).toEqual(more);
  });
});

describe('taking an outbox over', () => {
  it('answers each batch as it is when taken: a delivery accepted after the read is not taken again', async () => {
    const h = await alertLedger(4);
    const a = stalledSink('sns:topic');
    const evaluationA = evaluateAlerts({ ledger: h.ledger, sinks: [a.sink], evaluationId: 'A' });
    const held = await a.delivery;
    // A is past its lease; B reads A's batch, and before B's takeover lands, A reports two deliveries accepted.
    const later = NOW + LEASE + 1_000;
    const b = h.at(later);
    expect(await b.acquireSink('sns:topic', { owner: 'B', until: later + LEASE }, later)).toBe(true);
    const done = held.alerts.slice(0, 2).map((x) => x.alertId);
    let first = true;
    const raced = h.client.middlewareStack;
    raced.add(
      (next, context) => async (args) => {
        const out = await next(args);
        if (first && context.commandName === 'QueryCommand') {
          first = false;
          held.accepted(done);
          await new Promise((r) => setTimeout(r, 200)); // A's acceptance lands
        }
        return out;
      },
      { step: 'initialize', name: 'raceAfterRead' },
    );
    try {
      const taken = await b.takeOverOutbox('sns:topic', 'B');
      expect(taken.map((d) => d.alertId).sort()).toEqual(
        held.alerts
          .map((x) => x.alertId)
          .filter((id) => !done.includes(id))
          .sort(),
      );
    } finally {
      raced.remove('raceAfterRead');
    }
    a.release('fail');
    await evaluationA;
  });
});
