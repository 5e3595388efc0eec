// The naive sync the benchmark compares against: one connector after another, every license rewritten every run.
import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { collect, type PartnerApi } from '#celigo/client';

/** The naive sync speaks DynamoDB itself (the benchmark's baseline is exempt from the store layer). */
export async function naiveSync(
  ledger: { doc: DynamoDBDocumentClient; tableName: string },
  api: PartnerApi,
  runId: string,
): Promise<number> {
  let written = 0;
  const connectors = (await collect(api.connectorPages())) as { _id: string }[];
  for (const c of connectors) {
    for await (const page of api.licensePages(c._id)) {
      const items = page.records.map((raw) => {
        const r = raw as { _id: string };
        return {
          PutRequest: { Item: { PK: `SNAPSHOT#${runId}#${c._id}`, SK: r._id, raw: JSON.stringify(r) } },
        };
      });
      for (let i = 0; i < items.length; i += 25) {
        let batch: unknown[] = items.slice(i, i + 25);
        while (batch.length > 0) {
          const res = await ledger.doc.send(
            new BatchWriteCommand({ RequestItems: { [ledger.tableName]: batch as never } }),
          );
          batch = res.UnprocessedItems?.[ledger.tableName] ?? [];
        }
        written += Math.min(25, items.length - i);
      }
    }
  }
  return written;
}

/** The floor: fetch every page of every connector, store nothing. */
export async function fetchOnly(api: PartnerApi, concurrency: number): Promise<number> {
  const connectors = (await collect(api.connectorPages())) as { _id: string }[];
  let records = 0;
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < connectors.length) {
        const c = connectors[next++]!;
        for await (const page of api.licensePages(c._id)) records += page.records.length;
      }
    }),
  );
  return records;
}
