// The install base walk against the emulator over HTTP and DynamoDB Local: recorded with each sync, change-only,
// joined to licenses, a failure of its own that leaves the licenses recorded, and pushes advanced by syncs.
import { afterEach, describe, expect, it } from 'vitest';
import { connectorInstalls, listInstalls } from '#app/installs';
import { createPush, getPush } from '#app/pushes';
import { STUCK_AFTER_MS } from '#ledger/pushes';
import { getLicense } from '#ledger/queries';
import { installTraits, NEWEST_RELEASE } from '#local/emulator/index';
import { candidateAlerts, DEFAULT_WATCH_CONFIG } from '#watch/evaluate';
import { type Harness, harness } from '../support/ledger-harness.ts';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

const small = { dataSet: { connectors: 2, licensesPerConnector: 40 } } as const;

describe('install base walk', { timeout: 120_000 }, () => {
  it('records an install per installed license with its license, and a quiet sync writes no install item', async () => {
    h = await harness(small);
    const runs = await h.sync();
    const cid = h.emu.connectors()[0]!._id;
    expect(runs.every((r) => r.installBase?.status === 'completed')).toBe(true);
    const upstream = h.emu.installBase(cid);
    const installs = await connectorInstalls(h.ledger, cid);
    expect(installs.map((i) => i.integrationId).sort()).toEqual(upstream.map((r) => r._integrationId).sort());
    const licenses = h.emu.licenses(cid);
    for (const i of installs) {
      const license = licenses.find((l) => l._integrationId === i.integrationId)!;
      expect(i.licenseId).toBe(license._id);
      expect(i.outdated).toBe(i.version !== NEWEST_RELEASE);
    }
    expect(installs.some((i) => i.outdated)).toBe(true);
    expect(installs.some((i) => i.sandbox)).toBe(true);
    // The license view carries the version its integration runs.
    const one = installs[0]!;
    expect((await getLicense(h.ledger, one.licenseId!))?.installedVersion).toBe(one.version);

    h.meter.reset();
    await h.sync();
    expect(h.meter.writtenByKind['CONNECTOR/INSTALL'] ?? 0).toBe(0);
    expect(h.meter.writtenByKind['INSTALL/V'] ?? 0).toBe(0);
    expect(h.meter.writtenByKind['CONNECTOR/INSTALLBASE'] ?? 0).toBe(0);
    expect(h.meter.scans).toBe(0);
  });

  it('keeps the licenses of a connector whose install base fails, and the run says so', async () => {
    h = await harness(small);
    const [a, b] = h.emu.connectors().map((c) => c._id);
    h.emu.failConnector(`${a}/installBase`, { status: 500, times: 10 });
    const runs = await h.sync();
    const runA = runs.find((r) => r.connectorId === a)!;
    expect(runA.status).toBe('completed');
    expect(runA.installBase).toMatchObject({ status: 'failed', error: { code: expect.any(String) } });
    expect(runA.counts.created).toBe(40);
    expect(runs.find((r) => r.connectorId === b)!.installBase?.status).toBe('completed');
    expect(await connectorInstalls(h.ledger, a!)).toEqual([]);
    const stored = await h.ledger.connectorRuns(runA.runId);
    expect(stored.find((r) => r.connectorId === a)?.installBase?.status).toBe('failed');
  });

  it('records an uninstall as removed, and pages installs with a cursor', async () => {
    h = await harness(small);
    await h.sync();
    const cid = h.emu.connectors()[0]!._id;
    const license = h.emu.licenses(cid).find((l) => l._integrationId)!;
    h.emu.mutateLicense(cid, license._id, { _integrationId: undefined });
    await h.sync();
    const page = await h.ledger.listInstalls(cid, { includeRemoved: true, limit: 1000 });
    const removed = page.items.find((i) => i.integrationId === license._integrationId)!;
    expect(removed.removedAt).toBeDefined();
    const live = await connectorInstalls(h.ledger, cid);
    expect(live.map((i) => i.integrationId)).not.toContain(license._integrationId);

    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const p = await listInstalls(h.ledger, { limit: 7, cursor });
      seen.push(...p.items.map((i) => `${i.connectorId}/${i.integrationId}`));
      cursor = p.nextCursor;
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    const all = (await Promise.all(h.emu.connectors().map((c) => connectorInstalls(h.ledger, c._id)))).flat();
    expect(seen.length).toBe(all.length);
  });
});

describe('update pushes through syncs', { timeout: 180_000 }, () => {
  let clock = 0;
  const start = async () => {
    clock = new Date('2026-06-15T12:00:00.000Z').getTime();
    h = await harness({ ...small, now: () => new Date(clock++) });
    h.emu.setClock(() => new Date(clock));
    h.emu.setUpdateDelay(60_000);
    await h.sync();
    const cid = h.emu.connectors()[0]!._id;
    const idle = (await connectorInstalls(h.ledger, cid)).filter((i) => !i.updateInProgress);
    const installs = idle.filter((i) => i.outdated);
    const completes = (i: { integrationId: string }) => !installTraits(i.integrationId).neverCompletes;
    return {
      cid,
      sandbox: installs.find((i) => i.sandbox && completes(i))!,
      production: installs.filter((i) => !i.sandbox && completes(i)),
      never: idle.find((i) => !completes(i))!,
      deps: { ledger: h.ledger, partnerApi: () => h.api },
    };
  };
  const updateRequests = () =>
    h.emu.requests().filter((r) => r.method === 'PUT' && r.path.endsWith('/update'));

  it('sends sandboxes first and production once they updated; refuses a second open push', async () => {
    const { cid, sandbox, production, deps } = await start();
    const [p1] = production;
    const push = await createPush(deps, cid, {
      integrations: [p1!.integrationId, sandbox.integrationId],
      sandboxFirst: true,
    });
    expect(updateRequests()).toHaveLength(1);
    const state = (p: typeof push, id: string) => p.integrations.find((i) => i.integrationId === id)!.state;
    expect(state(push, sandbox.integrationId)).toBe('requested');
    expect(state(push, p1!.integrationId)).toBe('pending');

    await expect(createPush(deps, cid, { integrations: [p1!.integrationId] })).rejects.toMatchObject({
      kind: 'conflict',
      code: 'push_conflict',
    });

    await h.sync(); // the update runs for a minute: in progress
    let now = await getPush(h.ledger, push.id);
    expect(state(now, sandbox.integrationId)).toBe('in-progress');
    expect(state(now, p1!.integrationId)).toBe('pending');
    clock += 120_000;
    await h.sync(); // the sandbox updated: production goes
    now = await getPush(h.ledger, push.id);
    expect(now.integrations.find((i) => i.integrationId === sandbox.integrationId)).toMatchObject({
      state: 'updated',
      toVersion: NEWEST_RELEASE,
    });
    expect(state(now, p1!.integrationId)).toBe('requested');
    expect(updateRequests()).toHaveLength(2);
    clock += 120_000;
    await h.sync();
    now = await getPush(h.ledger, push.id);
    expect(now.status).toBe('done');
    expect(
      (await connectorInstalls(h.ledger, cid)).find((i) => i.integrationId === p1!.integrationId),
    ).toMatchObject({ version: NEWEST_RELEASE, outdated: false });
    // Done, the push holds nothing: a new one for the same integration is accepted.
    await expect(createPush(deps, cid, { integrations: [p1!.integrationId] })).resolves.toMatchObject({
      status: 'open',
    });
  });

  it('an update that never completes is stuck 24 h after its request, halts the next batch, and alerts once', async () => {
    const { cid, never, production, deps } = await start();
    const push = await createPush(deps, cid, {
      integrations: [never.integrationId, production[0]!.integrationId],
      batchSize: 1,
    });
    await h.sync();
    clock += STUCK_AFTER_MS - 60_000;
    await h.sync();
    let now = await getPush(h.ledger, push.id);
    expect(now.integrations.map((i) => i.state)).toEqual(['in-progress', 'pending']);
    expect(
      (await candidateAlerts(h.ledger, DEFAULT_WATCH_CONFIG)).filter((c) => c.alert.rule === 'update-stuck'),
    ).toEqual([]);
    clock += 120_000;
    await h.sync();
    now = await getPush(h.ledger, push.id);
    expect(now.integrations.map((i) => i.state)).toEqual(['stuck', 'pending']);
    expect(now.status).toBe('halted');
    expect(updateRequests()).toHaveLength(1);
    const alerts = (await candidateAlerts(h.ledger, DEFAULT_WATCH_CONFIG)).filter(
      (c) => c.alert.rule === 'update-stuck',
    );
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.alert).toMatchObject({ licenseId: never.licenseId, connectorId: cid });
    expect(alerts[0]!.alert.alertId).toBe(`${never.licenseId}#update-stuck#${push.id}#-`);
  });
});
