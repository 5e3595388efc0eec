// The work queue's message contract: one sync unit (run id + connector id) per SQS message body, as JSON.
import { type SyncUnit, syncUnit } from '#ledger/schemas';

/** Parses a message body; a body that is not a sync unit throws (it then lands in the DLQ after its retries). */
export function parseSyncUnit(body: string): SyncUnit {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new Error('message body is not JSON');
  }
  const unit = syncUnit.safeParse(json);
  if (!unit.success)
    throw new Error(`message body is not a sync unit: ${unit.error.issues.map((i) => i.message).join('; ')}`);
  return unit.data;
}
