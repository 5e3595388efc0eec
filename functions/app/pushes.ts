// Update pushes as both edges make and read them: plan the batches, refuse an integration another open push holds,
// record the push, send its first batch; later batches go from the syncs (ledger/installs.ts).
import { randomBytes } from 'node:crypto';
import type { PartnerApi } from '#celigo/client';
import type { InstallView, PushView } from '#ledger/install-schemas';
import { advancePush, type InstallNow, markRequested, planBatches } from '#ledger/pushes';
import { getConnector } from '#ledger/queries';
import type { Page } from '#ledger/schemas';
import type { PushStore, StoredPush } from '#ledger/store/port';
import { AppError, notFound } from './errors.ts';
import { connectorInstalls, type InstallsLedger } from './installs.ts';

export type PushesLedger = InstallsLedger & PushStore;

export interface PushRequest {
  /** The integrations to update; or `outdated` for every install behind the connector's newest version. */
  integrations?: string[];
  outdated?: boolean;
  sandboxFirst?: boolean;
  batchSize?: number;
  /** Plan only: the push as it would be recorded, nothing recorded or sent. */
  dryRun?: boolean;
}

export interface PushDeps {
  ledger: PushesLedger;
  /** The client of the connector's partner account. */
  partnerApi: (account: string) => PartnerApi | Promise<PartnerApi>;
}

const invalid = (code: string, message: string, field?: string) =>
  new AppError('invalid', code, message, field);

/** The request checked: exactly one of integrations and outdated, a batch size of at least 1. */
function checked(request: PushRequest): PushRequest {
  const listed = request.integrations !== undefined && request.integrations.length > 0;
  if (listed === Boolean(request.outdated))
    throw invalid(
      'invalid_push',
      'name the integrations to update, or ask for every outdated one (not both)',
      'integrations',
    );
  if (request.batchSize !== undefined && (!Number.isInteger(request.batchSize) || request.batchSize < 1))
    throw invalid('invalid_parameter', 'batchSize must be a whole number of at least 1', 'batchSize');
  return request;
}

/** The installs a push is for: those named (each must be installed now), or every outdated one. */
function targetsOf(installs: InstallView[], request: PushRequest, connectorId: string): InstallView[] {
  if (request.outdated) {
    const outdated = installs.filter((i) => i.outdated);
    if (outdated.length === 0)
      throw invalid('nothing_to_push', `no install of connector ${connectorId} is behind its newest version`);
    return outdated;
  }
  const byId = new Map(installs.map((i) => [i.integrationId, i]));
  const unknown = [...new Set(request.integrations)].filter((id) => !byId.has(id));
  if (unknown.length > 0)
    throw new AppError(
      'not_found',
      'unknown_integration',
      `connector ${connectorId} is not installed in integration(s) ${unknown.join(', ')} (as of the last sync)`,
      'integrations',
    );
  return [...new Set(request.integrations)].map((id) => byId.get(id)!);
}

const pushIdAt = (at: Date) => `${at.toISOString().replace(/[-:.]/g, '')}-${randomBytes(3).toString('hex')}`;

/**
 * Records a push and sends its first batch. Refused (`push_conflict`) while another open push holds one of its
 * integrations. A first request the Partner API refuses halts the push (recorded with the error) and throws.
 */
export async function createPush(
  deps: PushDeps,
  connectorId: string,
  request: PushRequest,
): Promise<PushView> {
  const { ledger } = deps;
  checked(request);
  const connector = await getConnector(ledger, connectorId);
  if (!connector) throw notFound('connector', connectorId);
  const installs = await connectorInstalls(ledger, connectorId);
  const targets = targetsOf(installs, request, connectorId);
  for (let attempt = 0; attempt < 5; attempt++) {
    const summary = await ledger.installBaseSummary(connectorId);
    const busy = new Map<string, string>();
    for (const id of summary?.openPushes ?? []) {
      const open = await ledger.getPush(id);
      if (open?.status === 'open') for (const i of open.integrations) busy.set(i.integrationId, open.id);
    }
    const clash = targets.filter((t) => busy.has(t.integrationId));
    if (clash.length > 0)
      throw new AppError(
        'conflict',
        'push_conflict',
        `integration(s) ${clash.map((t) => `${t.integrationId} (push ${busy.get(t.integrationId)})`).join(', ')} already have an open push; wait for it to finish or halt`,
        'integrations',
      );
    const at = ledger.now();
    const push: StoredPush = {
      id: pushIdAt(at),
      connectorId,
      account: connector.account,
      createdAt: at.toISOString(),
      status: 'open',
      sandboxFirst: Boolean(request.sandboxFirst),
      ...(request.batchSize ? { batchSize: request.batchSize } : {}),
      integrations: planBatches(
        targets.map((t) => ({
          integrationId: t.integrationId,
          version: t.version,
          sandbox: t.sandbox,
          licenseId: t.licenseId,
          email: t.email,
        })),
        request,
      ),
      rev: 1,
    };
    if (request.dryRun) return viewOf(push);
    if (!(await ledger.openPush(push, summary?.pushSeq ?? 0))) continue; // another push opened meanwhile
    return viewOf(await sendFirstBatch(deps, push, installs));
  }
  throw new AppError('conflict', 'push_conflict', 'other pushes kept opening on this connector; try again');
}

/** The first batch sent at once: a refusal halts the push, recorded with the error, and reaches the caller as is. */
async function sendFirstBatch(
  deps: PushDeps,
  push: StoredPush,
  installs: InstallView[],
): Promise<StoredPush> {
  const now = new Map<string, InstallNow>(
    installs.map((i) => [i.integrationId, { version: i.version, updateInProgress: i.updateInProgress }]),
  );
  const at = deps.ledger.now();
  const { push: advanced, send } = advancePush(push, now, at);
  try {
    const api = await deps.partnerApi(push.account);
    await api.pushUpdate(push.connectorId, send);
  } catch (error) {
    await deps.ledger.savePush({ ...advanced, status: 'halted', error: failure(error), rev: push.rev + 1 });
    throw error;
  }
  const saved = { ...markRequested(advanced, send, at), rev: push.rev + 1 };
  await deps.ledger.savePush(saved);
  return saved;
}

const failure = (error: unknown) => ({
  code: (error as { code?: string }).code ?? 'push_failed',
  message: error instanceof Error ? error.message : String(error),
});

const viewOf = ({ rev: _rev, ...view }: StoredPush): PushView => view;

export async function getPush(ledger: PushStore, pushId: string): Promise<PushView> {
  const push = await ledger.getPush(pushId);
  if (!push) throw notFound('push', pushId);
  return viewOf(push);
}

export async function listPushes(
  ledger: PushStore,
  page: { limit?: number; cursor?: string },
): Promise<Page<PushView>> {
  const stored = await ledger.listPushes(page);
  return { ...stored, items: stored.items.map(viewOf) };
}
