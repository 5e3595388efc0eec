// Delivery per (alert, sink) against DynamoDB Local: a sink failing half-way keeps what it delivered, two evaluators
// at once deliver each alert once per sink, a console run leaves SNS its alerts, and a repeat writes only its leases.
import { describe, expect, it } from 'vitest';
import { snsSink } from '#alerts/sns';
import type { AlertLog } from '#ledger/store/port';
import type { StoredLicense } from '#ledger/store/records';
import { evaluateAlerts } from '#watch/evaluate';
import { alertLedger, idsOf, memorySink } from '../support/alert-ledger.ts';
import { fakeSns } from '../support/fake-sns.ts';

const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:LicenseWatch-AlertingTopic';
const SNS_ID = `sns:${TOPIC}`;
const WRITES = ['TransactWriteItems', 'PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem'];
const writeCalls = (calls: Record<string, number>) => WRITES.reduce((n, c) => n + (calls[c] ?? 0), 0);

/** Every alert of the ledger, as GET /alerts lists them. */
async function listed(ledger: AlertLog) {
  return (await ledger.listAlerts({ limit: 1000 })).items;
}

describe('a sink failing half-way', () => {
  it('SNS batch 3 of 5 throws: batches 1-2 are recorded, and only the rest is published again', async () => {
    const h = await alertLedger(50);
    const sns = fakeSns();
    sns.failOnBatch = 3;
    const sink = () => snsSink(sns.client, TOPIC, { inFlight: 1 });
    const first = await evaluateAlerts({ ledger: h.ledger, sinks: [sink()] });
    expect(first.items).toHaveLength(50);
    expect(first.errors).toEqual([{ sink: SNS_ID, message: 'Rate exceeded' }]);
    const sent = sns.entries.map((e) => e.message.alertId as string);
    expect(sent).toHaveLength(20);
    expect(first.sinks).toEqual([{ sink: SNS_ID, due: 50, accepted: 20, pending: 30 }]);
    const alerts = await listed(h.ledger);
    expect(
      alerts
        .filter((a) => a.status === 'sent')
        .map((a) => a.alertId)
        .sort(),
    ).toEqual(sent.sort());
    const failed = alerts.find((a) => a.status === 'pending')!;
    expect(failed.deliveries).toMatchObject([
      { sink: SNS_ID, state: 'pending', attempts: 1, lastError: 'Rate exceeded' },
    ]);

    const second = await evaluateAlerts({ ledger: h.ledger, sinks: [sink()] });
    expect(second).toMatchObject({ items: [], retried: 30, pending: 0, errors: [] });
    const all = sns.entries.map((e) => e.message.alertId as string);
    expect(all).toHaveLength(50);
    expect(new Set(all).size).toBe(50);
    // Each evaluation that delivered told people once: the retry's digest covers the 30 left.
    expect(sns.digests.map((d) => d.message.total)).toEqual([50, 30]);
    expect((await listed(h.ledger)).every((a) => a.status === 'sent')).toBe(true);
  });

  it('batches in flight together: whatever SNS accepted is recorded, exactly the rest is retried', async () => {
    const h = await alertLedger(95);
    const sns = fakeSns();
    sns.failOnBatch = 4;
    await evaluateAlerts({ ledger: h.ledger, sinks: [snsSink(sns.client, TOPIC)] });
    const before = sns.entries.map((e) => e.message.alertId as string);
    expect(before.length).toBeGreaterThanOrEqual(30);
    expect(before.length).toBeLessThan(95);
    await evaluateAlerts({ ledger: h.ledger, sinks: [snsSink(sns.client, TOPIC)] });
    const after = sns.entries.map((e) => e.message.alertId as string);
    expect(after).toHaveLength(95);
    expect(new Set(after).size).toBe(95);
  });
});

describe('two evaluations at once', () => {
  it('deliver each alert once per sink: each sink is held by one of them at a time', async () => {
    const h = await alertLedger(120);
    const [a1, a2, b1] = [memorySink('sns:topic'), memorySink('console'), memorySink('sns:topic')];
    const [a, b] = await Promise.all([
      evaluateAlerts({ ledger: h.ledger, sinks: [a1, a2] }),
      evaluateAlerts({ ledger: h.ledger, sinks: [b1] }),
    ]);
    const sns = [...a1.got, ...b1.got];
    expect(idsOf(sns)).toEqual([...new Set(idsOf(sns))]);
    expect(sns).toHaveLength(120);
    expect(a2.got).toHaveLength(120);
    expect(a.errors).toEqual([]);
    expect(b.errors).toEqual([]);
    // Nothing left for anyone.
    const again = await evaluateAlerts({
      ledger: h.ledger,
      sinks: [memorySink('sns:topic'), memorySink('console')],
    });
    expect(again).toMatchObject({ items: [], retried: 0, pending: 0 });
  });
});

describe('a CLI run beside the Lambda', () => {
  it("a console run does not mark SNS's deliveries done; the SNS run still delivers every alert", async () => {
    const h = await alertLedger(12);
    const lines: string[] = [];
    const { consoleSink } = await import('#alerts/console');
    const cliRun = await evaluateAlerts({ ledger: h.ledger, sinks: [consoleSink((l) => lines.push(l))] });
    expect(cliRun.items).toHaveLength(12);
    expect(lines).toHaveLength(12);
    for (const a of await listed(h.ledger)) expect(a.deliveries?.map((d) => d.sink)).toEqual(['console']);

    const sns = fakeSns();
    const lambda = await evaluateAlerts({ ledger: h.ledger, sinks: [snsSink(sns.client, TOPIC)] });
    expect(lambda.items).toHaveLength(12);
    expect(sns.entries).toHaveLength(12);
    for (const a of await listed(h.ledger)) {
      expect(a.status).toBe('sent');
      expect(a.deliveries?.map((d) => [d.sink, d.state])).toEqual([
        ['console', 'accepted'],
        [SNS_ID, 'accepted'],
      ]);
    }
    // And a second console run prints nothing new.
    expect(
      (await evaluateAlerts({ ledger: h.ledger, sinks: [consoleSink((l) => lines.push(l))] })).items,
    ).toEqual([]);
    expect(lines).toHaveLength(12);
  });
});

describe('write cost', () => {
  it('a repeat evaluation with nothing new writes only its leases; new alerts cost a few transactions', async () => {
    const h = await alertLedger(250);
    const sinks = () => [memorySink('sns:topic'), memorySink('webhook:0123456789abcdef')];
    await evaluateAlerts({ ledger: h.ledger, sinks: sinks() });
    h.meter.reset();
    const repeat = await evaluateAlerts({ ledger: h.ledger, sinks: sinks() });
    expect(repeat.items).toEqual([]);
    // Per sink: its lease taken and handed back. Nothing per alert.
    expect(h.meter.calls).toMatchObject({ PutItem: 2, UpdateItem: 2 });
    expect(writeCalls(h.meter.calls)).toBe(4);
    // Claims were read in batches, not one by one.
    expect(h.meter.calls.BatchGetItem).toBe(3);

    await h.add(5);
    h.meter.reset();
    const more = await evaluateAlerts({ ledger: h.ledger, sinks: sinks() });
    expect(more.items).toHaveLength(5);
    // Per sink: the outbox batch opened, then the five recorded as accepted (one transaction each).
    expect(h.meter.calls.TransactWriteItems).toBe(4);
    expect(writeCalls(h.meter.calls)).toBe(8);
    // One write per (alert, sink) on the claims, plus one per batch.
    expect(h.meter.writtenByKind['LICENSE/ALERT']).toBe(10);
  });
});

describe('an alert met twice in one evaluation', () => {
  it('is delivered once, also when the rule hands it over again in a later chunk', async () => {
    const h = await alertLedger(2);
    // The not-installed index answering one license again and again (an item that moved in the index while the
    // rule paged it): more than a chunk of 1,000, so it comes back in a second chunk.
    const repeating = {
      ...h.ledger,
      async *notInstalledBefore(...args: Parameters<typeof h.ledger.notInstalledBefore>) {
        let first: StoredLicense | undefined;
        for await (const item of h.ledger.notInstalledBefore(...args)) {
          first ??= item;
          yield item;
        }
        for (let i = 0; i < 1_000; i++) yield first!;
      },
    };
    const sink = memorySink('console');
    const result = await evaluateAlerts({ ledger: repeating, sinks: [sink] });
    expect(sink.got).toHaveLength(2);
    expect(new Set(idsOf(sink.got)).size).toBe(2);
    expect(result.sinks).toEqual([{ sink: 'console', due: 2, accepted: 2, pending: 0 }]);
  });
});

describe('a run right after another', () => {
  it('reads the claims strongly consistent, so it sees what the first run delivered', async () => {
    const h = await alertLedger(3);
    const first = memorySink('console');
    await evaluateAlerts({ ledger: h.ledger, sinks: [first] });
    expect(first.got).toHaveLength(3);
    // DynamoDB Local is always consistent; in AWS a claim read eventually consistent may predate its acceptance.
    const reads: { ConsistentRead?: boolean }[] = [];
    h.client.middlewareStack.add(
      (next, context) => async (args) => {
        if (/^BatchGet(Item)?Command$/.test(context.commandName as string)) {
          const input = args.input as { RequestItems: Record<string, { ConsistentRead?: boolean }> };
          reads.push(...Object.values(input.RequestItems));
        }
        return next(args);
      },
      { step: 'initialize', name: 'claimReads' },
    );
    try {
      const second = memorySink('console');
      await evaluateAlerts({ ledger: h.ledger, sinks: [second] });
      expect(second.got).toEqual([]);
      expect(reads.length).toBeGreaterThan(0);
      expect(reads.every((r) => r.ConsistentRead === true)).toBe(true);
    } finally {
      h.client.middlewareStack.remove('claimReads');
    }
  });
});
