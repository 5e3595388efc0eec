// Operational alarms, all sent to one encrypted ops topic: dead letters, function errors, API 5xx.
import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, type IMetric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
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
