// The install base walk of one connector, after its license walk: read every page, record each integration's
// record when it changed (change-only history), then advance the connector's open update pushes from what it says.
import { createHash } from 'node:crypto';
import type { PartnerApi } from '#celigo/client';
import { PartnerApiError } from '#celigo/errors';
import { isRecordId } from '#celigo/schemas';
import { DEFAULT_ACCOUNT } from '#functions/config';
import { changedPaths, contentHash } from './hash.ts';
import type { InstallBaseRun } from './install-schemas.ts';
import { installFacts, newestOf } from './install-view.ts';
import { advancePush, type InstallNow, markRequested, pushChanged } from './pushes.ts';
import type { SyncUnit } from './schemas.ts';
import type { InstallState, InstallWrite, StoredPush } from './store/install-records.ts';
import type { Clock, InstallStore, PushStore } from './store/port.ts';
import type { ClientFor } from './walk.ts';

/** What the install base walk needs of the store. */
export type InstallWalkStore = Clock &
  Omit<InstallStore, 'listInstalls' | 'installedVersions'> &
  Pick<PushStore, 'getPush' | 'savePush'>;

export interface InstallWalkDeps {
  ledger: InstallWalkStore;
  api: PartnerApi | ClientFor;
}

const errorOf = (error: unknown) =>
  error instanceof PartnerApiError
    ? { code: error.code, message: error.message }
    : { code: 'install_base_failed', message: error instanceof Error ? error.message : String(error) };

/** Reads and records one connector's install base; never throws (a failure is the run's `installBase`). */
export async function walkInstallBase(deps: InstallWalkDeps, unit: SyncUnit): Promise<InstallBaseRun> {
  const { ledger } = deps;
  const account = unit.account ?? DEFAULT_ACCOUNT;
  const cid = unit.connectorId;
  try {
    const api = typeof deps.api === 'function' ? await deps.api(account) : deps.api;
    const records: Record<string, unknown>[] = [];
    const digest = createHash('sha256');
    for await (const page of api.installBasePages(cid)) {
      digest.update(`${page.digest}\n`);
      for (const r of page.records)
        if (r !== null && typeof r === 'object' && !Array.isArray(r))
          records.push(r as Record<string, unknown>);
    }
    const listed = digest.digest('base64url').slice(0, 32);
    const summary = await ledger.installBaseSummary(cid);
    const installs = new Map<string, Record<string, unknown>>();
    for (const r of records) if (isRecordId(r._integrationId)) installs.set(r._integrationId, r);

    let changed = 0;
    if (summary?.digest !== listed)
      changed = await recordChanges(ledger, cid, account, installs, summary?.newestVersion, listed);
    const pushesAdvanced = await advancePushes(ledger, api, summary?.openPushes ?? [], installs);
    return { status: 'completed', installs: installs.size, changed, pushesAdvanced };
  } catch (error) {
    return { status: 'failed', error: errorOf(error) };
  }
}

async function recordChanges(
  ledger: InstallWalkStore,
  cid: string,
  account: string,
  installs: Map<string, Record<string, unknown>>,
  newestBefore: string | undefined,
  digest: string,
): Promise<number> {
  const at = ledger.now().toISOString();
  const [stored, licenses] = await Promise.all([
    ledger.installStates(cid),
    ledger.licensesByIntegration(cid),
  ]);
  const writes: InstallWrite[] = [];
  const versions: Record<string, number> = {};
  for (const [iid, raw] of installs) {
    const facts = installFacts(raw);
    versions[facts.version] = (versions[facts.version] ?? 0) + 1;
    const hash = contentHash(raw);
    const prev = stored.get(iid);
    const licenseId = licenses.get(iid) ?? prev?.licenseId;
    if (prev && !prev.removed && prev.hash === hash && prev.licenseId === licenseId) continue;
    writes.push({
      connectorId: cid,
      account,
      change: prev && !prev.removed ? 'updated' : 'created',
      changes: prev && !prev.removed ? changedPaths(JSON.parse(prev.rawJson), raw) : [],
      rev: (prev?.rev ?? 0) + 1,
      ...(prev ? { expectedRev: prev.rev } : {}),
      facts,
      ...(licenseId ? { licenseId } : {}),
      rawJson: JSON.stringify(raw),
      hash,
      firstSeenAt: prev && !prev.removed ? prev.firstSeenAt : at,
      observedAt: at,
    });
  }
  // Gone from a whole read of the install base: uninstalled. The record stays, marked removed.
  const removed = [...stored].filter(([iid, s]) => !s.removed && !installs.has(iid)).map(([iid]) => iid);
  const removedWrites = removals(cid, account, removed, stored, at);
  const results = await ledger.writeInstalls([...writes, ...removedWrites]);
  await ledger.recordInstallBase(cid, {
    digest,
    newestVersion: newestOf([newestBefore, ...Object.keys(versions)]),
    versions,
    installs: installs.size,
    at,
  });
  return results.filter((r) => r === 'written').length;
}

/** Removal writes carry the record as last stored; only its state moves. */
function removals(
  cid: string,
  account: string,
  ids: string[],
  stored: Map<string, InstallState>,
  at: string,
): InstallWrite[] {
  return ids.map((iid) => {
    const s = stored.get(iid)!;
    return {
      connectorId: cid,
      account,
      change: 'removed',
      changes: ['removedAt'],
      rev: s.rev + 1,
      expectedRev: s.rev,
      facts: installFacts(JSON.parse(s.rawJson) ?? { _integrationId: iid }),
      ...(s.licenseId ? { licenseId: s.licenseId } : {}),
      rawJson: s.rawJson,
      hash: s.hash,
      firstSeenAt: s.firstSeenAt,
      observedAt: at,
    };
  });
}

/** Each open push moved on from the install base just read; the next batch sent when its turn has come. */
async function advancePushes(
  ledger: InstallWalkStore,
  api: PartnerApi,
  open: string[],
  installs: Map<string, Record<string, unknown>>,
): Promise<number> {
  if (open.length === 0) return 0;
  const now = new Map<string, InstallNow>();
  for (const [iid, raw] of installs) {
    const f = installFacts(raw);
    now.set(iid, { version: f.version, updateInProgress: f.updateInProgress });
  }
  let advanced = 0;
  for (const id of open) {
    const push = await ledger.getPush(id);
    if (!push) continue;
    const next = await stepPush(ledger, api, push, now);
    if (pushChanged(push, next) && (await ledger.savePush({ ...next, rev: push.rev + 1 }))) advanced++;
  }
  return advanced;
}

/**
 * One step of a push: states from the install base, then the batch whose turn it is sent. A refused request
 * leaves the batch pending (tried again next sync) with the error on the push; the update's own failures are
 * unconfirmed upstream, so they show only as an integration that never gets its new version (stuck).
 */
export async function stepPush(
  ledger: Clock,
  api: PartnerApi,
  push: StoredPush,
  installs: Map<string, InstallNow>,
): Promise<StoredPush> {
  const at = ledger.now();
  const { push: advanced, send } = advancePush(push, installs, at);
  if (send.length === 0) return advanced;
  try {
    await api.pushUpdate(push.connectorId, send);
    const { error: _dropped, ...rest } = markRequested(advanced, send, at);
    return rest;
  } catch (error) {
    return { ...advanced, error: errorOf(error) };
  }
}
