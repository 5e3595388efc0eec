// Use case: one poll of the change feed (GET /changes/feed, `licensewatch changes --follow`), its account checked.
import { type FeedPage, type FeedQuery, readFeed } from '#ledger/feed';
import { checkAccount } from '#ledger/portfolio';
import type { Clock, ConnectorStore, PortfolioStore } from '#ledger/store/port';

export type { FeedItem, FeedPage } from '#ledger/feed';

export async function pollFeed(
  ledger: Pick<PortfolioStore, 'commitsPage'> & Pick<ConnectorStore, 'listConnectors'> & Clock,
  query: FeedQuery,
  accounts?: readonly string[],
): Promise<FeedPage> {
  const account = await checkAccount(ledger, query.account, accounts);
  return readFeed(ledger, { ...query, account });
}
