// The change feed without hot keys (versions spread over shards, older unsharded entries still read) and the commit
// feed a poller follows (commit order, a settle window for writes in flight), against DynamoDB Local and the emulator.
import { QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPartnerApi } from '#celigo/client';
import { type FeedItem, readFeed } from '#ledger/feed';
import { type ChangeQuery, listChanges } from '#ledger/portfolio';
import type { ChangeItem } from '#ledger/schemas';
import { createDynamoStore, INDEX } from '#ledger/store/dynamo/index';
import { FEED_SHARDS, lookup } from '#ledger/store/dynamo/keys';
import { planSync, runPlan } from '#ledger/sync';
import { type Emulator, startEmulator } from '#local/emulator/index';
import { freshTable } from '../support/tables.ts';

const NOW = new Date('2026-06-15T12:00:00.000Z');
const MONTH = '2026-06';
const TOKEN = 'feed-test-token';

async function allChanges(ledger: Parameters<typeof listChanges>[0], query: Omit<ChangeQuery, 'cursor'>) {
  const items: ChangeItem[] = [];
  let cursor: string | undefined;
  do {
    const page = await listChanges(ledger, { ...query, cursor });
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return items;
}

describe('the change feed in shards', () => {
  let emu: Emulator;
  let clock = NOW.getTime();
  let site: Awaited<ReturnType<typeof freshTable>>;
  let ledger: ReturnType<typeof createDynamoStore>;
  const sync = async () => {
    const api = createPartnerApi({ apiUrl: emu.url, token: TOKEN, pageSize: 100, backoffMs: 5, retries: 1 });
    await runPlan({ ledger, api }, await planSync({ ledger, api }), 2);
  };
  /** Entries of one `lookup` partition. */
  const entries = async (pk: string) => {
    const res = await site.client.send(
      new QueryCommand({
        TableName: site.tableName,
        IndexName: INDEX.lookup.name,
        KeyConditionExpression: 'lookup_pk = :pk',
        ExpressionAttributeValues: { ':pk': pk },
        ProjectionExpression: 'PK, SK',
      }),
    );
    return res.Items ?? [];
  };

  beforeAll(async () => {
    emu = await startEmulator({
      now: NOW,
      token: TOKEN,
      dataSet: { connectors: 2, licensesPerConnector: 120 },
    });
    site = await freshTable('shards');
    ledger = createDynamoStore(site.client, site.tableName, { now: () => new Date(clock++) });
    await sync(); // the baseline
    clock += 3_600_000;
    for (const c of emu.connectors())
      for (const l of emu.licenses(c._id).slice(0, 10))
        emu.mutateLicense(c._id, l._id, {
          expires: new Date(Date.parse(l.expires) + 30 * 86_400_000).toISOString(),
        });
    await sync(); // 20 renewals: news
  }, 120_000);
  afterAll(() => emu.close());

  it('spreads a first sync over every shard, about evenly, and writes nothing to the unsharded key', async () => {
    const counts = await Promise.all(
      Array.from({ length: FEED_SHARDS }, (_, s) => entries(lookup.changeMonth(MONTH, true, s))),
    );
    const sizes = counts.map((c) => c.length);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(240);
    expect(Math.min(...sizes)).toBeGreaterThan(0);
    // Before sharding all 240 went to one key; now the busiest holds well under a quarter of them.
    expect(Math.max(...sizes)).toBeLessThan(240 / 4);
    expect(await entries(lookup.changeMonth(MONTH, true))).toEqual([]);
    expect(await entries(lookup.changeMonth(MONTH, false))).toEqual([]);
  });

  it('reads versions written before sharding (the unsharded key) as one more shard, in order, page by page', async () => {
    const since = new Date(NOW.getTime() - 86_400_000).toISOString();
    const before = {
      news: await allChanges(ledger, { since, limit: 1000 }),
      all: await allChanges(ledger, { since, includeBaseline: true, limit: 1000 }),
    };
    expect(before.news).toHaveLength(20);
    expect(before.all).toHaveLength(260);
    // Every other version back where the previous version put it: the month's one partition.
    for (const baseline of [false, true])
      for (let s = 0; s < FEED_SHARDS; s++) {
        const shard = await entries(lookup.changeMonth(MONTH, baseline, s));
        await Promise.all(
          shard
            .filter((_, i) => i % 2 === 0)
            .map((key) =>
              site.client.send(
                new UpdateCommand({
                  TableName: site.tableName,
                  Key: { PK: key.PK, SK: key.SK },
                  UpdateExpression: 'SET lookup_pk = :pk',
                  ExpressionAttributeValues: { ':pk': lookup.changeMonth(MONTH, baseline) },
                }),
              ),
            ),
        );
      }
    expect((await entries(lookup.changeMonth(MONTH, true))).length).toBeGreaterThan(90);
    for (const limit of [3, 1000]) expect(await allChanges(ledger, { since, limit })).toEqual(before.news);
    for (const limit of [50, 1000])
      expect(await allChanges(ledger, { since, includeBaseline: true, limit })).toEqual(before.all);
    const renewed = await allChanges(ledger, { since, kind: 'renewed', limit: 5 });
    expect(renewed).toEqual(before.news.filter((c) => c.kind === 'renewed'));
  }, 120_000);
});

describe('the commit feed', () => {
  const poller = (ledger: Parameters<typeof readFeed>[0], settleMs: number) => {
    let cursor: string | undefined;
    const seen: FeedItem[] = [];
    return {
      seen,
      async poll() {
        const page = await readFeed(ledger, { cursor, settleMs, limit: 7 });
        cursor = page.cursor;
        seen.push(...page.items);
        return page.items;
      },
    };
  };
  const keyOf = (i: { licenseId: string; observedAt: string }) => `${i.licenseId}|${i.observedAt}`;

  it('starts now, then serves in commit order what a walk observed before the poll and committed after it', async () => {
    const emu = await startEmulator({
      now: NOW,
      token: TOKEN,
      dataSet: { connectors: 1, licensesPerConnector: 30 },
      latencyMs: 400,
    });
    try {
      const site = await freshTable('commits');
      const ledger = createDynamoStore(site.client, site.tableName);
      const api = createPartnerApi({ apiUrl: emu.url, token: TOKEN, pageSize: 10, backoffMs: 5, retries: 1 });
      const feed = poller(ledger, 3_000);
      expect(await feed.poll()).toEqual([]);
      const plan = await planSync({ ledger, api });
      const walking = runPlan({ ledger, api }, plan, 1);
      // Polls while the walk goes page by page (400 ms each): its versions all carry the walk's start.
      const pollTimes: string[] = [];
      let done = false;
      void walking.then(() => {
        done = true;
      });
      while (!done) {
        pollTimes.push(new Date().toISOString());
        await feed.poll();
        await new Promise((r) => setTimeout(r, 150));
      }
      await walking;
      await new Promise((r) => setTimeout(r, 3_100));
      while ((await feed.poll()).length) {}
      expect(feed.seen).toHaveLength(30);
      expect(new Set(feed.seen.map(keyOf)).size).toBe(30);
      expect(feed.seen.every((i) => i.baseline && i.kind === 'created')).toBe(true);
      const committed = feed.seen.map((i) => i.committedAt);
      expect(committed).toEqual([...committed].sort());
      // Observed before a poll that did not yet serve them: a poller asking for `observedAt > its last poll` misses them.
      const observed = feed.seen[feed.seen.length - 1]!.observedAt;
      expect(pollTimes.filter((t) => t > observed).length).toBeGreaterThan(1);
      expect(committed.at(-1)! > observed).toBe(true);
    } finally {
      await emu.close();
    }
  }, 60_000);

  it('holds back what is younger than the settle window: a write in flight while a poll runs is served, once', async () => {
    const emu = await startEmulator({
      now: NOW,
      token: TOKEN,
      dataSet: { connectors: 1, licensesPerConnector: 20 },
    });
    try {
      const site = await freshTable('settle');
      // Every transaction takes 2 s between its stamp and its landing, as a slow network or retries would.
      site.client.middlewareStack.add(
        (next, context) => async (args) => {
          if (context.commandName === 'TransactWriteItemsCommand')
            await new Promise((r) => setTimeout(r, 2_000));
          return next(args);
        },
        { step: 'initialize', name: 'slowCommit' },
      );
      const ledger = createDynamoStore(site.client, site.tableName);
      const api = createPartnerApi({
        apiUrl: emu.url,
        token: TOKEN,
        pageSize: 100,
        backoffMs: 5,
        retries: 1,
      });
      const settled = poller(ledger, 4_000);
      const hasty = poller(ledger, 0);
      await settled.poll();
      await hasty.poll();
      const walking = runPlan({ ledger, api }, await planSync({ ledger, api }), 1);
      let done = false;
      void walking.then(() => {
        done = true;
      });
      while (!done) {
        await Promise.all([settled.poll(), hasty.poll()]);
        await new Promise((r) => setTimeout(r, 50));
      }
      await walking;
      await new Promise((r) => setTimeout(r, 4_100));
      while ((await settled.poll()).length || (await hasty.poll()).length) {}
      expect(settled.seen).toHaveLength(20);
      expect(new Set(settled.seen.map(keyOf)).size).toBe(20);
      // Without the window the poll passed the stamps of writes still in flight, and lost them for good.
      expect(hasty.seen.length).toBeLessThan(20);
    } finally {
      await emu.close();
    }
  }, 60_000);

  it('refuses a cursor of another account, or one it never handed out', async () => {
    const site = await freshTable('cursor');
    const ledger = createDynamoStore(site.client, site.tableName);
    const { cursor } = await readFeed(ledger, { account: 'us' });
    await expect(readFeed(ledger, { cursor })).rejects.toMatchObject({ code: 'bad_cursor' });
    await expect(readFeed(ledger, { cursor: 'nonsense' })).rejects.toMatchObject({ code: 'bad_cursor' });
    expect((await readFeed(ledger, { cursor, account: 'us' })).items).toEqual([]);
  });
});
