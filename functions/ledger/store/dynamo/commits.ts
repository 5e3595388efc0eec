// The commit feed: versions by the instant their write was sent, merged oldest first over its shards.
import type { CommitRange, PortfolioStore } from '../port.ts';
import type { StoredCommit } from '../records.ts';
import { FeedStream, mergeStreams } from './feed-stream.ts';
import { commitFeed } from './keys.ts';
import { CHANGE_PROJECTION, toStoredChange } from './portfolio.ts';
import { filterOf, type Table } from './query.ts';
import type { Site } from './site.ts';
import { INDEX } from './table.ts';

const COMMIT_PROJECTION = {
  ...CHANGE_PROJECTION,
  ProjectionExpression: `${CHANGE_PROJECTION.ProjectionExpression}, committedAt, lookup_pk, exp_sk`,
};

/**
 * Up to `limit` versions with after < commit key <= upTo, oldest first. Commit keys are unique across shards, so
 * the last one handed out is where every shard stands: the next page starts after it.
 */
export async function commitsPage(
  table: Table,
  range: CommitRange,
): Promise<{ items: StoredCommit[]; last?: string }> {
  // `~` sorts after every `#<licenseId>#<rev>` suffix: every version of the instant `upTo`.
  const bounds = { lower: range.after, upper: `${range.upTo}~`, exclusive: 'lower' as const };
  if (bounds.upper <= bounds.lower) return { items: [] };
  const query = {
    forward: true,
    filter: filterOf({ account: range.account }),
    projection: COMMIT_PROJECTION,
  };
  const streams = commitFeed
    .partitions()
    .map((pk) => new FeedStream(table, INDEX.byExpiry, pk, bounds, query));
  const items = await mergeStreams(streams, INDEX.byExpiry.sk, range.limit, true);
  return {
    items: items.map((item) => ({
      ...toStoredChange(item),
      committedAt: item.committedAt as string,
      baseline: String(item.lookup_pk).startsWith('CHGB#'),
    })),
    ...(items.length ? { last: items.at(-1)!.exp_sk as string } : {}),
  };
}

export function commitsFacet({ table }: Site): Pick<PortfolioStore, 'commitsPage'> {
  return { commitsPage: (range) => commitsPage(table, range) };
}
