// A DynamoDB behaviour layer for tests: SDK middleware on the client a store is built with, so DynamoDB Local answers
// as real DynamoDB can (transaction conflicts, throttling past the SDK's retries, 500s, index lag, size limits).
//
// Middleware rather than an HTTP proxy: it sits inside the SDK's retry middleware, so every attempt passes through it
// and the SDK's own retry policy (which errors it retries, how often) is what the code under test meets; it sees the
// command's name and marshalled input without parsing HTTP, and it costs no extra process or port. What it cannot
// model is noted where it falls short (index lag hides recent writes from index reads and shows their earlier image,
// but an item that left an index recently is not shown again).
//
// What each behaviour caught (test/aws/): conflicts: the run summary folded by one transaction per failed connector
// (plan.ts) and walks recording at once without backoff (runs.ts), two sinks' acceptances on the same claims (6 tries
// were too few), and single writes to outbox batches and sink leases that meet a transaction (no retry at all).
// Throttles and 500s: the profiles keep them within the SDK's retries (attempts: 1), and the suites pass; bursts that
// outlast them (attempts >= 3) fail the request as AWS does, surfacing as a failed walk or a failed evaluation that
// the next message or run repeats, which the suites' assertions do not expect: no wrong outcome found behind them yet.
// Index lag: the model ran green under it (reads that matter are consistent: walks read the table, rules' index
// reads only delay an alert by a run); no failure found. Limits: BatchGet answers cut at 64 KB exercise batchGetAll's
// UnprocessedKeys loop, which holds; transactions stay under 100 items / 4 MB and items under 400 KB: none found.
import {
  BatchGetItemCommand,
  DynamoDBClient,
  InternalServerError,
  ProvisionedThroughputExceededException,
  ThrottlingException,
  TransactionCanceledException,
  TransactionConflictException,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { INDEX } from '#ledger/store/dynamo/table';
import { LOCAL_ACCESS } from '#local/store/access';

type Av = Record<string, unknown>;
type Input = Record<string, unknown>;

/** What the layer does; every field off when absent. Switch at run time through `layer.behaviours`. */
export interface Behaviours {
  /**
   * Transactions take at least `windowMs`; one touching an item another transaction in flight holds is cancelled
   * (TransactionCanceledException, TransactionConflict on that item), and a single write to such an item fails with
   * TransactionConflictException. `rate` (0..1, default 1) of such overlaps conflict.
   */
  conflicts?: { windowMs: number; rate?: number };
  /**
   * Throttling: `rate` of requests (of `ops`, default every operation) fail on `attempts` attempts in a row
   * (ThrottlingException or ProvisionedThroughputExceededException, alternately); `attempts` >= the SDK's maxAttempts
   * outlasts its retries.
   */
  throttle?: { rate: number; attempts: number; ops?: string[] };
  /** InternalServerError (HTTP 500) on `rate` of requests, `attempts` attempts in a row. */
  serverErrors?: { rate: number; attempts: number; ops?: string[] };
  /** Index reads lag the table: an item written less than `ms` ago shows its earlier image, or is absent if new. */
  indexLagMs?: number;
  /** DynamoDB's size limits (on by default in every profile); smaller numbers exercise the paths that handle them. */
  limits?: {
    transactionItems?: number;
    transactionBytes?: number;
    batchGetBytes?: number;
    itemBytes?: number;
  };
}

export const AWS_LIMITS = {
  transactionItems: 100,
  transactionBytes: 4 * 1024 * 1024,
  batchGetKeys: 100,
  batchGetBytes: 16 * 1024 * 1024,
  itemBytes: 400 * 1024,
} as const;

/** Profiles the suites run under in `npm test`: behaviours that correct code survives with its assertions unchanged. */
export const PROFILES: Record<string, Behaviours> = {
  /** The ledger's model: concurrent syncs and walks race on META and run summaries; indexes lag. */
  model: { conflicts: { windowMs: 20 }, indexLagMs: 50, limits: {} },
  /** Alert delivery: sinks and evaluations race on claims and outboxes; single 500s and throttles the SDK retries. */
  delivery: {
    conflicts: { windowMs: 20 },
    throttle: { rate: 0.02, attempts: 1 },
    serverErrors: { rate: 0.02, attempts: 1 },
    limits: { batchGetBytes: 64 * 1024 },
  },
  /** Handlers: conflicts on the run summary, short throttles and 500s the SDK retries, lagging indexes. */
  handlers: {
    conflicts: { windowMs: 20 },
    throttle: { rate: 0.02, attempts: 1 },
    serverErrors: { rate: 0.01, attempts: 1 },
    indexLagMs: 30,
    limits: {},
  },
};

/** What the layer saw and injected, for tests to assert on. */
export interface LayerStats {
  conflicts: number;
  throttled: number;
  serverErrors: number;
  lagged: number;
  limitErrors: number;
  unprocessed: number;
}

export interface BehaviourLayer {
  behaviours: Behaviours;
  stats: LayerStats;
}

/** The SDK's attempts per request: Lambda's default (3), not the short local one. */
export const SDK_MAX_ATTEMPTS = 3;

/** Clients for the shared DynamoDB Local with the layer on; `behaviours` may be changed while they run. */
export function behavingClients(endpoint: string, behaviours: Behaviours) {
  const config = {
    endpoint,
    region: LOCAL_ACCESS.region,
    credentials: { accessKeyId: LOCAL_ACCESS.accessKeyId, secretAccessKey: LOCAL_ACCESS.secretAccessKey },
    maxAttempts: SDK_MAX_ATTEMPTS,
  };
  const raw = new DynamoDBClient(config);
  // Reads of earlier images go around the layer.
  const plain = new DynamoDBClient(config);
  const layer = addBehaviours(raw, plain, behaviours);
  const client = DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } });
  return { raw, client, layer };
}

let chosenProfile: string | undefined;

/** Puts this test file's fresh tables under a profile (the suites' sibling files call it before importing them). */
export function useProfile(name: keyof typeof PROFILES | undefined): void {
  chosenProfile = name;
}

/** The profile this file chose, else the one LICENSEWATCH_DYNAMO_PROFILE names (any suite, by hand), if any. */
export function activeProfile(): { name: string; behaviours: Behaviours } | undefined {
  const name = chosenProfile ?? process.env.LICENSEWATCH_DYNAMO_PROFILE;
  if (!name) return undefined;
  const behaviours = PROFILES[name];
  if (!behaviours) throw new Error(`no DynamoDB behaviour profile ${name}`);
  return { name, behaviours: structuredClone(behaviours) };
}

/** Inputs reach the layer marshalled; outputs of document-client commands come back already unmarshalled. */
const AV_TYPES = new Set(['S', 'N', 'B', 'BOOL', 'NULL', 'M', 'L', 'SS', 'NS', 'BS']);
const isAv = (item: Av) =>
  Object.values(item).every((v) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
    const names = Object.keys(v);
    return names.length === 1 && AV_TYPES.has(names[0]!);
  });
const plainOf = (item: Av): Av => (isAv(item) ? unmarshall(item as never) : item);
const avOf = (item: Av): Av => (isAv(item) ? item : marshall(item, { removeUndefinedValues: true }));

const keyOf = (table: string, key: Av | undefined) => {
  const k = key ? plainOf(key) : {};
  return `${table}\u0000${k.PK}\u0000${k.SK}`;
};

const pickKey = (item: Av) => ({ PK: item.PK, SK: item.SK });

/** An attribute value's size as DynamoDB counts it (names in maps included), near enough for the limits. */
export function valueSize(v: unknown): number {
  const av = v as Av;
  if ('S' in av) return Buffer.byteLength(av.S as string);
  if ('N' in av) return Math.ceil(String(av.N).replace(/^-|\./g, '').length / 2) + 1;
  if ('B' in av) return (av.B as Uint8Array).length;
  if ('BOOL' in av || 'NULL' in av) return 1;
  if ('SS' in av) return (av.SS as string[]).reduce((n, s) => n + Buffer.byteLength(s), 0);
  if ('NS' in av) return (av.NS as string[]).reduce((n, s) => n + s.length, 0);
  if ('L' in av) return 3 + (av.L as unknown[]).reduce((n: number, e) => n + 1 + valueSize(e), 0);
  if ('M' in av) return 3 + itemSize(av.M as Av);
  return 0;
}

export function itemSize(item: Av): number {
  let n = 0;
  for (const [name, value] of Object.entries(item)) n += Buffer.byteLength(name) + valueSize(value);
  return n;
}

const validation = (message: string) =>
  Object.assign(new Error(message), {
    name: 'ValidationException',
    $fault: 'client',
    $metadata: { httpStatusCode: 400 },
  });

/** The keys a write command touches, with its table. */
function writtenKeys(command: string, input: Input): { table: string; key: Av; item?: Av }[] {
  switch (command) {
    case 'PutItem':
      return [{ table: input.TableName as string, key: pickKey(input.Item as Av), item: input.Item as Av }];
    case 'UpdateItem':
    case 'DeleteItem':
      return [{ table: input.TableName as string, key: input.Key as Av }];
    case 'BatchWriteItem':
      return Object.entries((input.RequestItems ?? {}) as Record<string, Input[]>).flatMap(([table, list]) =>
        list.map((r) => {
          const put = (r.PutRequest as Input)?.Item as Av | undefined;
          return { table, key: put ? pickKey(put) : ((r.DeleteRequest as Input).Key as Av), item: put };
        }),
      );
    case 'TransactWriteItems':
      return ((input.TransactItems ?? []) as Input[]).map((t) => {
        const op = (t.Put ?? t.Update ?? t.Delete ?? t.ConditionCheck) as Input;
        const item = op.Item as Av | undefined;
        return { table: op.TableName as string, key: item ? pickKey(item) : (op.Key as Av), item };
      });
    default:
      return [];
  }
}

const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems']);
const INDEX_PK = new Map(Object.values(INDEX).map((i) => [i.name as string, i.pk as string]));

/** Adds the layer to a client (and so to the document client built on it). */
export function addBehaviours(
  raw: DynamoDBClient,
  plain: DynamoDBClient,
  behaviours: Behaviours,
): BehaviourLayer {
  const layer: BehaviourLayer = {
    behaviours,
    stats: { conflicts: 0, throttled: 0, serverErrors: 0, lagged: 0, limitErrors: 0, unprocessed: 0 },
  };
  /** Items held by a transaction in flight, by the attempt holding them. */
  const held = new Map<string, object>();
  /** Recent writes per item: when, and the image before the first of them inside the lag. */
  const recent = new Map<string, { at: number; before: Av | undefined }>();
  let throttleTurn = 0;

  const fault = (
    context: Record<string, unknown>,
    name: 'throttle' | 'serverErrors',
    command: string,
    spec: { rate: number; attempts: number; ops?: string[] } | undefined,
  ) => {
    if (!spec || (spec.ops && !spec.ops.includes(command))) return false;
    const mark = `__lw_${name}`;
    // A request picked fails its next `attempts` attempts (the SDK's retries of it included), then goes through.
    if (context[mark] === undefined) context[mark] = Math.random() < spec.rate ? spec.attempts : 0;
    const left = context[mark] as number;
    if (left <= 0) return false;
    context[mark] = left - 1;
    return true;
  };

  const enforceLimits = (command: string, input: Input) => {
    const limits = behaviours.limits;
    if (!limits) return;
    const items = limits.itemBytes ?? AWS_LIMITS.itemBytes;
    for (const w of writtenKeys(command, input))
      if (w.item && itemSize(w.item) > items) {
        layer.stats.limitErrors++;
        throw validation('Item size has exceeded the maximum allowed size');
      }
    if (command === 'TransactWriteItems' || command === 'TransactGetItems') {
      const list = (input.TransactItems ?? []) as Input[];
      if (list.length > (limits.transactionItems ?? AWS_LIMITS.transactionItems)) {
        layer.stats.limitErrors++;
        throw validation(`Member must have length less than or equal to ${AWS_LIMITS.transactionItems}`);
      }
      const bytes = list.reduce((n, t) => {
        const op = Object.values(t)[0] as Input;
        return n + itemSize(((op.Item ?? op.Key) as Av) ?? {}) + JSON.stringify(op).length / 4;
      }, 0);
      if (bytes > (limits.transactionBytes ?? AWS_LIMITS.transactionBytes)) {
        layer.stats.limitErrors++;
        throw validation('Transaction request cannot be larger than 4 MB');
      }
    }
    if (command === 'BatchGetItem') {
      const keys = Object.values((input.RequestItems ?? {}) as Record<string, Input>).reduce(
        (n, r) => n + (r.Keys as unknown[]).length,
        0,
      );
      if (keys > AWS_LIMITS.batchGetKeys) {
        layer.stats.limitErrors++;
        throw validation('Too many items requested for the BatchGetItem call');
      }
    }
  };

  /** A BatchGetItem answer larger than the limit: what does not fit goes back as UnprocessedKeys, as DynamoDB does. */
  const capBatchGet = (output: Input) => {
    const cap = behaviours.limits?.batchGetBytes ?? AWS_LIMITS.batchGetBytes;
    let used = 0;
    const responses = (output.Responses ?? {}) as Record<string, Av[]>;
    const unprocessed = (output.UnprocessedKeys ?? {}) as Record<string, Input>;
    for (const [table, list] of Object.entries(responses)) {
      const kept: Av[] = [];
      for (const item of list) {
        used += itemSize(avOf(item));
        if (used <= cap || kept.length === 0) kept.push(item);
        else {
          layer.stats.unprocessed++;
          unprocessed[table] ??= { Keys: [] };
          (unprocessed[table].Keys as Av[]).push(pickKey(item));
        }
      }
      responses[table] = kept;
    }
    if (Object.keys(unprocessed).length) output.UnprocessedKeys = unprocessed;
  };

  const conflicting = (command: string, input: Input, owner: object) => {
    const spec = behaviours.conflicts;
    if (!spec || !WRITES.has(command) || command === 'BatchWriteItem') return undefined;
    const keys = writtenKeys(command, input).map((w) => keyOf(w.table, w.key));
    const hit = keys.map((k) => {
      const h = held.get(k);
      return Boolean(h && h !== owner && Math.random() < (spec.rate ?? 1));
    });
    return hit.some(Boolean) ? hit : undefined;
  };

  const snapshotBefore = async (command: string, input: Input) => {
    if (!behaviours.indexLagMs || !WRITES.has(command)) return;
    const now = Date.now();
    for (const [k, r] of recent) if (r.at < now - behaviours.indexLagMs) recent.delete(k);
    const writes = writtenKeys(command, input).filter((w) => !recent.has(keyOf(w.table, w.key)));
    if (writes.length === 0) return;
    const byTable = new Map<string, Av[]>();
    for (const w of writes) byTable.set(w.table, [...(byTable.get(w.table) ?? []), w.key]);
    const images = new Map<string, Av>();
    for (const [table, keys] of byTable) {
      for (let i = 0; i < keys.length; i += 100) {
        const res = await plain.send(
          new BatchGetItemCommand({
            RequestItems: { [table]: { Keys: keys.slice(i, i + 100) as never, ConsistentRead: true } },
          }),
        );
        for (const item of res.Responses?.[table] ?? []) images.set(keyOf(table, item as Av), item as Av);
      }
    }
    for (const w of writes) {
      const k = keyOf(w.table, w.key);
      recent.set(k, { at: now, before: images.get(k) });
    }
  };

  const lagIndex = (input: Input, output: Input) => {
    const lag = behaviours.indexLagMs;
    const pk = INDEX_PK.get(input.IndexName as string);
    if (!lag || !pk || !output.Items) return;
    const now = Date.now();
    const items: Av[] = [];
    for (const item of output.Items as Av[]) {
      const r = recent.get(keyOf(input.TableName as string, item));
      if (!r || r.at < now - lag) {
        items.push(item);
        continue;
      }
      layer.stats.lagged++;
      // The index still holds the earlier image, where it was in this partition; a new item is not there yet.
      const before = r.before && (isAv(item) ? r.before : plainOf(r.before));
      if (before && JSON.stringify(before[pk]) === JSON.stringify(item[pk])) items.push(before);
    }
    output.Items = items;
    output.Count = items.length;
  };

  raw.middlewareStack.add(
    (next, context) => async (args) => {
      const command = String(context.commandName ?? '').replace(/Command$/, '');
      const input = args.input as Input;
      const ctx = context as Record<string, unknown>;
      if (fault(ctx, 'throttle', command, behaviours.throttle)) {
        layer.stats.throttled++;
        const Err = throttleTurn++ % 2 ? ThrottlingException : ProvisionedThroughputExceededException;
        throw new Err({
          message: 'Rate of requests exceeds the allowed throughput (injected)',
          $metadata: { httpStatusCode: 400 },
        });
      }
      if (fault(ctx, 'serverErrors', command, behaviours.serverErrors)) {
        layer.stats.serverErrors++;
        throw new InternalServerError({
          message: 'Internal server error (injected)',
          $metadata: { httpStatusCode: 500 },
        });
      }
      enforceLimits(command, input);
      const owner = {};
      const hit = conflicting(command, input, owner);
      if (hit) {
        layer.stats.conflicts++;
        if (command !== 'TransactWriteItems')
          throw new TransactionConflictException({
            message: 'Transaction is ongoing for the item (injected)',
            $metadata: { httpStatusCode: 400 },
          });
        throw new TransactionCanceledException({
          message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${hit.map((h) => (h ? 'TransactionConflict' : 'None')).join(', ')}] (injected)`,
          CancellationReasons: hit.map((h) =>
            h
              ? { Code: 'TransactionConflict', Message: 'Transaction is ongoing for the item' }
              : { Code: 'None' },
          ),
          $metadata: { httpStatusCode: 400 },
        });
      }
      const keys =
        command === 'TransactWriteItems' && behaviours.conflicts
          ? writtenKeys(command, input).map((w) => keyOf(w.table, w.key))
          : [];
      // Held while in flight, and a transaction takes at least windowMs (DynamoDB Local answers in a millisecond or
      // two; DynamoDB's transactions take tens): concurrent ones overlap as they would, sequential ones never do.
      const started = Date.now();
      for (const k of keys) held.set(k, owner);
      try {
        await snapshotBefore(command, input);
        const result = await next(args);
        const rest = started + (behaviours.conflicts?.windowMs ?? 0) - Date.now();
        if (keys.length && rest > 0) await new Promise((r) => setTimeout(r, rest));
        const output = result.output as unknown as Input;
        if (command === 'BatchGetItem') capBatchGet(output);
        if (command === 'Query') lagIndex(input, output);
        return result;
      } finally {
        for (const k of keys) if (held.get(k) === owner) held.delete(k);
      }
    },
    { step: 'finalizeRequest', priority: 'low', name: 'licensewatchAwsBehaviours' },
  );
  return layer;
}
