// Sends sync units to the work queue, 10 per SendMessageBatch (a module of its own: only the planner loads the SQS client).
import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SyncUnit } from '#ledger/schemas';

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
