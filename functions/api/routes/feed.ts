// GET /changes/feed: the change feed a poller follows, in commit order, with a cursor that never misses or repeats.
import { createRoute } from '@hono/zod-openapi';
import { pollFeed } from '#app/feed';
import { feedPage } from '#ledger/feed';
import { type App, type AppDeps, appContext } from '../deps.ts';
import { errorResponses, jsonContent } from '../openapi.ts';
import { AccountPageQuery } from '../schemas.ts';

const feedRoute = createRoute({
  method: 'get',
  path: '/changes/feed',
  operationId: 'followChanges',
  tags: ['ledger'],
  summary: 'Follow the changes: every version once, in the order it was committed',
  description:
    "Items oldest first in commit order (`committedAt`), the baseline of each connector's first walk included (`baseline: true`). Without a cursor the feed starts now: no items and a cursor. Polling with the cursor each answer returns never misses a version committed later and never repeats one, also when a long sync commits versions it observed (`observedAt`) earlier. A version is served once it is older than a settle window (30 s) that bounds how long a write can be in flight.",
  request: { query: AccountPageQuery(100) },
  responses: {
    200: jsonContent(feedPage, 'The versions committed since the cursor, and the next cursor.'),
    ...errorResponses(400),
  },
});

export function registerFeedRoute(app: App, deps: AppDeps): void {
  const ctx = appContext(deps);
  app.openapi(feedRoute, async (c) => {
    const { account, limit, cursor } = c.req.valid('query');
    const page = await pollFeed(ctx, { account, limit, cursor, settleMs: deps.config?.feedSettleMs });
    return c.json(page, 200);
  });
}
