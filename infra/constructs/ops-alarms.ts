// Operational alarms, all sent to one encrypted ops topic that CloudWatch may publish to: dead letters, errors, API 5xx.
import { Duration, Stack } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, type IMetric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';

export interface AlarmSpec {
  /** Construct id and the alarm's description. */
  id: string;
  description: string;
  metric: IMetric;
  /** Alarm when the metric is >= this in one 5-minute period. */
  threshold: number;
}

export interface OpsAlarmsProps {
  topicKey: IKey;
  email: string;
  alarms: AlarmSpec[];
}

export class OpsAlarms extends Construct {
  readonly topic: Topic;
  readonly alarms: Alarm[];

  constructor(scope: Construct, id: string, props: OpsAlarmsProps) {
    super(scope, id);
    this.topic = new Topic(this, 'Topic', {
      displayName: 'licensewatch ops',
      masterKey: props.topicKey,
      enforceSSL: true,
    });
    if (props.email) this.topic.addSubscription(new EmailSubscription(props.email));

    // A topic policy replaces SNS's default one, and enforceSSL's holds only a Deny: without this Allow CloudWatch's
    // publish is refused and no alarm reaches anyone. Both grants name alarms of this account and region only, so
    // CloudWatch cannot be made to publish here (or use the key) on behalf of another account's alarm.
    const cloudWatch = new ServicePrincipal('cloudwatch.amazonaws.com');
    const { account, region, partition } = Stack.of(this);
    const fromOurAlarms = {
      StringEquals: { 'aws:SourceAccount': account },
      ArnLike: { 'aws:SourceArn': `arn:${partition}:cloudwatch:${region}:${account}:alarm:*` },
    };
    this.topic.addToResourcePolicy(
      new PolicyStatement({
        sid: 'CloudWatchAlarmsPublish',
        principals: [cloudWatch],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: fromOurAlarms,
      }),
    );
    // SNS encrypts each message with the topic's key as the publisher: CloudWatch needs the key too.
    props.topicKey.addToResourcePolicy(
      new PolicyStatement({
        sid: 'CloudWatchAlarmsEncrypt',
        principals: [cloudWatch],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
        conditions: fromOurAlarms,
      }),
    );
    const notify = new SnsAction(this.topic);
    this.alarms = props.alarms.map((spec) => {
      const alarm = new Alarm(this, spec.id, {
        alarmDescription: `licensewatch: ${spec.description}`,
        metric: spec.metric,
        threshold: spec.threshold,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        // No data means no invocations or no messages: healthy.
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      alarm.addAlarmAction(notify);
      alarm.addOkAction(notify);
      return alarm;
    });
  }
}

export const FIVE_MINUTES = Duration.minutes(5);
