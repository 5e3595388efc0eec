// The feed a poller follows: versions in commit order behind a settle window, with a cursor that never misses or repeats.
import { z } from 'zod';
import { DEFAULTS } from '#functions/defaults';
import { changeItem } from './schemas.ts';
import type { Clock, PortfolioStore } from './store/port.ts';

/** One version on the feed: a change item, when its write was sent, and whether a connector's first walk made it. */
export const feedItem = changeItem.extend({
  committedAt: z.string().meta({
    format: 'date-time',
    description: 'When the write was sent: the feed is in this order.',
  }),
  baseline: z.boolean().meta({ description: "Recorded by its connector's first walk." }),
});
export type FeedItem = z.infer<typeof feedItem>;

export const feedPage = z.object({
  items: z.array(feedItem),
  cursor: z.string().meta({ description: 'Where the next poll starts: pass it back as `cursor`.' }),
});
export type FeedPage = z.infer<typeof feedPage>;

/**
 * How long a write may be in flight, from the instant it stamps (just before its transaction is sent) until a
 * Query of the index sees it: SDK retries, the commit itself, index propagation, and the writers' clocks against
 * the reader's. The feed serves only what is older than this, so nothing can still land behind the cursor.
 */
export const FEED_SETTLE_MS = DEFAULTS.feedSettleSeconds * 1000;

export interface FeedQuery {
  cursor?: string;
  account?: string;
  limit?: number;
  /** The settle window (tests shorten it). */
  settleMs?: number;
}

/**
 * The versions committed since the cursor, oldest first, and the cursor to poll with next. Without a cursor the
 * feed starts now: no items, and a cursor at the settle line, so a write in flight right now is still served.
 */
export async function readFeed(
  ledger: Pick<PortfolioStore, 'commitsPage'> & Clock,
  query: FeedQuery,
): Promise<FeedPage> {
  const settled = new Date(ledger.now().getTime() - (query.settleMs ?? FEED_SETTLE_MS)).toISOString();
  const page = await ledger.commitsPage({
    cursor: query.cursor,
    upTo: settled,
    limit: query.limit ?? 100,
    account: query.account,
  });
  return { items: page.items, cursor: page.nextCursor! };
}
