// SNS sink: per evaluation one digest for people (attribute format=digest) and one message per alert for machines
// (format=alert, with `rule` and `connectorId` for subscription filters); each batch reported as SNS accepts it.
import { PublishBatchCommand, PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import pLimit from 'p-limit';
import type { Alert, AlertSink, Delivery } from '#watch/alert';
import { buildDigest, digestBody } from './digest.ts';

export interface SnsSinkOptions {
  /** Where a digest's reader finds the full list. */
  pointer?: string;
  /** PublishBatch calls at once. */
  inFlight?: number;
}

const text = (value: string) => ({ DataType: 'String', StringValue: value });

export function snsSink(sns: SNSClient, topicArn: string, options: SnsSinkOptions = {}): AlertSink {
  return {
    id: `sns:${topicArn}`,
    async deliver({ alerts, accepted, evaluationId }: Delivery) {
      if (alerts.length === 0) return;
      // The digest first: if it fails nothing is accepted, so no alert is marked done that people never heard of.
      const digest = buildDigest(alerts, { pointer: options.pointer });
      await sns.send(
        new PublishCommand({
          TopicArn: topicArn,
          Subject: digest.subject,
          // E-mail gets the text; every other protocol the JSON body.
          MessageStructure: 'json',
          Message: JSON.stringify({
            default: JSON.stringify(digestBody(digest, evaluationId)),
            email: digest.text,
          }),
          MessageAttributes: { format: text('digest') },
        }),
      );

      const batches: Alert[][] = [];
      for (let i = 0; i < alerts.length; i += 10) batches.push(alerts.slice(i, i + 10));
      const limit = pLimit(options.inFlight ?? 4);
      let failure: unknown;
      const refused = new Set<string>();
      let refusedCount = 0;
      await Promise.all(
        batches.map((batch) =>
          limit(async () => {
            // Once a batch failed, the rest stays pending for the next evaluation.
            if (failure) return;
            try {
              const res = await sns.send(
                new PublishBatchCommand({
                  TopicArn: topicArn,
                  PublishBatchRequestEntries: batch.map((alert, n) => ({
                    Id: String(n),
                    Subject: `licensewatch: ${alert.rule}`.slice(0, 100),
                    Message: JSON.stringify({ format: 'alert', ...alert, text: alert.message }),
                    MessageAttributes: {
                      format: text('alert'),
                      rule: text(alert.rule),
                      connectorId: text(alert.connectorId),
                    },
                  })),
                }),
              );
              accepted((res.Successful ?? []).flatMap((ok) => batch[Number(ok.Id)]?.alertId ?? []));
              for (const f of res.Failed ?? []) {
                refusedCount++;
                refused.add(f.Code ?? 'unknown');
              }
            } catch (error) {
              failure ??= error;
            }
          }),
        ),
      );
      if (failure) throw failure;
      if (refusedCount > 0)
        throw new Error(`SNS refused ${refusedCount} message(s) (${[...refused].join(', ')})`);
    },
  };
}
