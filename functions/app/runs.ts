// Sync runs as recorded, newest first.
import type { Page, RunSummary } from '#ledger/schemas';
import type { RunStore } from '#ledger/store/port';
import type { AppContext } from './context.ts';

export const runsPage = (
  ctx: AppContext<Pick<RunStore, 'listRuns'>>,
  page: { limit?: number; cursor?: string },
): Promise<Page<RunSummary>> => ctx.ledger.listRuns(page);
