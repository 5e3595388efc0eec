// Connector META items of versions before first-walk marks: the first complete walk is the last complete one they
// recorded; and the unfinished-walk marker of the version before epochs goes (nothing reads it).
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { StepRun } from './index.ts';
import { scanEach } from './scan.ts';

export const connectorWalkMarks: StepRun = (ctx) =>
  scanEach(
    ctx,
    {
      FilterExpression:
        'SK = :meta AND begins_with(PK, :connector) AND (attribute_exists(pagesDirty) OR (attribute_not_exists(firstWalkCompletedAt) AND (attribute_exists(lastCompleteWalkAt) OR lastWalk.#status = :completed)))',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':meta': 'META', ':connector': 'CONNECTOR#', ':completed': 'completed' },
    },
    (item) => {
      const set: string[] = [];
      const values: Record<string, unknown> = {};
      const lastWalk = item.lastWalk as { status?: string; at?: string } | undefined;
      const completedAt =
        (item.lastCompleteWalkAt as string | undefined) ??
        (lastWalk?.status === 'completed' ? lastWalk.at : undefined);
      if (item.firstWalkCompletedAt === undefined && completedAt) {
        set.push('firstWalkCompletedAt = if_not_exists(firstWalkCompletedAt, :first)');
        values[':first'] = completedAt;
      }
      const remove = item.pagesDirty !== undefined ? ' REMOVE pagesDirty' : '';
      if (set.length === 0 && !remove) return undefined;
      return ctx.table.doc.send(
        new UpdateCommand({
          TableName: ctx.table.name,
          Key: { PK: item.PK, SK: item.SK },
          UpdateExpression: `${set.length ? `SET ${set.join(', ')}` : ''}${remove}`.trim(),
          ...(set.length ? { ExpressionAttributeValues: values } : {}),
        }),
      );
    },
  );
