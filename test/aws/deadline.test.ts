// Lambda's clock on alert evaluation: with a clock that advances with every DynamoDB call, an evaluation that has
// more to read than its time allows leaves in time, delivers what it read, and the runs after it deliver the rest,
// each alert once. The alerts handler passes Lambda's remaining time and answers a cut-short run without failing.
import { describe, expect, it } from 'vitest';
import { makeHandler } from '#functions/handlers/alerts';
import { evaluateAlerts } from '#watch/evaluate';
import { alertLedger, memorySink } from '../support/alert-ledger.ts';

/**
 * What each DynamoDB call costs of the evaluation's (fake) time: a transaction (up to 100 items) ten reads. Slow on
 * purpose (DynamoDB answers in tens of ms): the deadline is met by the evaluation, not by fast calls.
 */
const spent = (calls: Record<string, number>) =>
  Object.entries(calls).reduce(
    (ms, [command, n]) => ms + n * (command.startsWith('TransactWrite') ? 1_000 : 100),
    0,
  );

describe('alert evaluation against a deadline', () => {
  it('leaves in time with progress kept; the next runs deliver the rest, each alert once', async () => {
    const alerts = await alertLedger(1_500);
    const sink = memorySink('sns:topic');
    let runs = 0;
    const budgets: number[] = [];
    for (;;) {
      runs++;
      alerts.meter.reset();
      // An 8-second invocation, on a clock that moves only with the store's calls: all of it takes about 20 s.
      const timeLeft = () => 8_000 - spent(alerts.meter.calls);
      const result = await evaluateAlerts({ ledger: alerts.ledger, sinks: [sink], timeLeft });
      budgets.push(timeLeft());
      expect(result.errors).toEqual([]);
      expect(timeLeft(), `run ${runs} left in time`).toBeGreaterThan(0);
      if (!result.cutShort) break;
      expect(result.items.length, `run ${runs} delivered what it read`).toBeGreaterThan(0);
      expect(runs).toBeLessThan(15);
    }
    process.stderr.write(`deadline: ${runs} runs, time left at each end (ms): ${budgets.join(', ')}\n`);
    expect(runs).toBeGreaterThan(1);
    const ids = sink.got.map((a) => a.alertId);
    expect(new Set(ids).size).toBe(1_500);
    expect(ids).toHaveLength(1_500);
  }, 300_000);

  it("the alerts handler passes Lambda's remaining time, and a cut-short run is not a failure", async () => {
    const alerts = await alertLedger(2_500);
    const sink = memorySink('sns:topic');
    const handler = makeHandler({ ledger: alerts.ledger, sinks: async () => [sink], watch: {} });
    alerts.meter.reset();
    const context = { getRemainingTimeInMillis: () => 7_000 - spent(alerts.meter.calls) } as never;
    const answer = (await handler({}, context)) as { raised: number; cutShort?: boolean };
    expect(answer.cutShort).toBe(true);
    expect(answer.raised).toBe(sink.got.length);
    expect(answer.raised).toBeGreaterThan(0);
    expect(answer.raised).toBeLessThan(2_500);
  }, 120_000);
});
