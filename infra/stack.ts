// LicenseWatchStack: the ledger table, the sync pipeline, alerting, the HTTP API and the alarms that watch them.
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { Alerting } from './constructs/alerting.ts';
import { HttpApiEndpoint } from './constructs/http-api.ts';
import { LedgerTable } from './constructs/ledger-table.ts';
import { FIVE_MINUTES, OpsAlarms } from './constructs/ops-alarms.ts';
import { PartnerAccounts } from './constructs/partner-accounts.ts';
import { SyncPipeline } from './constructs/sync-pipeline.ts';
import type { Settings } from './settings.ts';

export interface LicenseWatchStackProps extends StackProps {
  settings: Settings;
}

export class LicenseWatchStack extends Stack {
  readonly ledger: LedgerTable;
  readonly sync: SyncPipeline;
  readonly alerting: Alerting;
  readonly http: HttpApiEndpoint;
  readonly ops: OpsAlarms;

  constructor(scope: Construct, id: string, props: LicenseWatchStackProps) {
    super(scope, id, props);
    const { settings } = props;
    const logRetention = settings.logRetentionDays;

    this.ledger = new LedgerTable(this, 'Ledger');
    const partners = new PartnerAccounts(this, settings);

    // Both topics are encrypted with one customer managed key: CloudWatch alarms cannot publish to a topic
    // encrypted with the AWS managed aws/sns key, because that key's policy cannot grant CloudWatch (OpsAlarms
    // grants it on this one, for this account's alarms only).
    const topicKey = new Key(this, 'TopicKey', {
      description: 'licensewatch: SNS topics (alerts, ops)',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(30),
    });

    this.sync = new SyncPipeline(this, 'Sync', { ledger: this.ledger, partners, settings, logRetention });
    this.alerting = new Alerting(this, 'Alerting', { ledger: this.ledger, settings, topicKey, logRetention });
    this.http = new HttpApiEndpoint(this, 'Api', { ledger: this.ledger, partners, settings, logRetention });
    // Digests point their readers at the API's reports.
    this.alerting.evaluator.fn.addEnvironment('ALERT_REPORT_URL', this.http.url);

    const errors = (fn: IFunction) => fn.metricErrors({ period: FIVE_MINUTES, statistic: 'Sum' });
    this.ops = new OpsAlarms(this, 'Ops', {
      topicKey,
      email: settings.opsEmail,
      alarms: [
        {
          id: 'DeadLetters',
          description: 'sync units in the dead-letter queue (a connector failed 3 walks in a row)',
          metric: this.sync.deadLetters.metricApproximateNumberOfMessagesVisible({
            period: FIVE_MINUTES,
            statistic: 'Maximum',
          }),
          threshold: 1,
        },
        {
          id: 'WorkerErrors',
          description: 'sync worker invocations failed',
          metric: errors(this.sync.worker.fn),
          threshold: 1,
        },
        {
          id: 'PlanErrors',
          description: 'sync planner invocations failed',
          metric: errors(this.sync.plan.fn),
          threshold: 1,
        },
        {
          id: 'AlertErrors',
          description: 'alert evaluation or delivery failed',
          metric: errors(this.alerting.evaluator.fn),
          threshold: 1,
        },
        {
          id: 'Api5xx',
          description: 'HTTP API answered 5xx',
          metric: this.http.stage.metricServerError({ period: FIVE_MINUTES, statistic: 'Sum' }),
          threshold: 5,
        },
      ],
    });

    new CfnOutput(this, 'ApiUrl', {
      value: this.http.url,
      description: 'HTTP API base URL (SigV4-signed requests)',
    });
    new CfnOutput(this, 'TableName', {
      value: this.ledger.table.tableName,
      description: 'licensewatch --store aws --table <this>',
    });
    new CfnOutput(this, 'AlertTopicArn', { value: this.alerting.topic.topicArn });
    new CfnOutput(this, 'OpsTopicArn', { value: this.ops.topic.topicArn });
    new CfnOutput(this, 'WorkQueueUrl', { value: this.sync.queue.queueUrl });
    new CfnOutput(this, 'DeadLetterQueueUrl', { value: this.sync.deadLetters.queueUrl });
    new CfnOutput(this, 'PlanFunctionName', {
      value: this.sync.plan.fn.functionName,
      description: 'Invoke to start a sync now',
    });
    new CfnOutput(this, 'AlertsFunctionName', {
      value: this.alerting.evaluator.fn.functionName,
      description: 'Invoke to evaluate alerts now',
    });
    partners.outputs();
  }
}
