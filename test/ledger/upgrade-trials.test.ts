// The upgrade to trials, against DynamoDB Local and the emulator: a ledger as the previous version left it (a table
// without the byTrialEnd index, current items and page digests of store shape 2 without trial facts, its alerts
// raised) gains the index when opened; one sync re-puts every current item in place (no version, nothing lost) and
// fills the index; the trial rules then raise what stands once (a trial already ended long before raises nothing),
// and no alert the previous version raised is raised again.
import { randomBytes } from 'node:crypto';
import { CreateTableCommand, DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, inject, it } from 'vitest';
import { createPartnerApi } from '#celigo/client';
import { getLicense, licenseHistory } from '#ledger/queries';
import { createDynamoStore, ensureTable, INDEX, tableDefinition } from '#ledger/store/dynamo/index';
import { STORE_SHAPE } from '#ledger/store/dynamo/keys';
import { planSync, runPlan } from '#ledger/sync';
import { startEmulator } from '#local/emulator/index';
import { localClients } from '#local/store/connect';
import { meter } from '#local/store/meter';
import { evaluateAlerts } from '#watch/evaluate';
import { trialsEndingWithin } from '#watch/trial-rules';
import { memorySink } from '../support/alert-ledger.ts';
import { licenseMaker, oneConnector } from '../support/data-sets.ts';

const DAY = 86_400_000;
const NOW = Date.parse('2026-06-15T12:00:00.000Z');
const CID = 'c0ffee00c0ffee00c0ffee02';

const license = licenseMaker('d', {
  expires: new Date(NOW + 5 * DAY).toISOString(),
  created: new Date(NOW - 60 * DAY).toISOString(),
  type: 'integrationApp',
});
const trialEnd = (days: number) => ({ trialEndDate: new Date(NOW + days * DAY).toISOString() });

describe('upgrading a ledger of the previous version to trials', () => {
  it('adds byTrialEnd, fills it with one sync (no version), and raises only the trial alerts that stand, once', async () => {
    const L = {
      soon: license('soon', trialEnd(2.5)),
      later: license('later', { ...trialEnd(30), sandbox: true }),
      ended: license('ended', trialEnd(-3)),
      endedLongAgo: license('longago', trialEnd(-200)),
      paid: license('paid'),
    };
    const dataSet = oneConnector(CID, 'Upgrade Connector', Object.values(L), NOW);
    const emu = await startEmulator({ now: new Date(NOW), token: 't', dataSet });
    const { raw, client } = localClients(inject('dynamoEndpoint'));
    const table = `upgrade-trials-${randomBytes(4).toString('hex')}`;
    try {
      // The previous version's table: every index but byTrialEnd.
      const previous = tableDefinition(table);
      previous.GlobalSecondaryIndexes = previous.GlobalSecondaryIndexes!.filter(
        (g) => g.IndexName !== INDEX.byTrialEnd.name,
      );
      previous.AttributeDefinitions = previous.AttributeDefinitions!.filter(
        (a) => !a.AttributeName!.startsWith('trial_'),
      );
      await raw.send(new CreateTableCommand(previous));
      let clock = NOW;
      const ledger = createDynamoStore(client, table, { now: () => new Date(clock++) });
      const api = createPartnerApi({ apiUrl: emu.url, token: 't', pageSize: 2 });
      const sync = async () => runPlan({ ledger, api }, await planSync({ ledger, api }), 1);
      await sync();
      // What the previous version wrote: no trial facts or index keys on current items, shape 2, digests of shape 2.
      const current = await client.send(
        new QueryCommand({
          TableName: table,
          KeyConditionExpression: 'PK = :pk',
          ExpressionAttributeValues: { ':pk': `CONNECTOR#${CID}` },
        }),
      );
      for (const item of current.Items!) {
        if (item.SK === 'META') {
          const pages = Object.keys(item.pages ?? {});
          for (const page of pages)
            await client.send(
              new UpdateCommand({
                TableName: table,
                Key: { PK: item.PK, SK: item.SK },
                UpdateExpression: 'SET pages.#p.sv = :two',
                ExpressionAttributeNames: { '#p': page },
                ExpressionAttributeValues: { ':two': 2 },
              }),
            );
        } else if (item.SK.startsWith('LICENSE#')) {
          await client.send(
            new UpdateCommand({
              TableName: table,
              Key: { PK: item.PK, SK: item.SK },
              UpdateExpression:
                'SET sv = :two REMOVE sandbox, licenseType, trialEndDate, trialConvertedAt, trial_pk, trial_sk',
              ExpressionAttributeValues: { ':two': 2 },
            }),
          );
        }
      }

      expect(await ensureTable(raw, table)).toBe('updated');
      const described = (await raw.send(new DescribeTableCommand({ TableName: table }))).Table!;
      expect(described.GlobalSecondaryIndexes!.map((g) => g.IndexName)).toContain(INDEX.byTrialEnd.name);

      // The previous version's evaluation: its alerts stand (the trial rules find nothing in an empty index).
      const sink = memorySink('console');
      const before = await evaluateAlerts({ ledger, sinks: [sink] });
      expect(before.items.length).toBeGreaterThan(0);
      expect(before.items.every((a) => !a.rule.startsWith('trial'))).toBe(true);
      expect(await trialsEndingWithin(ledger, 60)).toEqual([]); // not indexed before the first sync

      // The upgrade, as the plan (or the first local command) runs it: every current item re-put in place, no
      // version. Then one sync: every page compared (the old shape's digests went), nothing written.
      const m = meter(client);
      const versionsBefore = (await licenseHistory(ledger, L.soon._id)).items.length;
      const upgrade = await ledger.migrate();
      expect(upgrade.ran.find((r) => r.name === 'license-items-shape-3')?.items).toBe(Object.keys(L).length);
      expect(m.writtenByKind['LICENSE/V'] ?? 0).toBe(0);
      expect(m.writtenByKind['CONNECTOR/LICENSE']).toBe(Object.keys(L).length);
      m.reset();
      const [run] = await sync();
      expect(run).toMatchObject({ status: 'completed', pagesUnchanged: 0 });
      expect(run!.counts).toMatchObject({ created: 0, updated: 0, deleted: 0 });
      expect(m.writtenByKind['LICENSE/V'] ?? 0).toBe(0);
      expect(m.writtenByKind['CONNECTOR/LICENSE'] ?? 0).toBe(0);
      expect((await licenseHistory(ledger, L.soon._id)).items.length).toBe(versionsBefore);
      const stamped = await client.send(
        new QueryCommand({
          TableName: table,
          KeyConditionExpression: 'PK = :pk AND begins_with(SK, :l)',
          ExpressionAttributeValues: { ':pk': `CONNECTOR#${CID}`, ':l': 'LICENSE#' },
        }),
      );
      expect(stamped.Items!.every((i) => i.sv === STORE_SHAPE && typeof i.sandbox === 'boolean')).toBe(true);
      expect((await trialsEndingWithin(ledger, 60)).map((v) => v.id)).toEqual([L.soon._id, L.later._id]);
      expect(await getLicense(ledger, L.later._id)).toMatchObject({ trial: 'active', sandbox: true });

      // The trial alerts that stand, once: the tightest threshold crossed, a trial ended within the window; nothing
      // for a trial that ended long before, and nothing the previous version raised.
      const after = await evaluateAlerts({ ledger, sinks: [sink] });
      expect(after.items.map((a) => [a.licenseId, a.rule, a.threshold ?? null]).sort()).toEqual(
        [
          [L.soon._id, 'trial-ending', 3],
          [L.ended._id, 'trial-ended', null],
        ].sort(),
      );
      expect((await evaluateAlerts({ ledger, sinks: [sink] })).items).toEqual([]);

      // From then on an unchanged sync writes no license item again, and a conversion is seen.
      m.reset();
      await sync();
      expect(m.writtenByKind['CONNECTOR/LICENSE'] ?? 0).toBe(0);
      emu.mutateLicense(CID, L.soon._id, {
        trialEndDate: undefined,
        expires: new Date(NOW + 365 * DAY).toISOString(),
      });
      await sync();
      expect(await getLicense(ledger, L.soon._id)).toMatchObject({ trial: 'converted' });
    } finally {
      await emu.close();
      raw.destroy();
    }
  }, 180_000);
});
