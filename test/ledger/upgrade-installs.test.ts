// Upgrades lose nothing: a ledger the previous version wrote (test/fixtures/ledger-v1.json) reads its install base on
// the next sync, writes no license version for it, raises no alert for what was already standing, then goes quiet.
import { describe, expect, it } from 'vitest';
import { connectorInstalls } from '#app/installs';
import { allLicenses } from '#ledger/queries';
import { ensureTable } from '#ledger/store/dynamo/index';
import { meter } from '#local/store/meter';
import { candidateAlerts, DEFAULT_WATCH_CONFIG } from '#watch/evaluate';
import { restoreV1Table, v1Upstream } from '../support/v1-ledger.ts';

describe('upgrading a ledger written by the previous version: the install base', () => {
  it('is recorded by the next sync with no license version, no new kind of alert, and then stays quiet', async () => {
    const { raw, client, table } = await restoreV1Table('upgrade-installs');
    await ensureTable(raw, table);
    const { emu, ledger, sync } = await v1Upstream(client, table, 3_600_000);
    try {
      const alertsBefore = (await candidateAlerts(ledger, DEFAULT_WATCH_CONFIG))
        .map((c) => c.alert.alertId)
        .sort();
      const m = meter(client);

      const first = await sync();
      expect(first.map((r) => r.installBase?.status)).toEqual(['completed', 'completed']);
      expect(m.writtenByKind['LICENSE/V'] ?? 0).toBe(0);
      for (const c of emu.connectors()) {
        const recorded = await connectorInstalls(ledger, c._id);
        expect(recorded.map((i) => i.integrationId).sort()).toEqual(
          emu
            .installBase(c._id)
            .map((r) => r._integrationId)
            .sort(),
        );
      }
      const views = [];
      for await (const v of allLicenses(ledger)) views.push(v);
      const installed = views.filter((v) => v.integrationId);
      expect(installed.length).toBeGreaterThan(0);
      expect(installed.every((v) => typeof v.installedVersion === 'string')).toBe(true);

      // What was standing before the upgrade raises the same alerts as before, no more.
      const alertsAfter = (await candidateAlerts(ledger, DEFAULT_WATCH_CONFIG))
        .map((c) => c.alert.alertId)
        .sort();
      expect(alertsAfter).toEqual(alertsBefore);

      m.reset();
      await sync();
      expect(m.writtenByKind['CONNECTOR/INSTALL'] ?? 0).toBe(0);
      expect(m.writtenByKind['INSTALL/V'] ?? 0).toBe(0);
    } finally {
      await emu.close();
    }
  }, 120_000);
});
