// The sync in AWS: a schedule runs the planner, which queues one message per connector for the workers (with a DLQ).
import { Duration } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { Settings } from '../settings.ts';
import { HandlerFunction } from './handler-function.ts';
import type { LedgerTable } from './ledger-table.ts';
import type { PartnerAccounts } from './partner-accounts.ts';

/** A walk of one large connector is seconds to a few minutes; five leaves room for a slow Partner API. */
export const WORKER_TIMEOUT = Duration.minutes(5);
/** SQS redelivers a message only after this; AWS advises at least 6x the function timeout for SQS sources. */
export const VISIBILITY_TIMEOUT = Duration.minutes(WORKER_TIMEOUT.toMinutes() * 6);
export const MAX_RECEIVE_COUNT = 3;
export const WORKER_BATCH_SIZE = 5;

export interface SyncPipelineProps {
  ledger: LedgerTable;
  /** The partner accounts: where each one's API and token secret are. */
  partners: PartnerAccounts;
  settings: Settings;
  logRetention: RetentionDays;
}

export class SyncPipeline extends Construct {
  readonly plan: HandlerFunction;
  readonly worker: HandlerFunction;
  readonly queue: Queue;
  readonly deadLetters: Queue;
  readonly schedule: Rule;

  constructor(scope: Construct, id: string, { ledger, partners, settings, logRetention }: SyncPipelineProps) {
    super(scope, id);
    this.deadLetters = new Queue(this, 'DeadLetters', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.queue = new Queue(this, 'Work', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: VISIBILITY_TIMEOUT,
      deadLetterQueue: { queue: this.deadLetters, maxReceiveCount: MAX_RECEIVE_COUNT },
    });

    // Workers together stay under each account's Partner API budget: each container gets its share of it (a client
    // per account, as each account has a bucket of its own).
    const perWorkerRps = Math.floor(settings.partnerApiRps / settings.workerConcurrency);
    const partnerApiEnv = {
      TABLE_NAME: ledger.table.tableName,
      ...partners.environment(),
      PARTNER_API_RPS: String(perWorkerRps),
      PARTNER_API_CONCURRENCY: '8',
    };

    this.plan = new HandlerFunction(this, 'Plan', {
      handler: 'plan',
      description: 'lists connectors and queues one sync unit per connector',
      memorySize: 512,
      timeout: Duration.minutes(2),
      logRetention,
      environment: { ...partnerApiEnv, WORK_QUEUE_URL: this.queue.queueUrl },
    });
    // The table's upgrades run first (a Scan per step, once ever; one GetItem once applied), then the plan.
    ledger.grant(this.plan.fn, [
      'dynamodb:GetItem',
      'dynamodb:Query',
      'dynamodb:Scan',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
    ]);
    partners.grantRead(this.plan.fn);
    this.queue.grantSendMessages(this.plan.fn);

    this.worker = new HandlerFunction(this, 'Worker', {
      handler: 'syncWorker',
      description: "walks one connector's licenses per message and records what changed",
      memorySize: 1024,
      timeout: WORKER_TIMEOUT,
      logRetention,
      // A walk out of time queues its own continuation (a fresh message, so a long deletion pass never reaches the DLQ).
      environment: { ...partnerApiEnv, WORK_QUEUE_URL: this.queue.queueUrl },
    });
    this.queue.grantSendMessages(this.worker.fn);
    // Walks hold their connector through its META item; each change is a transaction of current item + version.
    // ConditionCheckItem: each transaction of a walk's license writes checks the walk still holds its lease.
    ledger.grant(this.worker.fn, [
      'dynamodb:GetItem',
      'dynamodb:BatchGetItem',
      'dynamodb:Query',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:ConditionCheckItem',
    ]);
    partners.grantRead(this.worker.fn);
    this.worker.fn.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: WORKER_BATCH_SIZE,
        reportBatchItemFailures: true,
        maxConcurrency: settings.workerConcurrency,
      }),
    );

    this.schedule = new Rule(this, 'Schedule', {
      description: 'licensewatch: plan a sync run',
      schedule: Schedule.expression(settings.syncSchedule),
      targets: [new LambdaFunction(this.plan.fn, { retryAttempts: 2, maxEventAge: Duration.hours(1) })],
    });
  }
}
