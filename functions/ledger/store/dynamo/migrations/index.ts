// Upgrades of the table, in one place: each a named step, run once in order, recorded in the schema item
// (`SCHEMA` / `VERSION`: `version`, the steps applied and when, a cut-short step's cursor). Everyday code reads and
// writes only the current shape. Who runs them: the plan (AWS) and each local command before it reads the table
// (the `data` steps), `licensewatch store migrate` (the same, with a report), and an alert evaluation (the step that
// needs the sinks it delivers to). Every step is idempotent and guarded item by item, so two runners at once, or a
// runner racing the everyday writers, change nothing twice; a step cut short by its deadline goes on from its cursor.
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { MigrateOptions, MigrationReport, SchemaStatus, SchemaStore } from '../../port.ts';
import { type Item, isConditionFailure, type Table } from '../query.ts';
import type { Site } from '../site.ts';

/** What a step is given: its table, where a run of it cut short stopped, and whether time is left for a page more. */
export interface StepContext {
  table: Table;
  now: () => Date;
  /** The LastEvaluatedKey saved by a run of this step that was cut short. */
  resumeFrom?: Item;
  /** False once the caller's deadline is near: the step stops between pages and answers its cursor. */
  inTime: () => boolean;
  /** This run's sinks (`sinks` steps only). */
  sinks: string[];
  /** Who runs it (an evaluation's id): the owner of what it writes that has one. */
  owner: string;
  scanPageSize?: number;
}

/** A step's answer: done; cut short (go on from `resumeFrom`); or left for another runner (`resumeFrom` absent). */
export type StepResult = { done: boolean; items: number; resumeFrom?: Item };

export interface Migration {
  /** Never renamed: the schema item records steps by name. */
  name: string;
  description: string;
  /** `data`: the plan, local commands and `store migrate` run it. `sinks`: an alert evaluation, with its sinks. */
  runs: 'data' | 'sinks';
}

export type StepRun = (ctx: StepContext) => Promise<StepResult>;

/**
 * Every upgrade since 0.1, oldest first. Append; never reorder, rename or remove one. The steps' code is apart
 * (./data-steps.ts, ./outbox.ts), so a Lambda bundles only the steps it runs.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    name: 'account-on-every-item',
    description: 'connectors, licenses and versions from before accounts name the `default` account',
    runs: 'data',
  },
  {
    name: 'license-items-shape-3',
    description:
      'license items of older shapes gain their lookup, trial and sandbox attributes, add-ons as JSON text',
    runs: 'data',
  },
  {
    name: 'page-digests-shape-3',
    description:
      'page digests that vouched for items of an older shape go (each such page is compared once again)',
    runs: 'data',
  },
  {
    name: 'connector-walk-marks',
    description:
      'connectors walked before first-walk marks gain theirs; the pre-epoch unfinished-walk marker goes',
    runs: 'data',
  },
  {
    name: 'outbox-per-sink',
    description:
      "0.x's single outbox moved into each sink's own (entries for sinks the run lacks stay behind)",
    runs: 'sinks',
  },
];

/** The schema version of a table every step has been applied to. */
export const SCHEMA_VERSION = MIGRATIONS.length;
const SCHEMA_KEY = { PK: 'SCHEMA', SK: 'VERSION' } as const;

interface SchemaItem {
  version?: number;
  applied?: Record<string, string>;
  cursors?: Record<string, Item>;
}

async function readSchema(table: Table): Promise<SchemaItem> {
  const res = await table.doc.send(
    new GetCommand({ TableName: table.name, Key: SCHEMA_KEY, ConsistentRead: true }),
  );
  return (res.Item as SchemaItem | undefined) ?? {};
}

const MAPS = { '#applied': 'applied', '#cursors': 'cursors', '#version': 'version' };

/** The version and the two maps, on a schema item that may not exist yet. */
async function ensureMaps(table: Table): Promise<void> {
  await table.doc.send(
    new UpdateCommand({
      TableName: table.name,
      Key: SCHEMA_KEY,
      UpdateExpression:
        'SET #applied = if_not_exists(#applied, :none), #cursors = if_not_exists(#cursors, :none), #version = if_not_exists(#version, :zero)',
      ExpressionAttributeNames: MAPS,
      ExpressionAttributeValues: { ':none': {}, ':zero': 0 },
    }),
  );
}

/** The step applied, counted once however many runners finish it. */
async function markApplied(table: Table, name: string, at: string): Promise<void> {
  await ensureMaps(table);
  try {
    await table.doc.send(
      new UpdateCommand({
        TableName: table.name,
        Key: SCHEMA_KEY,
        UpdateExpression: 'SET #applied.#step = :at ADD #version :one REMOVE #cursors.#step',
        ConditionExpression: 'attribute_not_exists(#applied.#step)',
        ExpressionAttributeNames: { ...MAPS, '#step': name },
        ExpressionAttributeValues: { ':at': at, ':one': 1 },
      }),
    );
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
  }
}

async function saveCursor(table: Table, name: string, resumeFrom: Item): Promise<void> {
  await ensureMaps(table);
  await table.doc
    .send(
      new UpdateCommand({
        TableName: table.name,
        Key: SCHEMA_KEY,
        UpdateExpression: 'SET #cursors.#step = :cursor',
        ConditionExpression: 'attribute_not_exists(#applied.#step)',
        ExpressionAttributeNames: { '#applied': 'applied', '#cursors': 'cursors', '#step': name },
        ExpressionAttributeValues: { ':cursor': resumeFrom },
      }),
    )
    .catch((error: unknown) => {
      if (!isConditionFailure(error)) throw error;
    });
}

/**
 * A table created by this version holds nothing of an older shape: every step is recorded as applied, so no
 * runner ever scans it. Written only when the table has no schema item yet.
 */
export async function markCurrent(table: Table, now: Date): Promise<void> {
  const at = now.toISOString();
  await table.doc
    .send(
      new PutCommand({
        TableName: table.name,
        Item: {
          ...SCHEMA_KEY,
          version: SCHEMA_VERSION,
          applied: Object.fromEntries(MIGRATIONS.map((m) => [m.name, at])),
          cursors: {},
          createdCurrent: at,
        },
        ConditionExpression: 'attribute_not_exists(PK)',
      }),
    )
    .catch((error: unknown) => {
      if (!isConditionFailure(error)) throw error;
    });
}

/** Keep this much of the caller's time when a step is cut short: a page's updates and the cursor's write. */
const RESERVE_MS = 20_000;

/**
 * Runs the steps not yet applied, in order, of the kind asked (`data` by default; `sinks` with the run's sinks).
 * A step out of time saves its cursor and ends the run; a `sinks` step that leaves entries for other sinks stays
 * pending and the next step runs.
 */
export async function migrate(
  table: Table,
  now: () => Date,
  steps: Readonly<Record<string, StepRun>>,
  options: MigrateOptions = {},
): Promise<MigrationReport> {
  const runs = options.sinks ? 'sinks' : 'data';
  const schema = await readSchema(table);
  const report: MigrationReport = { version: 0, latest: SCHEMA_VERSION, ran: [], pending: [] };
  const inTime = () => !options.timeLeft || options.timeLeft() > RESERVE_MS;
  let stopped = false;
  for (const step of MIGRATIONS) {
    if (schema.applied?.[step.name]) continue;
    const run = steps[step.name];
    if (step.runs !== runs || !run || stopped) {
      report.pending.push(step.name);
      continue;
    }
    const started = Date.now();
    const result = await run({
      table,
      now,
      inTime,
      sinks: options.sinks ?? [],
      owner: options.owner ?? `migration-${now().toISOString()}`,
      ...(options.scanPageSize ? { scanPageSize: options.scanPageSize } : {}),
      ...(schema.cursors?.[step.name] ? { resumeFrom: schema.cursors[step.name] } : {}),
    });
    report.ran.push({ name: step.name, items: result.items, done: result.done, ms: Date.now() - started });
    if (result.done) {
      await markApplied(table, step.name, now().toISOString());
      continue;
    }
    report.pending.push(step.name);
    if (result.resumeFrom) {
      await saveCursor(table, step.name, result.resumeFrom);
      stopped = true;
    }
  }
  // Applied before, or by this run: every step not left pending.
  report.version = SCHEMA_VERSION - report.pending.length;
  return report;
}

/** The steps and whether each is applied: what `licensewatch store migrate` lists. */
export async function schemaStatus(table: Table): Promise<SchemaStatus> {
  const schema = await readSchema(table);
  return {
    version: schema.version ?? 0,
    latest: SCHEMA_VERSION,
    steps: MIGRATIONS.map((m) => ({
      name: m.name,
      description: m.description,
      runs: m.runs,
      ...(schema.applied?.[m.name] ? { appliedAt: schema.applied[m.name] } : {}),
      ...(schema.cursors?.[m.name] ? { inProgress: true as const } : {}),
    })),
  };
}

/**
 * The table's upgrades as a facet, with the code of the steps given: DATA_STEPS (the plan, local commands),
 * SINK_STEPS (an alert evaluation), or both; a Lambda bundles only the steps it is given.
 */
export function schemaFacet({ table, now }: Site, steps: Readonly<Record<string, StepRun>>): SchemaStore {
  return {
    migrate: (options) => migrate(table, now, steps, options),
    schemaStatus: () => schemaStatus(table),
  };
}
