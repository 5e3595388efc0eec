// Lambda's clock (issue 21.2): a walk takes its invocation's deadline and leaves in time with its progress kept; the
// worker queues its continuation and answers every message of the batch. On a clock the test moves (each Partner API
// request costs 1/RATE s, DynamoDB Local and the emulator over HTTP answer at their own speed), a mass deletion
// between two syncs is all recorded within a bounded number of 5-minute invocations.
// `npm test` runs 2,000 at 1.2 requests/s; `npm run test:deadline` the 50,000 at 30 requests/s.
import '../support/quiet.ts';
import { afterAll, describe, expect, it } from 'vitest';
import { createPartnerApi, type PartnerApi } from '#celigo/client';
import { sqsEnqueue } from '#functions/handlers/enqueue';
import { makeHandler } from '#functions/handlers/sync-worker';
import { getLicense, listConnectors } from '#ledger/queries';
import { createDynamoStore } from '#ledger/store/dynamo/index';
import { planSync, runPlan } from '#ledger/sync';
import { type Emulator, startEmulator } from '#local/emulator/index';
import { fakeSqs, lambdaContext, sqsEvent, sqsRecord } from '../support/lambda-events.ts';
import { freshTable } from '../support/tables.ts';

/** Licenses deleted upstream between two syncs, and the Partner API's rate (requests/s of one worker). */
const LICENSES = Number(process.env.DEADLINE_LICENSES ?? 2_000);
// At 50,000 the 30 requests/s; fewer licenses get a rate as much lower, so the attempts needed are the same.
const RATE = Number(process.env.DEADLINE_RATE ?? (30 * LICENSES) / 50_000);
const TIMEOUT_MS = 5 * 60_000;
const TOKEN = 'deadline-token-0123456789';

let emu: Emulator;
afterAll(async () => emu?.close());

/** A client whose every request moves the test's clock by one request's share of the rate budget. */
function metered(inner: PartnerApi, tick: () => void): PartnerApi {
  const api = Object.create(inner) as PartnerApi;
  Object.defineProperty(api, 'getLicense', {
    value: async (cid: string, lid: string) => {
      tick();
      return inner.getLicense(cid, lid);
    },
  });
  Object.defineProperty(api, 'licensePages', {
    value: async function* (cid: string) {
      for await (const page of inner.licensePages(cid)) {
        tick();
        yield page;
      }
    },
  });
  return api;
}

describe('a walk out of time', () => {
  it(`records ${LICENSES} deletions between two syncs within a bounded number of 5-minute invocations (${RATE} requests/s)`, async () => {
    emu = await startEmulator({ dataSet: 'empty', token: TOKEN });
    const big = emu.addConnector({ name: 'Mass deletion' });
    const records = Array.from({ length: LICENSES }, () => emu.addLicense(big._id));
    const small = emu.addConnector({ name: 'Healthy neighbour' });
    for (let i = 0; i < 3; i++) emu.addLicense(small._id);
    const { client, tableName } = await freshTable('deadline');
    let clock = Date.parse('2026-06-15T12:00:00.000Z');
    const ledger = createDynamoStore(client, tableName, { now: () => new Date(clock) });
    const inner = createPartnerApi({
      apiUrl: emu.url,
      token: TOKEN,
      pageSize: 1000,
      backoffMs: 1,
      retries: 1,
    });
    const api = metered(inner, () => {
      clock += 1000 / RATE;
    });
    expect((await runPlan({ ledger, api }, await planSync({ ledger, api }))).map((r) => r.status)).toEqual([
      'completed',
      'completed',
    ]);

    // Every license of the big connector goes upstream; one changes on the small one.
    emu.setLicenses(big._id, []);
    emu.mutateLicense(small._id, emu.licenses(small._id)[0]!._id, { expires: '2031-01-01T00:00:00.000Z' });
    const plan = await planSync({ ledger, api });
    const sent: string[] = [];
    const worker = makeHandler({
      ledger,
      api: async () => api,
      enqueue: sqsEnqueue(fakeSqs(sent), 'https://sqs.us-east-1.amazonaws.com/123456789012/Work'),
      clock: () => clock,
    });
    const context = {
      ...lambdaContext('LicenseWatch-SyncWorker'),
      getRemainingTimeInMillis: () => TIMEOUT_MS,
    };
    let batch = plan.units.map((unit) => sqsRecord(JSON.stringify(unit)));
    let invocations = 0;
    while (batch.length > 0 && invocations < 40) {
      invocations++;
      const started = clock;
      sent.length = 0;
      const response = await worker(sqsEvent(batch), context);
      // Every message answered (none handed back to SQS), and the invocation ended within its timeout.
      expect(response.batchItemFailures).toEqual([]);
      expect(clock - started).toBeLessThan(TIMEOUT_MS);
      batch = sent.map((body) => sqsRecord(body));
    }
    const bigView = (await listConnectors(ledger)).find((c) => c.id === big._id)!;
    expect(bigView.licenses).toBe(0);
    for (const r of [records[0]!, records.at(-1)!])
      expect((await getLicense(ledger, r._id))!.deletedAt).toBeDefined();
    expect((await getLicense(ledger, emu.licenses(small._id)[0]!._id))!.expires).toBe(
      '2031-01-01T00:00:00.000Z',
    );
    const runs = await ledger.connectorRuns(plan.runId);
    expect(runs.find((r) => r.connectorId === big._id)).toMatchObject({ status: 'completed' });
    const expected = Math.ceil(LICENSES / RATE / ((TIMEOUT_MS - 30_000) / 1000));
    process.stderr.write(
      `deadline: ${LICENSES} deletions at ${RATE} requests/s recorded in ${invocations} invocation(s) of 5 minutes (lower bound ${expected})\n`,
    );
    expect(invocations).toBeGreaterThan(1);
    expect(invocations).toBeLessThanOrEqual(expected + 2);
  }, 600_000);
});
