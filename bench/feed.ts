// `npm run bench:feed`: index writes per partition key during a first sync of N licenses (the change feed in shards).
import { createPartnerApi } from '#celigo/client';
import { createDynamoStore } from '#ledger/store/dynamo/index';
import { planSync, runPlan } from '#ledger/sync';
import { startEmulator } from '#local/emulator/index';
import { ensureTable, localClients } from '#local/store/connect';
import { startEmbeddedDynamo } from '#local/store/embedded';

const args = new Map(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=') as [string, string]));
const [connectors, perConnector] = (args.get('size') ?? '10x2000').split('x').map(Number) as [number, number];
const concurrency = Number(args.get('concurrency') ?? 8);

/** Index partition keys a write puts an entry under: the change feed (lookup) and the commit feed (byExpiry). */
const INDEX_KEYS = ['lookup_pk', 'exp_pk'] as const;

const dynamo = await startEmbeddedDynamo({});
const emu = await startEmulator({
  token: 'bench-token',
  dataSet: { connectors, licensesPerConnector: perConnector },
});
try {
  const { raw, client } = localClients(dynamo.endpoint);
  const table = `feed-bench-${Date.now()}`;
  await ensureTable(raw, table);
  // Per index partition key of a version: its writes, by the second they were sent in.
  const perKey = new Map<string, Map<number, number>>();
  client.middlewareStack.add(
    (next, context) => async (a) => {
      if (context.commandName === 'TransactWriteItemsCommand') {
        const second = Math.floor(performance.now() / 1000);
        const input = a.input as { TransactItems: { Put?: { Item: Record<string, unknown> } }[] };
        for (const t of input.TransactItems) {
          const item = t.Put?.Item;
          if (!item || !String(item.SK).startsWith('V#')) continue;
          for (const k of INDEX_KEYS) {
            const pk = item[k];
            if (typeof pk !== 'string') continue;
            const bySecond = perKey.get(pk) ?? new Map<number, number>();
            bySecond.set(second, (bySecond.get(second) ?? 0) + 1);
            perKey.set(pk, bySecond);
          }
        }
      }
      return next(a);
    },
    { step: 'initialize', name: 'feedBench' },
  );
  const ledger = createDynamoStore(client, table);
  const api = createPartnerApi({
    apiUrl: emu.url,
    token: 'bench-token',
    concurrency: 16,
    requestsPerSecond: 250,
  });
  const started = performance.now();
  await runPlan({ ledger, api }, await planSync({ ledger, api }), concurrency);
  const wallS = (performance.now() - started) / 1000;

  const rows = [...perKey].map(([pk, bySecond]) => {
    const writes = [...bySecond.values()].reduce((a, b) => a + b, 0);
    return { pk, writes, peakPerSecond: Math.max(...bySecond.values()) };
  });
  const summarize = (prefix: string) => {
    const keys = rows.filter((r) => r.pk.startsWith(prefix));
    const total = keys.reduce((n, r) => n + r.writes, 0);
    // What one unsharded key would have taken: every entry of every shard, second by second.
    const merged = new Map<number, number>();
    for (const [pk, bySecond] of perKey)
      if (pk.startsWith(prefix)) for (const [s, n] of bySecond) merged.set(s, (merged.get(s) ?? 0) + n);
    return {
      index: prefix,
      keys: keys.length,
      entries: total,
      maxPerKey: Math.max(...keys.map((r) => r.writes)),
      minPerKey: Math.min(...keys.map((r) => r.writes)),
      peakPerKeyPerSecond: Math.max(...keys.map((r) => r.peakPerSecond)),
      unshardedPeakPerSecond: Math.max(...merged.values()),
    };
  };
  const licenses = connectors * perConnector;
  console.log(
    JSON.stringify(
      {
        licenses,
        wallS: Number(wallS.toFixed(1)),
        changeFeed: summarize('CHGB#'),
        commitFeed: summarize('COMMIT#'),
      },
      null,
      2,
    ),
  );
} finally {
  await emu.close();
  await dynamo.stop();
}
