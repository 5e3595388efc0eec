// The handlers' wiring: config from the environment, the token through the secret (and a rotated one), lazy
// dependencies, and the work queue's message contract and batch sending.
import '../support/quiet.ts';
import type { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '#functions/config';
import { sqsEnqueue } from '#functions/handlers/enqueue';
import { parseSyncUnit } from '#functions/handlers/queue';
import { lazy, lazyHandler, MissingSecretError, partnerApiFor } from '#functions/handlers/runtime';
import { type Emulator, startEmulator } from '#local/emulator/index';
import { lambdaContext } from '../support/lambda-events.ts';

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig({ TABLE_NAME: 'ledger' });
    expect(config).toEqual({
      tableName: 'ledger',
      partnerApi: { accounts: [{ name: 'default', apiUrl: 'https://api.integrator.io/v1' }] },
      alerts: { format: 'digest' },
      watch: {
        thresholds: [30, 14, 7, 1, 0],
        trialThresholds: [7, 3, 1, 0],
        expiringDays: 30,
        expiredWithinDays: 30,
        notInstalledDays: 7,
      },
    });
  });

  it('reads every variable, treating blank as unset, and prefers the secret over a plain token', () => {
    const config = loadConfig({
      TABLE_NAME: 't',
      CELIGO_API_URL: 'eu',
      CELIGO_TOKEN_SECRET_ARN: 'arn:secret',
      CELIGO_API_TOKEN: 'plain',
      WORK_QUEUE_URL: 'https://sqs/q',
      ALERT_TOPIC_ARN: 'arn:topic',
      ALERT_WEBHOOK_URL: 'https://hooks.example.com/x',
      ALERT_FORMAT: 'each',
      ALERT_REPORT_URL: 'https://api.example.com/',
      ALERT_THRESHOLDS: '7, 30,7 ,0',
      TRIAL_THRESHOLDS: '2,5, 2',
      EXPIRING_DAYS: '45',
      EXPIRED_WITHIN_DAYS: '',
      NOT_INSTALLED_DAYS: '3',
      PARTNER_API_CONCURRENCY: '4',
      PARTNER_API_RPS: '25',
    });
    expect(config.partnerApi).toEqual({
      accounts: [{ name: 'default', apiUrl: 'eu', tokenSecretId: 'arn:secret' }],
      concurrency: 4,
      requestsPerSecond: 25,
    });
    expect(config.alerts).toEqual({
      topicArn: 'arn:topic',
      webhookUrl: 'https://hooks.example.com/x',
      format: 'each',
      reportUrl: 'https://api.example.com/',
    });
    expect(config.watch).toEqual({
      thresholds: [30, 7, 0],
      trialThresholds: [5, 2],
      expiringDays: 45,
      expiredWithinDays: 30,
      notInstalledDays: 3,
    });
    expect(config.workQueueUrl).toBe('https://sqs/q');
  });

  it('names every bad variable in one error', () => {
    const attempt = () =>
      loadConfig({
        ALERT_FORMAT: 'digests',
        ALERT_THRESHOLDS: '30,x',
        TRIAL_THRESHOLDS: '7,soon',
        EXPIRING_DAYS: '-1',
        PARTNER_API_RPS: '0',
      });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(
      /TABLE_NAME: is required.*ALERT_FORMAT: must be digest or each.*ALERT_THRESHOLDS.*TRIAL_THRESHOLDS: must be whole days.*EXPIRING_DAYS.*PARTNER_API_RPS/,
    );
  });
});

describe('partnerApiFor', () => {
  let emu: Emulator;
  beforeAll(async () => {
    emu = await startEmulator({ dataSet: 'empty', token: 'first-token' });
    emu.addConnector({ name: 'One' });
  });
  afterAll(async () => emu?.close());

  it('reads the token from the secret on each call, keeps the client while it is unchanged, and follows a rotation', async () => {
    let token = 'first-token';
    const reads: string[] = [];
    const config = loadConfig({
      TABLE_NAME: 't',
      CELIGO_API_URL: emu.url,
      CELIGO_TOKEN_SECRET_ARN: 'arn:token',
    });
    const api = partnerApiFor(config, async (id) => {
      reads.push(id);
      return token;
    });
    const first = await api();
    expect(await api()).toBe(first);
    const [connector] = emu.connectors();
    expect((await first.getConnector(connector!._id))._id).toBe(connector!._id);

    emu.setToken('rotated-token');
    token = 'rotated-token';
    const rotated = await api();
    expect(rotated).not.toBe(first);
    expect((await rotated.getConnector(connector!._id))._id).toBe(connector!._id);
    expect(emu.lastAuthorization).toBe('Bearer rotated-token');
    expect(reads).toEqual(['arn:token', 'arn:token', 'arn:token']);
  });

  it('uses a plain token locally, and says what is missing when there is none', async () => {
    const local = partnerApiFor(
      loadConfig({ TABLE_NAME: 't', CELIGO_API_URL: emu.url, CELIGO_API_TOKEN: 'x' }),
    );
    expect((await local()).baseUrl).toBe(emu.url);
    const none = partnerApiFor(loadConfig({ TABLE_NAME: 't' }));
    await expect(none()).rejects.toThrow(MissingSecretError);
  });
});

describe('lazy dependencies', () => {
  it('builds once, and again after a failed build', async () => {
    let builds = 0;
    const get = lazy(async () => {
      builds++;
      if (builds === 1) throw new Error('first build fails');
      return builds;
    });
    await expect(get()).rejects.toThrow('first build fails');
    expect(await get()).toBe(2);
    expect(await get()).toBe(2);
    expect(builds).toBe(2);
  });

  it('builds a handler on its first invocation, not at import', async () => {
    let built = 0;
    const handler = lazyHandler(() => {
      built++;
      return async (event: { n: number }) => event.n * 2;
    });
    expect(built).toBe(0);
    expect(await handler({ n: 2 }, lambdaContext('f'))).toBe(4);
    expect(await handler({ n: 3 }, lambdaContext('f'))).toBe(6);
    expect(built).toBe(1);
  });

  it('the real handlers import without any environment', async () => {
    for (const name of ['plan', 'sync-worker', 'alerts', 'api']) {
      const mod = await import(`../../functions/handlers/${name}.ts`);
      expect(typeof mod.handler).toBe('function');
    }
  });
});

describe('work queue messages', () => {
  it('parses a sync unit and rejects anything else', () => {
    expect(parseSyncUnit('{"runId":"r1","connectorId":"c1","extra":1}')).toEqual({
      runId: 'r1',
      connectorId: 'c1',
    });
    expect(() => parseSyncUnit('nope')).toThrow(/not JSON/);
    expect(() => parseSyncUnit('{"runId":"r1"}')).toThrow(/not a sync unit/);
  });

  it('sends in batches of 10 and re-sends only the entries SQS rejected', async () => {
    const calls: string[][] = [];
    let rejectOnce = true;
    const sqs = {
      async send(command: SendMessageBatchCommand) {
        const entries = command.input.Entries!;
        calls.push(entries.map((e) => JSON.parse(e.MessageBody!).connectorId));
        const failed = rejectOnce ? [{ Id: entries[0]!.Id, Code: 'InternalError', SenderFault: false }] : [];
        rejectOnce = false;
        return { Successful: [], Failed: failed };
      },
    } as unknown as SQSClient;
    const units = Array.from({ length: 12 }, (_, i) => ({ runId: 'r', connectorId: `c${i}` }));
    await sqsEnqueue(sqs, 'https://sqs/q')(units);
    expect(calls.map((c) => c.length)).toEqual([10, 1, 2]);
    expect(calls[1]).toEqual(['c0']);
  });

  it('throws when SQS keeps rejecting an entry', async () => {
    const sqs = {
      async send(command: SendMessageBatchCommand) {
        return {
          Failed: command.input.Entries!.map((e) => ({
            Id: e.Id,
            Code: 'KMS.Throttled',
            SenderFault: false,
          })),
        };
      },
    } as unknown as SQSClient;
    await expect(sqsEnqueue(sqs, 'https://sqs/q')([{ runId: 'r', connectorId: 'c' }])).rejects.toThrow(
      /rejected 1 sync unit\(s\) after 3 attempts \(KMS.Throttled\)/,
    );
  });
});
