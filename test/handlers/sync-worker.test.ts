// The sync in Lambda form against DynamoDB Local and the emulator: the planner queues one message per connector,
// the worker walks each, and a connector whose walk fails comes back in batchItemFailures (so SQS retries it).
import '../support/quiet.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '#functions/config';
import { sqsEnqueue } from '#functions/handlers/enqueue';
import { makeHandler as makePlanHandler } from '#functions/handlers/plan';
import { partnerApiFor } from '#functions/handlers/runtime';
import { makeHandler as makeWorkerHandler } from '#functions/handlers/sync-worker';
import { listLicenses } from '#ledger/queries';
import { createDynamoStore } from '#ledger/store/dynamo/index';
import type { LedgerStore as Ledger } from '#ledger/store/port';
import { type ConnectorRecord, type Emulator, startEmulator } from '#local/emulator/index';
import { fakeSqs, lambdaContext, scheduledEvent, sqsEvent, sqsRecord } from '../support/lambda-events.ts';
import { freshTable } from '../support/tables.ts';

const TOKEN_SECRET = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:licensewatch-token-AbCdEf';
const QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/LicenseWatch-SyncWork';

let emu: Emulator;
let ledger: Ledger;
let good: ConnectorRecord;
let bad: ConnectorRecord;
const secretReads: string[] = [];
const sent: string[] = [];
let api: ReturnType<typeof partnerApiFor>;

const sqs = fakeSqs(sent);

beforeAll(async () => {
  emu = await startEmulator({ dataSet: 'empty', token: 'worker-test-token' });
  good = emu.addConnector({ name: 'Good connector' });
  for (let i = 0; i < 3; i++) emu.addLicense(good._id);
  bad = emu.addConnector({ name: 'Failing connector' });
  for (let i = 0; i < 2; i++) emu.addLicense(bad._id);

  const { client, tableName } = await freshTable('handlers');
  ledger = createDynamoStore(client, tableName);
  const config = loadConfig({
    TABLE_NAME: tableName,
    CELIGO_API_URL: emu.url,
    CELIGO_TOKEN_SECRET_ARN: TOKEN_SECRET,
  });
  // The only stub: Secrets Manager. Everything else is the real client against a real HTTP server.
  api = partnerApiFor(config, async (secretId) => {
    secretReads.push(secretId);
    return emu.token;
  });
});

afterAll(async () => {
  await emu?.close();
});

describe('plan handler', () => {
  it('snapshots the connectors and queues one sync unit per connector', async () => {
    const plan = makePlanHandler({
      ledger,
      accounts: ['default'],
      api,
      enqueue: sqsEnqueue(sqs, QUEUE_URL),
    });
    const result = await plan(
      scheduledEvent('LicenseWatch-SyncSchedule'),
      lambdaContext('LicenseWatch-SyncPlan'),
    );
    expect(result.queued).toBe(2);
    expect(sent.map((body) => JSON.parse(body))).toEqual(
      expect.arrayContaining([
        { runId: result.runId, connectorId: good._id, account: 'default' },
        { runId: result.runId, connectorId: bad._id, account: 'default' },
      ]),
    );
    expect(secretReads).toEqual([TOKEN_SECRET]);
    expect(emu.lastAuthorization).toBe('Bearer worker-test-token');
  });
});

describe('sync worker handler', () => {
  it('answers the failing connector’s message id in batchItemFailures, and stores the good one', async () => {
    emu.failConnector(bad._id, { status: 500 });
    const records = sent.map((body) => sqsRecord(body));
    const badRecord = records.find((r) => JSON.parse(r.body).connectorId === bad._id)!;
    const runId = JSON.parse(records[0]!.body).runId as string;

    const worker = makeWorkerHandler({ ledger, api });
    const response = await worker(sqsEvent(records), lambdaContext('LicenseWatch-SyncWorker'));

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: badRecord.messageId }] });
    const stored = await listLicenses(ledger, good._id);
    expect(stored.items.map((v) => v.id).sort()).toEqual(
      emu
        .licenses(good._id)
        .map((l) => l._id)
        .sort(),
    );
    expect((await listLicenses(ledger, bad._id)).items).toEqual([]);
    const runs = await ledger.connectorRuns(runId);
    expect(runs.find((r) => r.connectorId === bad._id)).toMatchObject({
      status: 'failed',
      error: { code: expect.any(String) },
    });
    expect(await ledger.getRun(runId)).toMatchObject({ completed: 1, failed: 1 });
  });

  it('walks the failed connector when SQS redelivers its message after the upstream recovered', async () => {
    emu.clearFailures();
    const body = sent.find((b) => JSON.parse(b).connectorId === bad._id)!;
    const worker = makeWorkerHandler({ ledger, api });
    const response = await worker(sqsEvent([sqsRecord(body, 2)]), lambdaContext('LicenseWatch-SyncWorker'));
    expect(response).toEqual({ batchItemFailures: [] });
    expect((await listLicenses(ledger, bad._id)).items).toHaveLength(2);
  });

  it('reports a message that is not a sync unit, without losing the good ones beside it', async () => {
    const goodBody = sent.find((b) => JSON.parse(b).connectorId === good._id)!;
    const junk = [sqsRecord('not json'), sqsRecord(JSON.stringify({ connectorId: good._id }))];
    const worker = makeWorkerHandler({ ledger, api });
    const response = await worker(
      sqsEvent([sqsRecord(goodBody), ...junk]),
      lambdaContext('LicenseWatch-SyncWorker'),
    );
    expect(response.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(
      junk.map((r) => r.messageId).sort(),
    );
  });

  it('fails the invocation when every message fails, so Lambda reports an error (and the alarm sees it)', async () => {
    const worker = makeWorkerHandler({ ledger, api });
    await expect(
      worker(sqsEvent([sqsRecord('{}')]), lambdaContext('LicenseWatch-SyncWorker')),
    ).rejects.toThrow(/All records failed/i);
  });
});
