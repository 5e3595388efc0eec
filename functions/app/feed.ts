// Use case: one poll of the change feed (GET /changes/feed, `licensewatch changes --follow`), its account checked.
import { type FeedPage, type FeedQuery, readFeed } from '#ledger/feed';
import type { Clock, ConnectorStore, PortfolioStore } from '#ledger/store/port';
import { accountFilter } from './accounts.ts';
import type { AppContext } from './context.ts';

export type { FeedItem, FeedPage } from '#ledger/feed';

export async function pollFeed(
  ctx: AppContext<Pick<PortfolioStore, 'commitsPage'> & Pick<ConnectorStore, 'listConnectors'> & Clock>,
  query: FeedQuery,
): Promise<FeedPage> {
  const account = await accountFilter(ctx, query.account);
  return readFeed(ctx.ledger, { ...query, account });
}
