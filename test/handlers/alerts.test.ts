// The alerts handler over a ledger synced from the emulator into DynamoDB Local: each alert reaches SNS (a digest and
// a message of its own) and a real webhook (a digest) once, a second run raises nothing, and a failed webhook
// delivery fails the run and is retried next time.
import '../support/quiet.ts';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PublishBatchCommand, type PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPartnerApi } from '#celigo/client';
import { loadConfig } from '#functions/config';
import { makeHandler, sinksFor } from '#functions/handlers/alerts';
import { createDynamoStore } from '#ledger/store/dynamo/index';
import type { LedgerStore as Ledger } from '#ledger/store/port';
import { planSync, runPlan } from '#ledger/sync';
import { type ConnectorRecord, type Emulator, startEmulator } from '#local/emulator/index';
import { lambdaContext, scheduledEvent } from '../support/lambda-events.ts';
import { freshTable } from '../support/tables.ts';

const DAY = 86_400_000;
const TOPIC = 'arn:aws:sns:us-east-1:123456789012:LicenseWatch-AlertingTopic';
const WEBHOOK_SECRET = 'licensewatch/slack';

let emu: Emulator;
let connector: ConnectorRecord;
let ledger: Ledger;
let webhook: Server;
let webhookUrl: string;
let webhookStatus = 200;
const webhookPosts: { format: string; alertIds: string[]; total: number; text: string }[] = [];
const published: { topic: string; rule: string; licenseId: string }[] = [];
const digests: { topic: string; alertIds: string[]; total: number }[] = [];

/** SNS at its edge: records each digest (Publish) and per-alert entry (PublishBatch), and accepts them. */
const fakeSns = {
  async send(command: PublishBatchCommand | PublishCommand) {
    if (!(command instanceof PublishBatchCommand)) {
      const { input } = command;
      expect(input.MessageAttributes?.format?.StringValue).toBe('digest');
      digests.push({ topic: input.TopicArn!, ...JSON.parse(JSON.parse(input.Message!).default) });
      return { MessageId: 'digest' };
    }
    const entries = command.input.PublishBatchRequestEntries ?? [];
    for (const e of entries) {
      const alert = JSON.parse(e.Message!);
      expect(e.MessageAttributes!.format!.StringValue).toBe('alert');
      published.push({
        topic: command.input.TopicArn!,
        rule: e.MessageAttributes!.rule!.StringValue!,
        licenseId: alert.licenseId,
      });
    }
    return { Successful: entries.map((e) => ({ Id: e.Id, MessageId: e.Id })), Failed: [] };
  },
} as unknown as SNSClient;

const sync = async () => {
  const api = createPartnerApi({ apiUrl: emu.url, token: emu.token, retries: 0 });
  await runPlan({ ledger, api }, await planSync({ ledger, api }));
};

let handler: ReturnType<typeof makeHandler>;
let tableName: string;
const run = () =>
  handler(scheduledEvent('LicenseWatch-AlertingSchedule'), lambdaContext('LicenseWatch-Alerts'));

beforeAll(async () => {
  webhook = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      if (webhookStatus === 200) webhookPosts.push(JSON.parse(body));
      res.writeHead(webhookStatus).end();
    });
  });
  await new Promise<void>((resolve) => webhook.listen(0, '127.0.0.1', resolve));
  webhookUrl = `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/hooks/T000/B000/secret-part`;

  emu = await startEmulator({ dataSet: 'empty', token: 'alerts-test-token' });
  connector = emu.addConnector();
  emu.addLicense(connector._id, { expires: new Date(Date.now() + 5 * DAY + 3_600_000).toISOString() });
  emu.addLicense(connector._id); // healthy: a year to go
  const table = await freshTable('alerts');
  const { client } = table;
  tableName = table.tableName;
  ledger = createDynamoStore(client, tableName);
  await sync();

  const config = loadConfig({
    TABLE_NAME: tableName,
    ALERT_TOPIC_ARN: TOPIC,
    ALERT_WEBHOOK_SECRET_ARN: WEBHOOK_SECRET,
    ALERT_THRESHOLDS: '30,14,7,1,0',
  });
  const readSecret = async (id: string) => {
    if (id !== WEBHOOK_SECRET) throw new Error(`unexpected secret ${id}`);
    return webhookUrl;
  };
  handler = makeHandler({ ledger, sinks: sinksFor(config, readSecret, fakeSns), watch: config.watch });
});

afterAll(async () => {
  await emu?.close();
  await new Promise((resolve) => webhook?.close(resolve));
});

describe('alerts handler', () => {
  it('publishes each new alert to the topic and the webhook once; a second run raises nothing', async () => {
    const first = await run();
    expect(first.raised).toBe(1);
    expect(published).toMatchObject([{ topic: TOPIC, rule: 'expiring' }]);
    expect(digests).toMatchObject([{ topic: TOPIC, total: 1 }]);
    expect(webhookPosts).toHaveLength(1);
    expect(webhookPosts[0]).toMatchObject({ format: 'digest', total: 1 });
    expect(webhookPosts[0]!.alertIds[0]!.startsWith(`${published[0]!.licenseId}#expiring#`)).toBe(true);
    expect(webhookPosts[0]!.text).toContain(`--table ${tableName}`);

    expect(await run()).toMatchObject({ raised: 0, pending: 0 });
    expect(published).toHaveLength(1);
    expect(digests).toHaveLength(1);
    expect(webhookPosts).toHaveLength(1);
  });

  it('fails the run when the webhook is down, without losing or repeating the alert', async () => {
    const soon = emu.addLicense(connector._id, {
      expires: new Date(Date.now() + 2 * DAY + 3_600_000).toISOString(),
    });
    await sync();
    webhookStatus = 500;
    await expect(run()).rejects.toThrow(/alert delivery failed: webhook/);
    expect(published.map((p) => p.licenseId)).toContain(soon._id); // SNS took it anyway
    expect(webhookPosts).toHaveLength(1);

    webhookStatus = 200;
    expect(await run()).toMatchObject({ raised: 0, retried: 1, pending: 0 });
    expect(webhookPosts).toHaveLength(2);
    expect(webhookPosts[1]!.alertIds.map((id) => id.split('#')[0])).toEqual([soon._id]);
    expect(published.filter((p) => p.licenseId === soon._id)).toHaveLength(1);
  });
});
