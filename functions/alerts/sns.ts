// SNS sink: one message per alert, with `rule` and `connectorId` attributes for subscription filters.
import { PublishBatchCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { Alert, AlertSink } from '#watch/alert';

export function snsSink(sns: SNSClient, topicArn: string): AlertSink {
  return {
    name: 'sns',
    async deliver(alerts: Alert[]) {
      const accepted: string[] = [];
      for (let i = 0; i < alerts.length; i += 10) {
        const batch = alerts.slice(i, i + 10);
        const res = await sns.send(
          new PublishBatchCommand({
            TopicArn: topicArn,
            PublishBatchRequestEntries: batch.map((alert, n) => ({
              Id: String(n),
              Subject: `licensewatch: ${alert.rule}`.slice(0, 100),
              Message: JSON.stringify({ ...alert, text: alert.message }),
              MessageAttributes: {
                rule: { DataType: 'String', StringValue: alert.rule },
                connectorId: { DataType: 'String', StringValue: alert.connectorId },
              },
            })),
          }),
        );
        for (const ok of res.Successful ?? []) accepted.push(batch[Number(ok.Id)]!.alertId);
      }
      return accepted;
    },
  };
}
