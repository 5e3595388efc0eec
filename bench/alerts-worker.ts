// Benchmark helper process: one alert evaluation over the benchmark's ledger, SNS faked at its edge (it has no local
// peer: each call waits `snsLatencyMs` and accepts every entry); prints its figures as one JSON line.
import { PublishBatchCommand, type SNSClient } from '@aws-sdk/client-sns';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { snsSink } from '#alerts/sns';
import { createDynamoStore } from '#ledger/store/dynamo/index';
import { localClients } from '#local/store/connect';
import { meter } from '#local/store/meter';
import { evaluateAlerts } from '#watch/evaluate';

const [endpoint, table, latencyArg] = process.argv.slice(2) as [string, string, string];
const snsLatencyMs = Number(latencyArg);
const { client } = localClients(endpoint);
// Opening the store is not part of the evaluation: one read warms the client.
await client.send(new GetCommand({ TableName: table, Key: { PK: 'WARMUP', SK: 'WARMUP' } }));
const m = meter(client);
// As the alerts Lambda composes it (handlers/runtime.ts alertsStoreFor), each store call timed: where the time goes.
const store = createDynamoStore(client, table, { metaCacheMs: 60_000 });
const storeMs: Record<string, number> = {};
const ledger = new Proxy(store, {
  get(target, name: string) {
    const value = target[name as keyof typeof target];
    if (typeof value !== 'function') return value;
    return (...args: unknown[]) => {
      const result = (value as (...a: unknown[]) => unknown).apply(target, args);
      if (!(result instanceof Promise)) return result;
      const started = performance.now();
      return result.finally(() => {
        storeMs[name] = Math.round((storeMs[name] ?? 0) + performance.now() - started);
      });
    };
  },
});

const sns = { publish: 0, publishBatch: 0, entries: 0, digestBytes: 0 };
const fakeSns = {
  async send(command: { input: Record<string, unknown> }) {
    await new Promise((r) => setTimeout(r, snsLatencyMs));
    if (command instanceof PublishBatchCommand) {
      const entries = command.input.PublishBatchRequestEntries ?? [];
      sns.publishBatch++;
      sns.entries += entries.length;
      return { Successful: entries.map((e) => ({ Id: e.Id, MessageId: e.Id })), Failed: [] };
    }
    sns.publish++;
    sns.digestBytes = Math.max(sns.digestBytes, Buffer.byteLength(String(command.input.Message)));
    return { MessageId: 'digest' };
  },
} as unknown as SNSClient;

let peakRss = process.memoryUsage().rss;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 20);
const cpuBefore = process.cpuUsage();
const started = performance.now();
const result = await evaluateAlerts({
  ledger,
  sinks: [snsSink(fakeSns, 'arn:aws:sns:eu-west-1:123456789012:LicenseWatch-AlertingTopic')],
});
const wallMs = Math.round(performance.now() - started);
const cpu = process.cpuUsage(cpuBefore);
clearInterval(sampler);
const WRITES = ['TransactWriteItems', 'PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem'];
process.stdout.write(
  `${JSON.stringify({
    wallMs,
    raised: result.items.length,
    retried: result.retried,
    pending: result.pending,
    errors: result.errors,
    writeCalls: WRITES.reduce((n, c) => n + (m.calls[c] ?? 0), 0),
    itemsWritten: m.written,
    itemsRead: m.read,
    calls: m.calls,
    /** Time inside each store method, summed over calls that overlap (so it can exceed wallMs). */
    storeMs,
    nodeCpuMs: Math.round((cpu.user + cpu.system) / 1000),
    sns,
    peakRssMb: Math.round(Math.max(peakRss, process.resourceUsage().maxRSS * 1024) / 1048576),
  })}\n`,
);
process.exit(0);
