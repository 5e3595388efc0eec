// Which alerts each sink has not been given: their claim items read in batches (BatchGetItem, 100 keys a call,
// several at once) with a projection of just what tells, so a repeat evaluation with nothing new writes nothing.

import type { AlertDelivery } from '../port.ts';
import type { AlertClaim } from '../records.ts';
import { claimedFor, sinkAttr } from './alerts.ts';
import { batchGetAll, keyString } from './bulk.ts';
import { key } from './keys.ts';
import type { Table } from './query.ts';
import type { Site } from './site.ts';

export async function unclaimed(
  table: Table,
  claims: AlertClaim[],
  sinkIds: string[],
): Promise<Map<string, AlertClaim[]>> {
  const out = new Map<string, AlertClaim[]>(sinkIds.map((s) => [s, []]));
  const unique = [...new Map(claims.map((c) => [c.alertId, c])).values()];
  if (unique.length === 0 || sinkIds.length === 0) return out;
  const names: Record<string, string> = { '#status': 'status' };
  sinkIds.forEach((s, i) => {
    names[`#s${i}`] = sinkAttr(s);
  });
  const found = await batchGetAll(
    table,
    unique.map((c) => key.alert(c.key)),
    {
      // The attributes of this run's sinks only (a few small maps), and `status`, which marks a legacy claim.
      projection: ['PK', 'SK', '#status', ...sinkIds.map((_, i) => `#s${i}`)].join(', '),
      names,
      // Strongly consistent: a run started right after another (two `licensewatch alerts` in a row) sees what the
      // first one's sinks accepted, and gives them nothing again (twice the read units, on small items).
      consistent: true,
    },
  );
  for (const claim of unique) {
    const item = found.get(keyString(key.alert(claim.key)));
    for (const sinkId of sinkIds) if (!item || !claimedFor(item, sinkId)) out.get(sinkId)!.push(claim);
  }
  return out;
}

export function claimReads({ table }: Site): Pick<AlertDelivery, 'unclaimed'> {
  return { unclaimed: (claims, sinkIds) => unclaimed(table, claims, sinkIds) };
}
