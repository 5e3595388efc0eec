// The single table's definition (keys, indexes) and its provisioning on local stores: create it, add newer indexes.
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
  ResourceNotFoundException,
  type TableDescription,
  UpdateTableCommand,
} from '@aws-sdk/client-dynamodb';

/** Global secondary indexes, by purpose. Every read path is a GetItem or a Query on the table or one of these. */
export const INDEX = {
  /** Live licenses by expiry: exp_pk = `EXP#<YYYY-MM>`, exp_sk = `<expires>#<licenseId>`. */
  byExpiry: { name: 'byExpiry', pk: 'exp_pk', sk: 'exp_sk' },
  /** Time-ordered feeds: connectors, not-installed licenses, sync runs, alerts, deletions. */
  feed: { name: 'feed', pk: 'feed_pk', sk: 'feed_sk' },
  /**
   * Overloaded, so one deploy adds it (CloudFormation adds one GSI per update): current items by customer
   * (`CUST#<domain>` / `<email>#<licenseId>`) and versions by time (`CHG#<YYYY-MM>` or `CHGB#` for a connector's
   * baseline / `<observedAt>#<licenseId>#<rev>`).
   */
  lookup: { name: 'lookup', pk: 'lookup_pk', sk: 'lookup_sk' },
  /**
   * Sparse: live licenses on trial by trial end (`TRIAL#<YYYY-MM>` / `<trialEndDate>#<licenseId>`), and converted
   * trials by the time the conversion was seen (`CONV#<YYYY-MM>` / `<trialConvertedAt>#<licenseId>`).
   */
  byTrialEnd: { name: 'byTrialEnd', pk: 'trial_pk', sk: 'trial_sk' },
} as const;

type Index = (typeof INDEX)[keyof typeof INDEX];

/** CreateTable input for local stores (embedded DynamoDB Local or an endpoint URL); the CDK stack reads it too. */
export function tableDefinition(tableName: string): CreateTableCommandInput {
  const gsis: Index[] = Object.values(INDEX);
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: attributeDefinitions(gsis),
    KeySchema: [
      { AttributeName: 'PK', KeyType: 'HASH' },
      { AttributeName: 'SK', KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: gsis.map(indexDefinition),
  };
}

function attributeDefinitions(gsis: Index[]) {
  const names = new Set<string>(['PK', 'SK']);
  for (const g of gsis) {
    names.add(g.pk);
    names.add(g.sk);
  }
  return [...names].map((name) => ({ AttributeName: name, AttributeType: 'S' as const }));
}

function indexDefinition(g: Index) {
  return {
    IndexName: g.name,
    KeySchema: [
      { AttributeName: g.pk, KeyType: 'HASH' as const },
      { AttributeName: g.sk, KeyType: 'RANGE' as const },
    ],
    Projection: { ProjectionType: 'ALL' as const },
  };
}

/**
 * Creates the table when missing, adds any index this version defines that an older table lacks (one at a time,
 * as DynamoDB allows), and waits until the table and every index are ACTIVE.
 */
export async function ensureTable(
  raw: DynamoDBClient,
  tableName: string,
  options: { timeoutMs?: number } = {},
): Promise<'created' | 'updated' | 'exists'> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  let outcome: 'created' | 'updated' | 'exists' = 'exists';
  let table = await describe(raw, tableName);
  if (!table) {
    try {
      await raw.send(new CreateTableCommand(tableDefinition(tableName)));
      outcome = 'created';
    } catch (err) {
      if (!(err instanceof ResourceInUseException)) throw err;
    }
    table = await waitActive(raw, tableName, deadline);
  }
  for (const g of Object.values(INDEX) as Index[]) {
    if ((table.GlobalSecondaryIndexes ?? []).some((i) => i.IndexName === g.name)) continue;
    try {
      await raw.send(
        new UpdateTableCommand({
          TableName: tableName,
          AttributeDefinitions: attributeDefinitions([g]),
          GlobalSecondaryIndexUpdates: [{ Create: indexDefinition(g) }],
        }),
      );
      outcome = outcome === 'created' ? outcome : 'updated';
    } catch (err) {
      // Another process added it a moment ago.
      if (!(err instanceof ResourceInUseException) && !/already exists/i.test(String(err))) throw err;
    }
    table = await waitActive(raw, tableName, deadline);
  }
  return outcome;
}

async function waitActive(
  raw: DynamoDBClient,
  tableName: string,
  deadline: number,
): Promise<TableDescription> {
  for (;;) {
    const table = await describe(raw, tableName);
    const active =
      table?.TableStatus === 'ACTIVE' &&
      (table.GlobalSecondaryIndexes ?? []).every((g) => g.IndexStatus === 'ACTIVE');
    if (table && active) return table;
    if (Date.now() > deadline) {
      throw new Error(`table ${tableName} is not ACTIVE in time (status ${table?.TableStatus ?? 'missing'})`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function describe(raw: DynamoDBClient, tableName: string): Promise<TableDescription | undefined> {
  try {
    return (await raw.send(new DescribeTableCommand({ TableName: tableName }))).Table;
  } catch (err) {
    if (err instanceof ResourceNotFoundException) return undefined;
    throw err;
  }
}
