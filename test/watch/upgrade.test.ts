// The upgrade, against DynamoDB Local: claims and OUTBOX entries exactly as the previous version wrote them (one
// claim per alert with `status`, one OUTBOX partition naming pending sinks `sns` / `webhook` / `console`), then the
// new code: nothing standing is raised again, and each legacy pending delivery reaches its sink once.
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { candidateAlerts, DEFAULT_WATCH_CONFIG, evaluateAlerts } from '#watch/evaluate';
import { alertLedger, idsOf, memorySink, NOW } from '../support/alert-ledger.ts';

const SNS = 'sns:arn:aws:sns:eu-west-1:123456789012:LicenseWatch-AlertingTopic';
const WEBHOOK = 'webhook:5f0c2b7e9a1d3c4b';

describe('upgrading from one outbox', () => {
  it('keeps what was delivered, delivers what was pending once per sink, and raises only what is new', async () => {
    const h = await alertLedger(6);
    const legacy = (await candidateAlerts(h.ledger, DEFAULT_WATCH_CONFIG)).sort((a, b) =>
      a.alert.alertId.localeCompare(b.alert.alertId),
    );
    expect(legacy).toHaveLength(6);
    const put = (Item: Record<string, unknown>) =>
      h.client.send(new PutCommand({ TableName: h.tableName, Item }));
    // Claims as the previous version's claimAlert wrote them, then its deliveryDone for the delivered ones.
    for (const [i, { key, alert }] of legacy.entries()) {
      const sent = i < 3;
      await put({
        PK: `LICENSE#${key.licenseId}`,
        SK: `ALERT#${key.rule}#${key.cycle}#${key.threshold}`,
        type: 'alert',
        feed_pk: 'ALERTS',
        feed_sk: `${alert.raisedAt}#${alert.alertId}`,
        ...alert,
        status: sent ? 'sent' : 'pending',
        ...(sent ? { sentAt: alert.raisedAt } : {}),
      });
    }
    const [, , , webhookFailed, crashed, cliCrashed] = legacy;
    // SNS took it, the webhook failed (deliveryLeft).
    await put({
      PK: 'OUTBOX',
      SK: webhookFailed!.alert.alertId,
      alertKey: webhookFailed!.key,
      alert: webhookFailed!.alert,
      pending: ['webhook'],
      leaseUntil: 0,
      attempts: 1,
      lastError: 'webhook delivery failed with HTTP 503',
    });
    // Claimed by an evaluation that died before delivering; written before outbox entries carried their key.
    await put({
      PK: 'OUTBOX',
      SK: crashed!.alert.alertId,
      alert: crashed!.alert,
      pending: ['sns', 'webhook'],
      leaseUntil: NOW - 60_000,
      attempts: 0,
    });
    // A CLI run that died before printing.
    await put({
      PK: 'OUTBOX',
      SK: cliCrashed!.alert.alertId,
      alertKey: cliCrashed!.key,
      alert: cliCrashed!.alert,
      pending: ['console'],
      leaseUntil: NOW - 60_000,
      attempts: 0,
    });
    const fresh = await h.add(2);

    // A CLI run first: the console gets its own pending one and the new ones; SNS and webhook entries stay.
    const console1 = memorySink('console');
    const cli = await evaluateAlerts({ ledger: h.ledger, sinks: [console1] });
    expect(cli.items.map((a) => a.licenseId).sort()).toEqual([...fresh].sort());
    expect(cli.retried).toBe(1);
    expect(console1.got.map((a) => a.alertId).sort()).toEqual(
      [cliCrashed!.alert.alertId, ...cli.items.map((a) => a.alertId)].sort(),
    );

    // The Lambda's sinks.
    const sns = memorySink(SNS);
    const webhook = memorySink(WEBHOOK);
    const lambda = await evaluateAlerts({ ledger: h.ledger, sinks: [sns, webhook] });
    expect(lambda.items.map((a) => a.licenseId).sort()).toEqual([...fresh].sort());
    expect(lambda.retried).toBe(2);
    const newIds = lambda.items.map((a) => a.alertId);
    expect(idsOf(sns.got)).toEqual([crashed!.alert.alertId, ...newIds].sort());
    expect(idsOf(webhook.got)).toEqual(
      [webhookFailed!.alert.alertId, crashed!.alert.alertId, ...newIds].sort(),
    );

    const listed = (await h.ledger.listAlerts({ limit: 100 })).items;
    expect(listed).toHaveLength(8);
    expect(listed.every((a) => a.status === 'sent' && a.sentAt)).toBe(true);
    expect(listed.find((a) => a.alertId === webhookFailed!.alert.alertId)?.deliveries).toMatchObject([
      { sink: WEBHOOK, state: 'accepted', attempts: 1 },
    ]);

    // Nothing left for anyone.
    for (const sinks of [[memorySink(SNS), memorySink(WEBHOOK)], [memorySink('console')]]) {
      const again = await evaluateAlerts({ ledger: h.ledger, sinks });
      expect(again).toMatchObject({ items: [], retried: 0, pending: 0 });
      expect(sinks.flatMap((s) => s.got)).toEqual([]);
    }
  });

  it('passes over an entry with no alert (a late update of the previous version) and delivers the others', async () => {
    const h = await alertLedger(2);
    const [pending] = await candidateAlerts(h.ledger, DEFAULT_WATCH_CONFIG);
    const put = (Item: Record<string, unknown>) =>
      h.client.send(new PutCommand({ TableName: h.tableName, Item }));
    await put({ PK: 'OUTBOX', SK: pending!.alert.alertId, pending: ['sns'], leaseUntil: 0, attempts: 2 });
    const sns = memorySink(SNS);
    const run = await evaluateAlerts({ ledger: h.ledger, sinks: [sns] });
    expect(run.errors).toEqual([]);
    expect(idsOf(sns.got)).toHaveLength(2);
    expect(sns.got.every((a) => a.rule === 'not-installed' && a.licenseId)).toBe(true);
  });
});
