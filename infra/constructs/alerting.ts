// Alerts in AWS: a daily schedule evaluates the watch rules and publishes new alerts to an encrypted SNS topic.
import { Duration } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { SubscriptionFilter, Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { DEFAULTS } from '#functions/config';
import type { Settings } from '../settings.ts';
import { HandlerFunction } from './handler-function.ts';
import type { LedgerTable } from './ledger-table.ts';
import { StoredSecret } from './stored-secret.ts';

/**
 * Room for a first evaluation over a large ledger (thousands of alerts claimed and published). Deliveries are leased
 * for longer (DEFAULTS.alertLeaseMs, and at least the invocation's remaining time), so none is taken over from a
 * running invocation.
 */
export const ALERTS_TIMEOUT = Duration.minutes(5);
if (ALERTS_TIMEOUT.toMilliseconds() >= DEFAULTS.alertLeaseMs)
  throw new Error('the alert delivery lease must outlast the alerts function timeout');

export interface AlertingProps {
  ledger: LedgerTable;
  settings: Settings;
  topicKey: IKey;
  logRetention: RetentionDays;
}

export class Alerting extends Construct {
  readonly topic: Topic;
  readonly evaluator: HandlerFunction;
  readonly schedule: Rule;

  constructor(scope: Construct, id: string, { ledger, settings, topicKey, logRetention }: AlertingProps) {
    super(scope, id);
    this.topic = new Topic(this, 'Topic', {
      displayName: 'licensewatch alerts',
      masterKey: topicKey,
      enforceSSL: true,
    });
    // People get the digest (one per evaluation); per-alert messages (format=alert) are for machine subscribers.
    if (settings.alertEmail) {
      this.topic.addSubscription(
        new EmailSubscription(settings.alertEmail, {
          filterPolicy: { format: SubscriptionFilter.stringFilter({ allowlist: ['digest'] }) },
        }),
      );
    }

    const webhook = settings.webhookSecretName
      ? new StoredSecret(this, 'Webhook', {
          existingName: settings.webhookSecretName,
          description: 'alert webhook URL, or JSON {"url", "signingSecret"} for signed POSTs',
        })
      : undefined;

    this.evaluator = new HandlerFunction(this, 'Evaluate', {
      handler: 'alerts',
      description: 'evaluates the watch rules and delivers each new alert once',
      memorySize: 512,
      timeout: ALERTS_TIMEOUT,
      logRetention,
      reservedConcurrency: settings.alertsReservedConcurrency,
      environment: {
        TABLE_NAME: ledger.table.tableName,
        ALERT_TOPIC_ARN: this.topic.topicArn,
        ALERT_THRESHOLDS: settings.alertThresholds,
        EXPIRING_DAYS: String(settings.expiringDays),
        EXPIRED_WITHIN_DAYS: String(settings.expiredWithinDays),
        NOT_INSTALLED_DAYS: String(settings.notInstalledDays),
        ALERT_FORMAT: settings.webhookFormat,
        ...(webhook ? { ALERT_WEBHOOK_SECRET_ARN: webhook.secretId } : {}),
        ...(webhook && settings.webhookRules ? { ALERT_WEBHOOK_RULES: settings.webhookRules } : {}),
      },
    });
    // Rules read by index and the connector item; claims are read in batches (BatchGetItem). A sink's lease is put
    // and handed back; outbox batches are opened under a check of it, taken over, and removed as alerts are accepted
    // (transactions of Put, Update, Delete, ConditionCheck), each acceptance written on the alert's claim item.
    ledger.grant(this.evaluator.fn, [
      'dynamodb:GetItem',
      'dynamodb:BatchGetItem',
      'dynamodb:Query',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
      'dynamodb:ConditionCheckItem',
    ]);
    webhook?.grantRead(this.evaluator.fn);
    // Publish (PublishBatch authorizes as sns:Publish), plus the key calls SNS makes for an encrypted topic.
    this.evaluator.fn.addToRolePolicy(
      new PolicyStatement({ actions: ['sns:Publish'], resources: [this.topic.topicArn] }),
    );
    this.evaluator.fn.addToRolePolicy(
      new PolicyStatement({ actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: [topicKey.keyArn] }),
    );

    this.schedule = new Rule(this, 'Schedule', {
      description: 'licensewatch: evaluate alerts',
      schedule: Schedule.expression(settings.alertSchedule),
      targets: [new LambdaFunction(this.evaluator.fn, { retryAttempts: 2, maxEventAge: Duration.hours(2) })],
    });
  }
}
