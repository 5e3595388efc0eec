// Plans a sync run: lists every partner account's connectors, snapshots each connector record (a version only when
// it changed), marks connectors gone from their account's list, and opens a run with one unit per connector.
import { randomBytes } from 'node:crypto';
import pLimit from 'p-limit';
import { collect, type PartnerApi } from '#celigo/client';
import { isRecordId } from '#celigo/schemas';
import { DEFAULT_ACCOUNT } from '#functions/config';
import { contentHash } from './hash.ts';
import { type ConnectorRun, type SyncUnit, zeroCounts } from './schemas.ts';
import type { Clock, ConnectorMeta, ConnectorStore, RunStore } from './store/port.ts';

/** What planning needs of the store. */
export type PlanStore = Clock & ConnectorStore & Pick<RunStore, 'startRun'>;

/** A partner account to plan: its name and its own client (its own rate budget), built when first needed. */
export interface PlanAccount {
  name: string;
  api: () => PartnerApi | Promise<PartnerApi>;
}

export interface AccountError {
  account: string;
  code: string;
  message: string;
}

export interface SyncPlan {
  runId: string;
  startedAt: string;
  units: SyncUnit[];
  connectors: { created: number; updated: number; unchanged: number; deleted: number; invalid: number };
  /** Accounts whose connectors could not be listed; their known connectors are recorded as failed walks. */
  accountErrors: AccountError[];
  failed: ConnectorRun[];
}

/** Sortable, unique run ids: the start time plus a random suffix. */
export function newRunId(now: Date): string {
  return `${now.toISOString()}-${randomBytes(3).toString('hex')}`;
}

/**
 * Lists every account's connectors (one account failing fails only its own connectors: they are recorded as failed,
 * nothing of theirs is marked deleted, and the other accounts are planned as usual). `api` alone plans the one
 * account named `account` (default `default`), as before accounts existed.
 */
export async function planSync(deps: {
  ledger: PlanStore;
  accounts?: PlanAccount[];
  api?: PartnerApi;
  account?: string;
}): Promise<SyncPlan> {
  const { ledger } = deps;
  const accounts = deps.accounts ?? [{ name: deps.account ?? DEFAULT_ACCOUNT, api: () => deps.api! }];
  const started = ledger.now();
  const startedAt = started.toISOString();
  const runId = newRunId(started);
  // What the ledger knows of every connector is one Query, made while the lists are on their way.
  const [listed, knownList] = await Promise.all([
    Promise.all(accounts.map(listAccount)),
    ledger.listConnectors(),
  ]);
  const known = new Map(knownList.map((m) => [m.connectorId, m]));
  const tally = { created: 0, updated: 0, unchanged: 0, deleted: 0, invalid: 0 };
  const seen = new Map<string, string>(); // connector id -> account
  const fresh: { raw: Record<string, unknown>; account: string }[] = [];
  const accountErrors: AccountError[] = [];
  for (const [i, result] of listed.entries()) {
    const account = accounts[i]!.name;
    if ('error' in result) {
      accountErrors.push({ account, ...result.error });
      continue;
    }
    for (const raw of result.records) {
      const id = (raw as { _id?: unknown } | null)?._id;
      // Ids are unique across accounts; one listed twice is walked once, under the first account listing it.
      if (!isRecordId(id) || seen.has(id)) {
        tally.invalid++;
        continue;
      }
      seen.set(id, account);
      fresh.push({ raw: raw as Record<string, unknown>, account });
    }
  }
  const limit = pLimit(8);
  await Promise.all(
    fresh.map(({ raw, account }) =>
      limit(async () => {
        tally[await snapshotConnector(ledger, raw, known.get(String(raw._id)), startedAt, account)]++;
      }),
    ),
  );
  // Connectors gone from an account's (complete) list are marked deleted; their licenses stay as last seen. Only
  // accounts listed now can say a connector is gone: nothing of a failed or unconfigured account is marked.
  const listedAccounts = new Set(accounts.map((a) => a.name).filter((_, i) => !('error' in listed[i]!)));
  const gone = [...known.values()].filter(
    (m) => !seen.has(m.connectorId) && !m.deletedAt && listedAccounts.has(m.account),
  );
  await Promise.all(gone.map((m) => ledger.markConnectorDeleted(m.connectorId, startedAt)));
  tally.deleted = gone.length;
  const units = [...seen]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([connectorId, account]) => ({ runId, connectorId, account }));
  const failedAccounts = new Map(accountErrors.map((e) => [e.account, e]));
  const stranded = [...known.values()].filter(
    (m) => failedAccounts.has(m.account) && !m.deletedAt && !seen.has(m.connectorId),
  );
  const failed = stranded.map((m) => accountFailure(runId, startedAt, m, failedAccounts.get(m.account)!));
  // The failed walks are written with the run, not one transaction each on its summary.
  await ledger.startRun({
    runId,
    startedAt,
    connectors: units.length + stranded.length,
    ...(accountErrors.length ? { accountErrors } : {}),
    ...(failed.length ? { failed } : {}),
  });
  return { runId, startedAt, units, connectors: tally, accountErrors, failed };
}

async function listAccount(
  account: PlanAccount,
): Promise<{ records: unknown[] } | { error: { code: string; message: string } }> {
  try {
    const api = await account.api();
    return { records: await collect(api.connectorPages()) };
  } catch (failure) {
    const err = failure as { code?: string; name?: string; message?: string };
    return { error: { code: err.code ?? err.name ?? 'error', message: err.message ?? String(failure) } };
  }
}

/** A known connector of an account that could not be listed: a failed walk, so the run says which and why. */
function accountFailure(runId: string, at: string, m: ConnectorMeta, error: AccountError): ConnectorRun {
  return {
    runId,
    connectorId: m.connectorId,
    account: m.account,
    status: 'failed',
    counts: zeroCounts(),
    pages: 0,
    pagesUnchanged: 0,
    startedAt: at,
    finishedAt: at,
    durationMs: 0,
    error: { code: error.code, message: `account ${error.account}: ${error.message}` },
  };
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
