// Plans a sync run: lists connectors, snapshots each connector record (a version only when it changed), marks
// connectors gone from the list, and opens a run with one unit per connector.
import { randomBytes } from 'node:crypto';
import pLimit from 'p-limit';
import { collect, type PartnerApi } from '#celigo/client';
import { isRecordId } from '#celigo/schemas';
import { contentHash } from './hash.ts';
import type { SyncUnit } from './schemas.ts';
import type { Clock, ConnectorMeta, ConnectorStore, RunStore } from './store/port.ts';

/** What planning needs of the store. */
export type PlanStore = Clock & ConnectorStore & Pick<RunStore, 'startRun'>;

export interface SyncPlan {
  runId: string;
  startedAt: string;
  units: SyncUnit[];
  connectors: { created: number; updated: number; unchanged: number; deleted: number; invalid: number };
}

/** Sortable, unique run ids: the start time plus a random suffix. */
export function newRunId(now: Date): string {
  return `${now.toISOString()}-${randomBytes(3).toString('hex')}`;
}

export async function planSync({
  ledger,
  api,
  account = 'default',
}: {
  ledger: PlanStore;
  api: PartnerApi;
  account?: string;
}): Promise<SyncPlan> {
  const started = ledger.now();
  const startedAt = started.toISOString();
  const runId = newRunId(started);
  // What the ledger knows of every connector is one Query, made while the list is on its way.
  const [records, knownList] = await Promise.all([collect(api.connectorPages()), ledger.listConnectors()]);
  const known = new Map(knownList.map((m) => [m.connectorId, m]));
  const tally = { created: 0, updated: 0, unchanged: 0, deleted: 0, invalid: 0 };
  const seen = new Set<string>();
  const fresh: Record<string, unknown>[] = [];
  for (const raw of records) {
    const id = (raw as { _id?: unknown } | null)?._id;
    if (!isRecordId(id) || seen.has(id)) {
      tally.invalid++;
      continue;
    }
    seen.add(id);
    fresh.push(raw as Record<string, unknown>);
  }
  const limit = pLimit(8);
  await Promise.all(
    fresh.map((raw) =>
      limit(async () => {
        tally[await snapshotConnector(ledger, raw, known.get(String(raw._id)), startedAt, account)]++;
      }),
    ),
  );
  // Connectors gone from the (complete) list are marked deleted; their licenses stay as last seen.
  const gone = [...known.values()].filter((m) => !seen.has(m.connectorId) && !m.deletedAt);
  await Promise.all(gone.map((m) => ledger.markConnectorDeleted(m.connectorId, startedAt)));
  tally.deleted = gone.length;
  const units = [...seen].sort().map((connectorId) => ({ runId, connectorId }));
  await ledger.startRun({ runId, startedAt, connectors: units.length });
  return { runId, startedAt, units, connectors: tally };
}

async function snapshotConnector(
  ledger: PlanStore,
  raw: Record<string, unknown>,
  current: ConnectorMeta | undefined,
  observedAt: string,
  account: string,
): Promise<'created' | 'updated' | 'unchanged'> {
  const hash = contentHash(raw);
  if (current?.hash === hash && !current.deletedAt && current.account === account) return 'unchanged';
  const change = current?.hash ? 'updated' : 'created';
  await ledger.recordConnector({ connectorId: String(raw._id), raw, hash, observedAt, change, account });
  return change;
}
