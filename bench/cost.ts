// Cost model from measured counts: capacity units (ReturnConsumedCapacity TOTAL, table and indexes) of a first,
// a quiet and a 1%-changed sync and of alert evaluations, at a size this machine runs in minutes, scaled linearly to
// 100,000 licenses, priced on-demand. `npm run bench:cost -- --size=10x1000` (default); results in bench/results/.
import { writeFileSync } from 'node:fs';
import { createPartnerApi } from '#celigo/client';
import { createDynamoStore } from '#ledger/store/dynamo/index';
import { planSync, runPlan } from '#ledger/sync';
import { startEmulator } from '#local/emulator/index';
import { ensureTable, localClients } from '#local/store/connect';
import { startEmbeddedDynamo } from '#local/store/embedded';
import { meter } from '#local/store/meter';
import type { Alert, AlertSink } from '#watch/alert';
import { evaluateAlerts } from '#watch/evaluate';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const args = new Map(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=') as [string, string]));
const [connectors, perConnector] = (args.get('size') ?? '10x1000').split('x').map(Number) as [number, number];
const licenses = connectors * perConnector;
const TARGET = 100_000;
const scale = TARGET / licenses;
/** On-demand prices assumed (us-east-1, 2026): per million write and read request units. */
const PRICE = { writeMillion: 0.625, readMillion: 0.125 };
const HOURS_A_MONTH = 730;

const dynamo = await startEmbeddedDynamo();
const emu = await startEmulator({
  token: 'bench-token',
  dataSet: { connectors, licensesPerConnector: perConnector },
  now: new Date('2026-06-15T00:00:00Z'),
});
const { raw, client } = localClients(dynamo.endpoint);
// DynamoDB Local on a busy shared machine times out on its own locks now and then: more tries than the CLI's two.
raw.config.maxAttempts = async () => 8;
await ensureTable(raw, 'cost');
const m = meter(client);
const ledger = createDynamoStore(client, 'cost');
const api = createPartnerApi({
  apiUrl: emu.url,
  token: 'bench-token',
  concurrency: 16,
  requestsPerSecond: 500,
});
const sink: AlertSink & { got: number } = {
  id: 'sns:bench',
  got: 0,
  async deliver({ alerts, accepted }: { alerts: Alert[]; accepted: (ids: string[]) => void }) {
    sink.got += alerts.length;
    accepted(alerts.map((a) => a.alertId));
  },
};

interface Row {
  step: string;
  readUnits: number;
  writeUnits: number;
  calls: Record<string, number>;
  itemsWritten: number;
  itemsRead: number;
  wallMs: number;
  extra?: Record<string, number>;
}
const rows: Row[] = [];
async function measure(step: string, run: () => Promise<Record<string, number> | undefined>) {
  m.reset();
  const started = performance.now();
  const extra = await run();
  rows.push({
    step,
    readUnits: Math.round(m.readUnits),
    writeUnits: Math.round(m.writeUnits),
    calls: { ...m.calls },
    itemsWritten: m.written,
    itemsRead: m.read,
    wallMs: Math.round(performance.now() - started),
    ...(extra ? { extra } : {}),
  });
  process.stderr.write(`${step}: ${JSON.stringify(rows.at(-1))}\n`);
}
const sync = async () => {
  const runs = await runPlan({ ledger, api }, await planSync({ ledger, api }), 4);
  return { failed: runs.filter((r) => r.status === 'failed').length };
};

await measure('sync, first', sync);
await measure('sync, quiet', sync);
let changed = 0;
for (const c of emu.connectors())
  emu.licenses(c._id).forEach((l, i) => {
    if (i % 100 === 99) {
      emu.mutateLicense(c._id, l._id, {
        expires: new Date(Date.parse(l.expires) + 365 * 86_400_000).toISOString(),
      });
      changed++;
    }
  });
await measure('sync, 1% changed', async () => ({ ...(await sync()), changed }));
await measure('alerts, first evaluation', async () => {
  const r = await evaluateAlerts({ ledger, sinks: [sink] });
  return { raised: r.items.length };
});
await measure('alerts, hourly (nothing new)', async () => {
  const r = await evaluateAlerts({ ledger, sinks: [sink] });
  return { raised: r.items.length };
});

const at100k = rows.map((r) => ({
  step: r.step,
  readUnits: Math.round(r.readUnits * scale),
  writeUnits: Math.round(r.writeUnits * scale),
  usd: (r.readUnits * scale * PRICE.readMillion + r.writeUnits * scale * PRICE.writeMillion) / 1e6,
}));
const per = (step: string) => at100k.find((r) => r.step === step)!.usd;
// An hourly schedule: a quiet sync most hours, a 1%-changed one once a day, an alert evaluation every hour.
const month =
  HOURS_A_MONTH * (per('sync, quiet') + per('alerts, hourly (nothing new)')) +
  30 * (per('sync, 1% changed') - per('sync, quiet'));
const report = {
  measuredAt: new Date().toISOString(),
  licenses,
  scale,
  price: PRICE,
  rows,
  at100k,
  monthUsd: month,
};
writeFileSync(new URL('./results/cost-latest.json', import.meta.url), `${JSON.stringify(report, null, 2)}\n`);
process.stderr.write(`${JSON.stringify({ at100k, monthUsd: month })}\n`);
await emu.close();
await dynamo.stop();
process.exit(0);
