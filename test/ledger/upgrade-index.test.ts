// The upgrade path: a table exactly as the previous version created and filled it (test/fixtures/ledger-v1.json)
// gains the lookup index when opened, and its items the new attributes through one sync, losing nothing.
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { findLicenses, listChanges } from '#ledger/portfolio';
import { allLicenses, licenseHistory } from '#ledger/queries';
import { ensureTable, INDEX } from '#ledger/store/dynamo/index';
import { STORE_SHAPE } from '#ledger/store/dynamo/keys';
import { meter } from '#local/store/meter';
import { fixture, items, restoreV1Table, v1Upstream } from '../support/v1-ledger.ts';

describe('upgrading a ledger written by the previous version', () => {
  it('adds the lookup index, then one sync gives every license its new attributes: no new version, nothing lost', async () => {
    const { raw, client, table } = await restoreV1Table('upgrade');

    expect(await ensureTable(raw, table)).toBe('updated');
    const described = (await raw.send(new DescribeTableCommand({ TableName: table }))).Table!;
    expect(described.GlobalSecondaryIndexes!.map((g) => g.IndexName).sort()).toEqual(
      Object.values(INDEX)
        .map((i) => i.name)
        .sort(),
    );

    // The same upstream the fixture was synced from.
    const { emu, ledger, sync } = await v1Upstream(client, table, 2 * 3_600_000);
    try {
      const { deleted } = fixture.upstream;
      const m = meter(client);
      const licenseIds = items.filter((i) => i.SK.startsWith('LICENSE#')).map((i) => i.SK.slice(8));
      const versionsBefore = items.filter((i) => i.PK.startsWith('LICENSE#') && i.SK.startsWith('V#')).length;
      const before = await findLicenses(ledger, { domain: 'acme-supply.example' }, { includeDeleted: true });
      expect(before.items).toEqual([]); // nothing of the old shape is in the new index yet

      // The upgrade, as the plan (or the first local command) runs it: each license re-put in place, no version.
      m.reset();
      const upgrade = await ledger.migrate();
      expect(upgrade).toMatchObject({ version: 4, latest: 5, pending: ['outbox-per-sink'] });
      expect(m.writtenByKind['LICENSE/V'] ?? 0).toBe(0);
      expect(m.writtenByKind['CONNECTOR/LICENSE']).toBe(licenseIds.length);
      // Run again, it finds nothing to do and reads nothing but the schema item.
      m.reset();
      expect((await ledger.migrate()).ran).toEqual([]);
      expect(m.writtenByKind).toEqual({});

      m.reset();
      const first = await sync();
      // Every page compared (the old digests vouched for old shapes and went), every license unchanged.
      expect(first.map((r) => r.status)).toEqual(['completed', 'completed']);
      expect(first.map((r) => r.pagesUnchanged)).toEqual([0, 0]);
      const counts = first.map((r) => r.counts);
      expect(counts.reduce((n, c) => n + c.created + c.updated + c.deleted, 0)).toBe(0);
      expect(m.writtenByKind['LICENSE/V'] ?? 0).toBe(0);
      expect(m.writtenByKind['CONNECTOR/LICENSE'] ?? 0).toBe(0);

      // Found by their customers now, the deleted one too (includeDeleted).
      for (const item of items.filter((i) => i.SK.startsWith('LICENSE#'))) {
        const found = await findLicenses(ledger, { email: String(item.email) }, { includeDeleted: true });
        expect(found.items.map((l) => l.id)).toContain(item.SK.slice(8));
      }
      const live = await findLicenses(ledger, {
        email: String(items.find((i) => i.SK === `LICENSE#${deleted.licenseId}`)!.email),
      });
      expect(live.items.map((l) => l.id)).not.toContain(deleted.licenseId);

      // Nothing lost: every license and every version as it was; history before the upgrade is not news.
      let versions = 0;
      for (const lid of licenseIds)
        versions += (await licenseHistory(ledger, lid, { limit: 100 })).items.length;
      expect(versions).toBe(versionsBefore);
      const views = [];
      for await (const v of allLicenses(ledger, { includeDeleted: true })) views.push(v);
      expect(views.map((v) => v.id).sort()).toEqual([...licenseIds].sort());
      for (const v of views) {
        const old = items.find((i) => i.SK === `LICENSE#${v.id}`)!;
        expect([v.raw, v.firstSeenAt, v.deletedAt]).toEqual([
          JSON.parse(String(old.rawJson)),
          old.firstSeenAt,
          old.deletedAt,
        ]);
      }
      const since = new Date(Date.parse(fixture.now) - 86_400_000).toISOString();
      expect((await listChanges(ledger, { since, includeBaseline: true })).items).toEqual([]);
      const stamped = await client.send(
        new QueryCommand({
          TableName: table,
          KeyConditionExpression: 'PK = :pk AND begins_with(SK, :l)',
          ExpressionAttributeValues: { ':pk': `CONNECTOR#${deleted.connectorId}`, ':l': 'LICENSE#' },
        }),
      );
      expect(
        stamped.Items!.every((i) => i.sv === STORE_SHAPE && i.lookup_pk && i.account === 'default'),
      ).toBe(true);

      // And from then on an unchanged sync writes no license item again.
      m.reset();
      const second = await sync();
      expect(second.map((r) => r.pagesUnchanged)).toEqual(second.map((r) => r.pages));
      expect(m.writtenByKind['CONNECTOR/LICENSE'] ?? 0).toBe(0);
    } finally {
      await emu.close();
      raw.destroy();
    }
  });
});
