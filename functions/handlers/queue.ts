// The work queue's message contract: one sync unit (run id + connector id) per SQS message, sent in batches of 10.
import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { z } from 'zod';
import type { SyncUnit } from '#ledger/sync';

export const syncUnitSchema = z.object({ runId: z.string().min(1), connectorId: z.string().min(1) });

/** Parses a message body; a body that is not a sync unit throws (it then lands in the DLQ after its retries). */
export function parseSyncUnit(body: string): SyncUnit {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new Error('message body is not JSON');
  }
  const unit = syncUnitSchema.safeParse(json);
  if (!unit.success)
    throw new Error(`message body is not a sync unit: ${unit.error.issues.map((i) => i.message).join('; ')}`);
  return unit.data;
}

const BATCH = 10; // SendMessageBatch's limit
const ATTEMPTS = 3;

/** Sends every unit, re-sending entries SQS rejected; throws when some are still rejected after a few attempts. */
export function sqsEnqueue(sqs: SQSClient, queueUrl: string) {
  return async (units: SyncUnit[]): Promise<void> => {
    for (let i = 0; i < units.length; i += BATCH) {
      let entries = units
        .slice(i, i + BATCH)
        .map((unit, n) => ({ Id: String(n), MessageBody: JSON.stringify(unit) }));
      for (let attempt = 1; entries.length > 0; attempt++) {
        const res = await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
        const failed = new Set((res.Failed ?? []).map((f) => f.Id));
        if (failed.size > 0 && attempt >= ATTEMPTS) {
          const codes = [...new Set((res.Failed ?? []).map((f) => f.Code))].join(', ');
          throw new Error(`SQS rejected ${failed.size} sync unit(s) after ${ATTEMPTS} attempts (${codes})`);
        }
        entries = entries.filter((e) => failed.has(e.Id));
      }
    }
  };
}
