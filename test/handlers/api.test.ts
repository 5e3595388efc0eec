// The api handler fed API Gateway HTTP API (payload 2.0) events, over a ledger synced from the emulator into
// DynamoDB Local; writes reach the emulator with the token read through the (stubbed) secret.
import '../support/quiet.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '#functions/config';
import { makeHandler } from '#functions/handlers/api';
import { partnerApiFor } from '#functions/handlers/runtime';
import { createDynamoStore } from '#ledger/store/dynamo/index';
import { planSync, runPlan } from '#ledger/sync';
import {
  type ConnectorRecord,
  type Emulator,
  type LicenseRecord,
  startEmulator,
} from '#local/emulator/index';
import { httpApiEvent, lambdaContext } from '../support/lambda-events.ts';
import { freshTable } from '../support/tables.ts';

const DAY = 86_400_000;
const TOKEN_SECRET = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:licensewatch-token-AbCdEf';

let emu: Emulator;
let connector: ConnectorRecord;
let expiring: LicenseRecord;
let handler: ReturnType<typeof makeHandler>;
let secretValue: string | undefined;

const call = async (method: string, path: string, body?: unknown) => {
  const event = httpApiEvent(
    method,
    path,
    body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) },
  );
  const res = await handler(event, lambdaContext('LicenseWatch-Api'));
  const type = String(res.headers?.['content-type'] ?? '');
  return { ...res, json: type.includes('json') ? JSON.parse(res.body) : undefined };
};

beforeAll(async () => {
  emu = await startEmulator({ dataSet: 'empty', token: 'api-test-token' });
  connector = emu.addConnector({ name: 'Shop connector' });
  expiring = emu.addLicense(connector._id, { expires: new Date(Date.now() + 5 * DAY).toISOString() });
  emu.addLicense(connector._id);
  const { client, tableName } = await freshTable('api');
  const ledger = createDynamoStore(client, tableName);
  const config = loadConfig({
    TABLE_NAME: tableName,
    CELIGO_API_URL: emu.url,
    CELIGO_TOKEN_SECRET_ARN: TOKEN_SECRET,
  });
  const api = partnerApiFor(config, async (id) => {
    if (id !== TOKEN_SECRET || secretValue === undefined) throw new Error(`secret ${id} has no value`);
    return secretValue;
  });
  secretValue = emu.token;
  await runPlan({ ledger, api: await api() }, await planSync({ ledger, api: await api() }));
  handler = makeHandler({ ledger, api, config });
});

afterAll(async () => {
  await emu?.close();
});

describe('api handler (API Gateway v2 events)', () => {
  it('lists connectors', async () => {
    const res = await call('GET', '/connectors');
    expect(res.statusCode).toBe(200);
    expect(res.json.items.map((c: { id?: string; connectorId?: string }) => c.id ?? c.connectorId)).toEqual([
      connector._id,
    ]);
  });

  it('reads a license view by id, and the expiring report with its query string', async () => {
    const license = await call('GET', `/licenses/${expiring._id}`);
    expect(license.statusCode).toBe(200);
    expect(license.json).toMatchObject({ id: expiring._id, connectorId: connector._id, expiry: 'expiring' });

    const report = await call('GET', '/reports/expiring?withinDays=7');
    expect(report.statusCode).toBe(200);
    expect(report.json.items.map((v: { id: string }) => v.id)).toEqual([expiring._id]);
  });

  it('updates a license upstream and records the new version', async () => {
    const expires = new Date(Date.now() + 400 * DAY).toISOString();
    const res = await call('PUT', `/connectors/${connector._id}/licenses/${expiring._id}`, { expires });
    expect(res.statusCode).toBe(200);
    expect(res.json).toMatchObject({ id: expiring._id, expires, expiry: 'ok' });
    expect(emu.licenses(connector._id).find((l) => l._id === expiring._id)?.expires).toBe(expires);
    const history = await call('GET', `/licenses/${expiring._id}/history`);
    expect(history.json.items[0]).toMatchObject({
      change: 'updated',
      changes: expect.arrayContaining(['expires']),
    });
  });

  it('answers errors in the API’s shape: unknown route, bad input, malformed JSON', async () => {
    const missing = await call('GET', '/nothing-here');
    expect(missing.statusCode).toBe(404);
    expect(missing.json.errors[0].code).toBeTypeOf('string');

    const badQuery = await call('GET', '/reports/expiring?withinDays=soon');
    expect(badQuery.statusCode).toBe(400);
    expect(badQuery.json.errors[0]).toMatchObject({ field: expect.stringContaining('withinDays') });

    const malformed = await call(
      'PUT',
      `/connectors/${connector._id}/licenses/${expiring._id}`,
      '{"expires": ',
    );
    expect(malformed.statusCode).toBe(400);
  });

  it('keeps serving reads when the token secret has no value, and says so on writes', async () => {
    secretValue = undefined;
    try {
      expect((await call('GET', '/connectors')).statusCode).toBe(200);
      const write = await call('PUT', `/connectors/${connector._id}/licenses/${expiring._id}`, {
        expires: new Date(Date.now() + 500 * DAY).toISOString(),
      });
      expect(write.statusCode).toBe(503);
      expect(JSON.stringify(write.json)).not.toContain(TOKEN_SECRET);
    } finally {
      secretValue = emu.token;
    }
  });
});
