// Counts DynamoDB items written and read, and calls made, at the client: for tests and the benchmark.
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export interface Meter {
  written: number;
  read: number;
  calls: Record<string, number>;
  /** Writes by operation, e.g. { TransactWriteItems: 40 }. */
  writtenBy: Record<string, number>;
  scans: number;
  /** Items written by kind of key, `<PK prefix>/<SK prefix>`: e.g. `CONNECTOR/LICENSE`, `LICENSE/V`, `RUN/SUMMARY`. */
  writtenByKind: Record<string, number>;
  reset(): void;
}

const kindOf = (k: { PK?: unknown; SK?: unknown } | undefined) =>
  `${String(k?.PK ?? '?').split('#')[0]}/${String(k?.SK ?? '?').split('#')[0]}`;

/** The keys of the items a write command touches. */
function keysWritten(command: string, input: Input): ({ PK?: unknown; SK?: unknown } | undefined)[] {
  type K = { PK?: unknown; SK?: unknown };
  switch (command) {
    case 'PutItem':
      return [input.Item as K];
    case 'UpdateItem':
    case 'DeleteItem':
      return [input.Key as K];
    case 'BatchWriteItem':
      return Object.values((input.RequestItems ?? {}) as Record<string, Input[]>).flatMap((list) =>
        list.map((r) => ((r.PutRequest as Input)?.Item ?? (r.DeleteRequest as Input)?.Key) as K),
      );
    case 'TransactWriteItems':
      return ((input.TransactItems ?? []) as Input[])
        .filter((t) => !('ConditionCheck' in t))
        .map((t) => {
          const op = (t.Put ?? t.Update ?? t.Delete) as Input;
          return (op.Item ?? op.Key) as K;
        });
    default:
      return [];
  }
}

type Input = Record<string, unknown>;

function itemsWritten(command: string, input: Input): number {
  switch (command) {
    case 'PutItem':
    case 'UpdateItem':
    case 'DeleteItem':
      return 1;
    case 'BatchWriteItem':
      return Object.values((input.RequestItems ?? {}) as Record<string, unknown[]>).reduce(
        (n, list) => n + list.length,
        0,
      );
    case 'TransactWriteItems':
      return ((input.TransactItems ?? []) as Input[]).filter((t) => !('ConditionCheck' in t)).length;
    default:
      return 0;
  }
}

function itemsRead(command: string, output: Input): number {
  switch (command) {
    case 'GetItem':
      return output.Item ? 1 : 0;
    case 'Query':
    case 'Scan':
      return Number(output.ScannedCount ?? output.Count ?? 0);
    case 'BatchGetItem':
      return Object.values((output.Responses ?? {}) as Record<string, unknown[]>).reduce(
        (n, list) => n + list.length,
        0,
      );
    case 'TransactGetItems':
      return ((output.Responses ?? []) as unknown[]).length;
    default:
      return 0;
  }
}

/** Adds a counting middleware to a document client (and so to every command it sends). */
export function meter(client: DynamoDBDocumentClient): Meter {
  const m: Meter = {
    written: 0,
    read: 0,
    calls: {},
    writtenBy: {},
    scans: 0,
    writtenByKind: {},
    reset() {
      m.written = 0;
      m.read = 0;
      m.calls = {};
      m.writtenBy = {};
      m.scans = 0;
      m.writtenByKind = {};
    },
  };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const command = String(context.commandName ?? '').replace(/Command$/, '');
      const result = await next(args);
      m.calls[command] = (m.calls[command] ?? 0) + 1;
      const w = itemsWritten(command, args.input as Input);
      if (w) m.writtenBy[command] = (m.writtenBy[command] ?? 0) + w;
      m.written += w;
      m.read += itemsRead(command, (result.output ?? {}) as Input);
      if (command === 'Scan') m.scans++;
      for (const k of keysWritten(command, args.input as Input)) {
        const kind = kindOf(k);
        m.writtenByKind[kind] = (m.writtenByKind[kind] ?? 0) + 1;
      }
      return result;
    },
    { step: 'initialize', name: 'licensewatchMeter' },
  );
  return m;
}
