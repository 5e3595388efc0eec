// A migration step's walk over the table: a Scan filtered to the items it changes, page by page, each page's
// updates a few at a time, stopping between pages when the runner's time is short (its cursor goes on later).
import { ScanCommand, type ScanCommandInput } from '@aws-sdk/lib-dynamodb';
import pLimit from 'p-limit';
import { type Item, isConditionFailure } from '../query.ts';
import type { StepContext, StepResult } from './index.ts';

const UPDATES_IN_FLIGHT = 8;

/**
 * Calls `update` on every item the filter keeps; an update whose guard fails (the item changed meanwhile: a walk
 * wrote it in the current shape, another runner got there first) counts for nothing and is no error.
 */
export async function scanEach(
  ctx: StepContext,
  filter: Pick<
    ScanCommandInput,
    'FilterExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'
  >,
  update: (item: Item) => Promise<unknown> | undefined,
): Promise<StepResult> {
  const limit = pLimit(UPDATES_IN_FLIGHT);
  let start = ctx.resumeFrom;
  let items = 0;
  do {
    if (!ctx.inTime()) return { done: false, items, ...(start ? { resumeFrom: start } : {}) };
    const res = await ctx.table.doc.send(
      new ScanCommand({
        TableName: ctx.table.name,
        ...filter,
        ExclusiveStartKey: start,
        ...(ctx.scanPageSize ? { Limit: ctx.scanPageSize } : {}),
      }),
    );
    const changed = await Promise.all(
      (res.Items ?? []).map((item) =>
        limit(async () => {
          try {
            const sent = update(item);
            if (!sent) return 0;
            await sent;
            return 1;
          } catch (error) {
            if (isConditionFailure(error)) return 0;
            throw error;
          }
        }),
      ),
    );
    items += changed.reduce<number>((a, b) => a + b, 0);
    start = res.LastEvaluatedKey;
  } while (start);
  return { done: true, items };
}
