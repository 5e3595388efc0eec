// Test helper: SNS at its edge (no local peer). Records each digest (Publish) and per-alert entry (PublishBatch)
// with its attributes, and can fail a chosen PublishBatch call or refuse entries.
import { PublishBatchCommand, type PublishCommand, type SNSClient } from '@aws-sdk/client-sns';

export interface SentEntry {
  message: Record<string, unknown>;
  attributes: Record<string, string>;
  subject?: string;
}

export interface FakeSns {
  client: SNSClient;
  digests: (SentEntry & { email: string })[];
  /** Per-alert entries SNS accepted. */
  entries: SentEntry[];
  batchCalls: number;
  /** Throws on this PublishBatch call (1-based), once. */
  failOnBatch?: number;
}

const attrs = (a: Record<string, { StringValue?: string }> | undefined) =>
  Object.fromEntries(Object.entries(a ?? {}).map(([k, v]) => [k, v.StringValue ?? '']));

export function fakeSns(): FakeSns {
  const fake: FakeSns = {
    digests: [],
    entries: [],
    batchCalls: 0,
    client: {
      async send(command: PublishBatchCommand | PublishCommand) {
        if (!(command instanceof PublishBatchCommand)) {
          const { input } = command;
          const body = JSON.parse(input.Message!);
          fake.digests.push({
            message: JSON.parse(body.default),
            email: body.email,
            attributes: attrs(input.MessageAttributes),
            subject: input.Subject,
          });
          return { MessageId: `digest-${fake.digests.length}` };
        }
        fake.batchCalls++;
        if (fake.batchCalls === fake.failOnBatch) {
          fake.failOnBatch = undefined;
          throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottledException' });
        }
        const list = command.input.PublishBatchRequestEntries ?? [];
        for (const e of list)
          fake.entries.push({
            message: JSON.parse(e.Message!),
            attributes: attrs(e.MessageAttributes),
            subject: e.Subject,
          });
        return { Successful: list.map((e) => ({ Id: e.Id, MessageId: e.Id })), Failed: [] };
      },
    } as unknown as SNSClient,
  };
  return fake;
}
