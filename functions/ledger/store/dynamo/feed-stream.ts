// One index partition read between two sort keys, a DynamoDB page at a time as a k-way merge asks for its items.
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { type filterOf, type Item, type Table, withFilter } from './query.ts';

export interface StreamBounds {
  lower: string;
  upper: string;
  /** The bound already handed out (a cursor's own key) is dropped: BETWEEN is inclusive. */
  exclusive?: 'lower' | 'upper';
}

/** One partition of an index, newest (or oldest, `forward`) first, within [lower, upper]. */
export class FeedStream {
  private buffer: Item[] = [];
  private start: Item | undefined;
  private done = false;

  constructor(
    private readonly table: Table,
    private readonly index: { name: string; pk: string; sk: string },
    private readonly pk: string,
    private readonly bounds: StreamBounds,
    private readonly query: {
      forward: boolean;
      filter: ReturnType<typeof filterOf>;
      projection: { ProjectionExpression: string; ExpressionAttributeNames: Record<string, string> };
    },
  ) {}

  /** The next item not taken yet; reads one more DynamoDB page (of `want` items) when the buffer is empty. */
  async peek(want: number): Promise<Item | undefined> {
    const { index, bounds } = this;
    const excluded =
      bounds.exclusive === 'lower' ? bounds.lower : bounds.exclusive ? bounds.upper : undefined;
    while (this.buffer.length === 0 && !this.done) {
      const input = withFilter(
        {
          IndexName: index.name,
          KeyConditionExpression: `${index.pk} = :pk AND ${index.sk} BETWEEN :lo AND :hi`,
          ExpressionAttributeValues: { ':pk': this.pk, ':lo': bounds.lower, ':hi': bounds.upper },
          ScanIndexForward: this.query.forward,
          ...this.query.projection,
        },
        this.query.filter,
      );
      const res = await this.table.doc.send(
        new QueryCommand({
          ...input,
          TableName: this.table.name,
          Limit: Math.min(Math.max(want, 1), 1000),
          ExclusiveStartKey: this.start,
        }),
      );
      this.buffer.push(
        ...(res.Items ?? []).filter((i) => excluded === undefined || i[index.sk] !== excluded),
      );
      this.start = res.LastEvaluatedKey;
      this.done = !this.start;
    }
    return this.buffer[0];
  }

  take(): Item {
    return this.buffer.shift()!;
  }
}

/**
 * Takes up to `limit` items from the streams merged by sort key (descending, or ascending when `forward`). Each
 * stream reads its share of what is still wanted at a time: shards spread by a hash hold about equal parts of a range.
 */
export async function mergeStreams(
  streams: FeedStream[],
  sk: string,
  limit: number,
  forward: boolean,
  into: Item[] = [],
): Promise<Item[]> {
  while (into.length < limit) {
    const share = Math.ceil((limit - into.length) / streams.length);
    const heads = await Promise.all(streams.map((s) => s.peek(share)));
    let next = -1;
    heads.forEach((head, i) => {
      if (!head) return;
      const best = next < 0 ? undefined : (heads[next]![sk] as string);
      const key = head[sk] as string;
      if (best === undefined || (forward ? key < best : key > best)) next = i;
    });
    if (next < 0) break;
    into.push(streams[next]!.take());
  }
  return into;
}
