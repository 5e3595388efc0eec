// The Lambda side of several partner accounts, against DynamoDB Local and the emulator's two accounts: the accounts
// list from the environment, one client per account from its own secret, a planner that queues the healthy account
// and fails loudly for the other, and workers that walk old messages (no account) and new ones alike.
import '../support/quiet.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect } from '#celigo/client';
import { ConfigError, loadConfig } from '#functions/config';
import { sqsEnqueue } from '#functions/handlers/enqueue';
import { makeHandler as makePlanHandler } from '#functions/handlers/plan';
import { MissingSecretError, partnerApiFor } from '#functions/handlers/runtime';
import { makeHandler as makeWorkerHandler } from '#functions/handlers/sync-worker';
import { listConnectors } from '#ledger/queries';
import { createDynamoStore } from '#ledger/store/dynamo/index';
import type { LedgerStore } from '#ledger/store/port';
import { type Emulator, startEmulator } from '#local/emulator/index';
import { fakeSqs, lambdaContext, scheduledEvent, sqsEvent, sqsRecord } from '../support/lambda-events.ts';
import { freshTable } from '../support/tables.ts';

const US = 'handlers-us-token';
const EU = 'handlers-eu-token';
let emu: Emulator;
let ledger: LedgerStore;
const secrets: Record<string, string> = { 'us-secret': US, 'eu-secret': EU };
const sent: string[] = [];
const sqs = fakeSqs(sent);

const accountsEnv = () =>
  JSON.stringify([
    { name: 'us', apiUrl: emu.url, tokenSecretId: 'us-secret' },
    { name: 'eu', apiUrl: emu.url, tokenSecretId: 'eu-secret' },
  ]);
const read = async (id: string) => {
  if (!secrets[id])
    throw new MissingSecretError(`secret ${id} is empty or binary; store the value as a string`);
  return secrets[id]!;
};

beforeAll(async () => {
  emu = await startEmulator({
    dataSet: { connectors: 2, licensesPerConnector: 5 },
    token: US,
    accounts: [{ token: EU, dataSet: { connectors: 1, licensesPerConnector: 4 } }],
  });
  const { client, tableName } = await freshTable('accounts');
  ledger = createDynamoStore(client, tableName);
});
afterAll(() => emu?.close());

describe('LICENSEWATCH_ACCOUNTS', () => {
  it('lists the accounts, replacing CELIGO_API_URL and the single secret', () => {
    const config = loadConfig({ TABLE_NAME: 't', LICENSEWATCH_ACCOUNTS: accountsEnv() });
    expect(config.partnerApi.accounts).toEqual([
      { name: 'us', apiUrl: emu.url, tokenSecretId: 'us-secret' },
      { name: 'eu', apiUrl: emu.url, tokenSecretId: 'eu-secret' },
    ]);
  });

  it('refuses a malformed list with one error naming the variable, never echoing its value', () => {
    const bad = (value: string) => () => loadConfig({ TABLE_NAME: 't', LICENSEWATCH_ACCOUNTS: value });
    for (const value of [
      '{not json',
      '[]',
      '[{"name":"us","apiUrl":"us"}]',
      '[{"name":"u s","apiUrl":"us","tokenSecretId":"x"}]',
      '[{"name":"us","apiUrl":"us","tokenSecretId":"x"},{"name":"us","apiUrl":"eu","tokenSecretId":"y"}]',
    ]) {
      expect(bad(value), value).toThrow(ConfigError);
      expect(bad(value), value).toThrow(/LICENSEWATCH_ACCOUNTS/);
    }
  });
});

describe('one client per account', () => {
  it("reads each account's own secret, and knows no other account", async () => {
    const reads: string[] = [];
    const config = loadConfig({ TABLE_NAME: 't', LICENSEWATCH_ACCOUNTS: accountsEnv() });
    const api = partnerApiFor(config, async (id) => {
      reads.push(id);
      return read(id);
    });
    const us = await collect((await api('us')).connectorPages());
    const eu = await collect((await api('eu')).connectorPages());
    expect(us).toHaveLength(2);
    expect(eu).toHaveLength(1);
    expect(await api('us')).not.toBe(await api('eu'));
    expect(reads.sort()).toEqual(['eu-secret', 'eu-secret', 'us-secret', 'us-secret']);
    await expect(api('apac')).rejects.toThrow(/no partner account named apac/);
  });
});

describe('plan and worker handlers with two accounts', () => {
  const config = () => loadConfig({ TABLE_NAME: 't', LICENSEWATCH_ACCOUNTS: accountsEnv() });
  const plan = () =>
    makePlanHandler({
      ledger,
      accounts: ['us', 'eu'],
      api: partnerApiFor(config(), read),
      enqueue: sqsEnqueue(sqs, 'https://sqs/queue'),
    });
  const worker = () => makeWorkerHandler({ ledger, api: partnerApiFor(config(), read) });

  it("queue every account's connectors with their account, and walk each with its account's client", async () => {
    sent.length = 0;
    const { runId, queued } = await plan()(scheduledEvent('plan'), lambdaContext('plan'));
    expect(queued).toBe(3);
    const units = sent.map((body) => JSON.parse(body));
    expect(units.map((u) => u.account).sort()).toEqual(['eu', 'us', 'us']);
    const result = await worker()(sqsEvent(sent.map((body) => sqsRecord(body))), lambdaContext('worker'));
    expect(result).toEqual({ batchItemFailures: [] });
    expect((await ledger.getRun(runId))?.status).toBe('completed');
    const accounts = Object.fromEntries(
      (await listConnectors(ledger)).map((c) => [c.id, [c.account, c.licenses]]),
    );
    expect(accounts[emu.account(EU).connectors()[0]!._id]).toEqual(['eu', 4]);
  });

  it('walk a message queued before accounts existed (no account) with its connector account', async () => {
    const cid = emu.account(EU).connectors()[0]!._id;
    const old = JSON.stringify({ runId: 'before-accounts', connectorId: cid });
    const result = await worker()(sqsEvent([sqsRecord(old)]), lambdaContext('worker'));
    expect(result).toEqual({ batchItemFailures: [] });
  });

  it('walk a message queued under another account with the account its connector was last listed under', async () => {
    // Queued when the connector was listed under `us` (a message older than the last plan): its licenses are
    // recorded under `eu`, the connector's account now, so they are fetched with eu's client too.
    const cid = emu.account(EU).connectors()[0]!._id;
    const stale = JSON.stringify({ runId: 'stale-account', connectorId: cid, account: 'us' });
    const result = await worker()(sqsEvent([sqsRecord(stale)]), lambdaContext('worker'));
    expect(result).toEqual({ batchItemFailures: [] });
    const run = await ledger.connectorRuns('stale-account');
    expect(run.map((r) => [r.connectorId, r.status])).toEqual([[cid, 'completed']]);
  });

  it('an account whose token cannot be read fails only its own connectors, and the planner says so', async () => {
    sent.length = 0;
    secrets['eu-secret'] = '';
    try {
      await expect(plan()(scheduledEvent('plan'), lambdaContext('plan'))).rejects.toThrow(
        /partner account\(s\) could not be listed: eu \(missing_secret\)/,
      );
    } finally {
      secrets['eu-secret'] = EU;
    }
    const units = sent.map((body) => JSON.parse(body));
    expect(units.map((u) => u.account)).toEqual(['us', 'us']);
    const runId = units[0]!.runId;
    const run = await ledger.getRun(runId);
    expect(run).toMatchObject({ connectors: 3, failed: 1, status: 'running' });
    expect(run?.accountErrors).toEqual([expect.objectContaining({ account: 'eu', code: 'missing_secret' })]);
    const euConnector = (await listConnectors(ledger)).find((c) => c.account === 'eu')!;
    expect(euConnector.deletedAt).toBeUndefined();
    expect(euConnector.licenses).toBe(4);
  });
});
