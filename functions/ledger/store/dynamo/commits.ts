// The commit feed: versions by the instant their write was sent, merged oldest first over its shards.
import { cursor } from '../../cursor.ts';
import type { Page } from '../../schemas.ts';
import type { CommitRange, PortfolioStore } from '../port.ts';
import type { StoredCommit } from '../records.ts';
import { FeedStream, mergeStreams } from './feed-stream.ts';
import { commitFeed } from './keys.ts';
import { CHANGE_PROJECTION, toStoredChange } from './portfolio.ts';
import { filterOf, type Table } from './query.ts';
import type { Site } from './site.ts';
import { INDEX } from './table.ts';

/** A position: a commit key handed out, or an instant followed by `~` (everything up to it handed out). */
const POSITION = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z(~|#[^#]+#\d{8})$/;
const isPosition = (p: unknown): p is string => typeof p === 'string' && POSITION.test(p);

const COMMIT_PROJECTION = {
  ...CHANGE_PROJECTION,
  ProjectionExpression: `${CHANGE_PROJECTION.ProjectionExpression}, committedAt, lookup_pk, exp_sk`,
};

/**
 * Up to `limit` versions with cursor < commit key <= upTo, oldest first. Commit keys are unique across shards, so
 * the last one handed out is where every shard stands: the next page starts after it.
 */
export async function commitsPage(table: Table, range: CommitRange): Promise<Page<StoredCommit>> {
  const scope = `feed|${range.account ?? '*'}`;
  // `~` sorts after every `#<licenseId>#<rev>` suffix: every version of the instant `upTo`.
  const upper = `${range.upTo}~`;
  const after = cursor.decode(range.cursor, scope, isPosition) ?? upper;
  // A short page read every shard up to `upTo`; a full one stands at its last item. A clock that went back (another
  // server's) reads nothing and keeps the cursor where it was.
  const next = (last?: string) => cursor.encode(scope, last ?? (after > upper ? after : upper));
  const bounds = { lower: after, upper, exclusive: 'lower' as const };
  if (bounds.upper <= bounds.lower) return { items: [], nextCursor: next() };
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
    nextCursor: next(items.length < range.limit ? undefined : (items.at(-1)!.exp_sk as string)),
  };
}

export function commitsFacet({ table }: Site): Pick<PortfolioStore, 'commitsPage'> {
  return { commitsPage: (range) => commitsPage(table, range) };
}
