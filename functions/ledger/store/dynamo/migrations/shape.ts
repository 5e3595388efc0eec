// Current items and page digests of older shapes: a license item gains what this version derives from its record
// (facts, index attributes, add-ons as JSON text) in place, same revision, no version; a page digest that vouched for
// items of an older shape goes, so the next walk compares that page once.
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DEFAULT_ACCOUNT } from '#functions/config';
import { licenseFacts } from '../../../facts.ts';
import type { LicenseFacts } from '../../records.ts';
import { lookup, STORE_SHAPE } from '../keys.ts';
import { indexAttributes } from '../licenses.ts';
import { type Item, isConditionFailure } from '../query.ts';
import type { StepRun } from './index.ts';
import { scanEach } from './scan.ts';

/** Attributes derived from the record, which the rebuilt item gets afresh. */
const DERIVED = [
  'exp_pk',
  'exp_sk',
  'feed_pk',
  'feed_sk',
  'lookup_pk',
  'lookup_sk',
  'trial_pk',
  'trial_sk',
  'addonLicenses',
  'invalid',
] as const;

const defined = (o: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

/** The item in this version's shape: a live license's facts read again from its record; a deleted one's kept. */
export function currentShape(item: Item): Item {
  const licenseId = String(item.SK).slice('LICENSE#'.length);
  const rest: Item = { ...item };
  for (const name of DERIVED) delete rest[name];
  const addons = (item.addonLicensesJson as string | undefined) ?? JSON.stringify(item.addonLicenses ?? []);
  const base = {
    ...rest,
    account: item.account ?? DEFAULT_ACCOUNT,
    addonLicensesJson: addons,
    sv: STORE_SHAPE,
  };
  if (item.deletedAt) {
    // Out of the expiry index and feeds since its deletion; still found by its customer.
    const { invalid } = item;
    return { ...base, ...(invalid ? { invalid } : {}), ...lookup.customer(item.email as string, licenseId) };
  }
  const { addonLicenses: _addons, ...facts }: LicenseFacts = licenseFacts(
    String(item.connectorId ?? ''),
    JSON.parse(String(item.rawJson)),
  );
  const trialConvertedAt = item.trialConvertedAt as string | undefined;
  return {
    ...base,
    ...defined({ ...facts, connectorId: item.connectorId ?? facts.connectorId }),
    ...indexAttributes({ licenseId, facts: { ...facts, addonLicenses: [], trialConvertedAt } }),
  };
}

/** A license item this step has not rewritten: no shape stamp, an older one, or add-ons stored natively. */
const OLD_SHAPE = 'attribute_not_exists(sv) OR sv < :shape OR attribute_exists(addonLicenses)';

export const licenseItemsShape3: StepRun = (ctx) =>
  scanEach(
    ctx,
    {
      FilterExpression: `begins_with(SK, :license) AND begins_with(PK, :connector) AND (${OLD_SHAPE})`,
      ExpressionAttributeValues: {
        ':license': 'LICENSE#',
        ':connector': 'CONNECTOR#',
        ':shape': STORE_SHAPE,
      },
    },
    (item) =>
      ctx.table.doc.send(
        new PutCommand({
          TableName: ctx.table.name,
          Item: currentShape(item),
          // As read, and still of an older shape: a write since (a walk's, a move to another account, another
          // runner's Put) stays as it is.
          ConditionExpression: `rev = :rev AND #hash = :hash AND ${item.account === undefined ? 'attribute_not_exists(account)' : 'account = :account'} AND (${OLD_SHAPE})`,
          ExpressionAttributeNames: { '#hash': 'hash' },
          ExpressionAttributeValues: {
            ':shape': STORE_SHAPE,
            ':rev': item.rev,
            ':hash': item.hash,
            ...(item.account === undefined ? {} : { ':account': item.account }),
          },
        }),
      ),
  );

export const pageDigestsShape3: StepRun = (ctx) =>
  scanEach(
    ctx,
    {
      FilterExpression: 'SK = :meta AND attribute_exists(pages)',
      ExpressionAttributeValues: { ':meta': 'META' },
    },
    (item) => {
      const old = Object.entries((item.pages ?? {}) as Record<string, { sv?: number }>)
        .filter(([, d]) => typeof d.sv !== 'number' || d.sv < STORE_SHAPE)
        .map(([index]) => index);
      if (old.length === 0) return undefined;
      // One update per digest (a connector of hundreds of pages would pass DynamoDB's 4 KB expression limit in one),
      // each only while that digest is still of the old shape: one a walk rewrote since stays.
      return (async () => {
        for (const index of old)
          await ctx.table.doc
            .send(
              new UpdateCommand({
                TableName: ctx.table.name,
                Key: { PK: item.PK, SK: item.SK },
                UpdateExpression: 'REMOVE pages.#p',
                ConditionExpression: 'attribute_not_exists(pages.#p.sv) OR pages.#p.sv < :shape',
                ExpressionAttributeNames: { '#p': index },
                ExpressionAttributeValues: { ':shape': STORE_SHAPE },
              }),
            )
            .catch((error: unknown) => {
              if (!isConditionFailure(error)) throw error;
            });
      })();
    },
  );
