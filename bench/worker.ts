// Benchmark helper process: runs one sync variant against the emulator and DynamoDB Local, prints its figures as JSON.
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { createPartnerApi } from '#celigo/client';
import { createDynamoStore } from '#ledger/store/dynamo/index';
import { INDEX, tableDefinition } from '#ledger/store/dynamo/table';
import { planSync, runPlan } from '#ledger/sync';
import { ensureTable, localClients } from '#local/store/connect';
import { meter } from '#local/store/meter';
import { fetchOnly, naiveSync } from './naive.ts';

const [variant, apiUrl, endpoint, table, concurrencyArg] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
];
const concurrency = Number(concurrencyArg);
const { raw, client } = localClients(endpoint);
if (variant === 'bare') {
  // Our sync on a table with only the index the plan reads (feed: connectors, not-installed licenses), without byExpiry
  // and lookup (customers, the change feed): what those two cost a first sync is ours minus this.
  const def = tableDefinition(table);
  def.GlobalSecondaryIndexes = def.GlobalSecondaryIndexes!.filter((g) => g.IndexName === INDEX.feed.name);
  def.AttributeDefinitions = def.AttributeDefinitions!.filter((a) => /^(PK|SK|feed_)/.test(a.AttributeName!));
  await raw.send(new CreateTableCommand(def));
} else await ensureTable(raw, table);
// Opening the store (as the CLI does before a sync) is not part of the sync: one read warms the client.
await client.send(new GetCommand({ TableName: table, Key: { PK: 'WARMUP', SK: 'WARMUP' } }));
const m = meter(client);
const ledger = createDynamoStore(client, table);
const api = createPartnerApi({ apiUrl, token: 'bench-token', concurrency: 16, requestsPerSecond: 250 });

let peakRss = process.memoryUsage().rss;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 20);

const started = performance.now();
let failed = 0;
if (variant === 'ours' || variant === 'bare') {
  const plan = await planSync({ ledger, api });
  const runs = await runPlan({ ledger, api }, plan, concurrency);
  failed = runs.filter((r) => r.status === 'failed').length;
} else if (variant === 'naive') {
  await naiveSync({ doc: client, tableName: table }, api, new Date().toISOString());
} else {
  await fetchOnly(api, concurrency);
}
const wallMs = performance.now() - started;
clearInterval(sampler);
peakRss = Math.max(peakRss, process.memoryUsage().rss, process.resourceUsage().maxRSS * 1024);
process.stdout.write(
  `${JSON.stringify({ variant, wallMs: Math.round(wallMs), written: m.written, read: m.read, readUnits: m.readUnits, writeUnits: m.writeUnits, apiRequests: api.requestCount, peakRssMb: Math.round(peakRss / 1048576), failed, scans: m.scans })}\n`,
);
process.exit(0);
