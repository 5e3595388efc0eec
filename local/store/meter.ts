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
  /** Capacity units DynamoDB reported consumed (ReturnConsumedCapacity TOTAL: table and indexes), for the cost model. */
  readUnits: number;
  writeUnits: number;
  reset(): void;
}

/** Commands that report the capacity they consume when asked. */
const REPORTS_CAPACITY = new Set([
  'GetItem',
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'Query',
  'Scan',
  'BatchGetItem',
  'BatchWriteItem',
  'TransactWriteItems',
  'TransactGetItems',
  'Get',
  'Put',
  'Update',
  'Delete',
  'BatchGet',
  'BatchWrite',
  'TransactWrite',
  'TransactGet',
]);

type Capacity = { CapacityUnits?: number; ReadCapacityUnits?: number; WriteCapacityUnits?: number };

/** Read and write units of one answer's ConsumedCapacity (one entry, or one per table). */
function unitsOf(
  command: string,
  consumed: Capacity | Capacity[] | undefined,
): { read: number; write: number } {
  const list = consumed === undefined ? [] : Array.isArray(consumed) ? consumed : [consumed];
  const writes = /Put|Update|Delete|Write/.test(command);
  let read = 0;
  let write = 0;
  for (const c of list) {
    const total = c.CapacityUnits ?? 0;
    if (c.ReadCapacityUnits !== undefined || c.WriteCapacityUnits !== undefined) {
      read += c.ReadCapacityUnits ?? 0;
      write += c.WriteCapacityUnits ?? 0;
    } else if (writes) write += total;
    else read += total;
  }
  return { read, write };
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
    readUnits: 0,
    writeUnits: 0,
    reset() {
      m.readUnits = 0;
      m.writeUnits = 0;
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
      const input = args.input as Input;
      const asked = REPORTS_CAPACITY.has(command) && input.ReturnConsumedCapacity === undefined;
      const result = await next(
        asked ? { ...args, input: { ...input, ReturnConsumedCapacity: 'TOTAL' } } : args,
      );
      const units = unitsOf(
        command,
        (result.output as { ConsumedCapacity?: Capacity | Capacity[] })?.ConsumedCapacity,
      );
      m.readUnits += units.read;
      m.writeUnits += units.write;
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
