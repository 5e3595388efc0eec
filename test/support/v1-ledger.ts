// The previous version's ledger (test/fixtures/ledger-v1.json): its table restored as that version created and filled
// it, and the emulator upstream it was synced from, so an upgrade test starts where a user of that version stands.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { inject } from 'vitest';
import { createPartnerApi } from '#celigo/client';
import { createDynamoStore } from '#ledger/store/dynamo/index';
import { planSync, runPlan } from '#ledger/sync';
import { startEmulator } from '#local/emulator/index';
import { localClients } from '#local/store/connect';

export const fixture = JSON.parse(
  readFileSync(new URL('../fixtures/ledger-v1.json', import.meta.url), 'utf8'),
);
export type Item = Record<string, unknown> & { PK: string; SK: string };
/** The fixture's items, as the previous version wrote them. */
export const items = fixture.items as Item[];

/** A new table `<prefix>-<random>` with the fixture's definition and items (no index or attribute added since). */
export async function restoreV1Table(prefix: string) {
  const { raw, client } = localClients(inject('dynamoEndpoint'));
  const table = `${prefix}-${randomBytes(4).toString('hex')}`;
  await raw.send(
    new CreateTableCommand({ TableName: table, BillingMode: 'PAY_PER_REQUEST', ...fixture.table }),
  );
  for (let i = 0; i < items.length; i += 25) {
    const batch = items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }));
    await client.send(new BatchWriteCommand({ RequestItems: { [table]: batch } }));
  }
  return { raw, client, table };
}

/**
 * The upstream as the fixture's ledger last saw it (its renewal and deletion applied), and a ledger over `table` whose
 * clock starts `laterMs` after the fixture's and moves 1 ms a read; `sync` runs a whole sync. Close `emu` when done.
 */
export async function v1Upstream(client: DynamoDBDocumentClient, table: string, laterMs: number) {
  const emu = await startEmulator({
    now: new Date(fixture.now),
    token: 't',
    dataSet: fixture.emulator.dataSet,
  });
  const { renewed, deleted } = fixture.upstream;
  emu.mutateLicense(renewed.connectorId, renewed.licenseId, { expires: renewed.expires });
  emu.deleteLicense(deleted.connectorId, deleted.licenseId);
  let clock = Date.parse(fixture.now) + laterMs;
  const ledger = createDynamoStore(client, table, { now: () => new Date(clock++) });
  const api = createPartnerApi({ apiUrl: emu.url, token: 't', pageSize: fixture.emulator.pageSize });
  const sync = async () => runPlan({ ledger, api }, await planSync({ ledger, api }), 2);
  return { emu, ledger, api, sync };
}
