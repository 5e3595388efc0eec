// LicenseWatchStack's template, on behaviour: schedules reach their functions, every route needs SigV4, each function
// holds only its grants, failed sync units land in the DLQ, alarms reach the ops topic, and no secret is in it.
import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { INDEX, tableDefinition } from '#ledger/store/dynamo/table';
import { MAX_RECEIVE_COUNT } from '../../infra/constructs/sync-pipeline.ts';
import { readSettings, SettingsError } from '../../infra/settings.ts';
import {
  actionsOf,
  actionsOn,
  CDK_CONTEXT,
  grantsOf,
  logicalId,
  resources,
  type Synthesized,
  synthStack,
} from '../support/synth.ts';

const TOKEN_CANARY = 'canary-token-that-must-never-reach-a-template';

let s: Synthesized;
const id = {} as Record<
  'plan' | 'worker' | 'alerts' | 'api' | 'queue' | 'dlq' | 'table' | 'alertTopic' | 'opsTopic',
  string
>;

beforeAll(() => {
  // A token in the environment of whoever synthesizes must not leak into the template.
  process.env.CELIGO_API_TOKEN = TOKEN_CANARY;
  s = synthStack();
  const t = s.template;
  id.plan = logicalId(t, 'AWS::Lambda::Function', 'SyncPlanFunction');
  id.worker = logicalId(t, 'AWS::Lambda::Function', 'SyncWorkerFunction');
  id.alerts = logicalId(t, 'AWS::Lambda::Function', 'AlertingEvaluateFunction');
  id.api = logicalId(t, 'AWS::Lambda::Function', 'ApiHandlerFunction');
  id.queue = logicalId(t, 'AWS::SQS::Queue', 'SyncWork');
  id.dlq = logicalId(t, 'AWS::SQS::Queue', 'SyncDeadLetters');
  id.table = logicalId(t, 'AWS::DynamoDB::Table', 'LedgerTable');
  id.alertTopic = logicalId(t, 'AWS::SNS::Topic', 'AlertingTopic');
  id.opsTopic = logicalId(t, 'AWS::SNS::Topic', 'OpsTopic');
});

const fnProps = (logical: string) => s.template.toJSON().Resources[logical].Properties;

describe('ledger table', () => {
  it('has the key schema and indexes of the ledger (the same definition the CLI creates locally)', () => {
    const def = tableDefinition('x');
    const table = s.template.toJSON().Resources[id.table];
    expect(table.Properties.KeySchema).toEqual(def.KeySchema);
    const sortByName = <T extends { AttributeName?: string; IndexName?: string }>(xs: T[]) =>
      [...xs].sort((a, b) =>
        String(a.AttributeName ?? a.IndexName).localeCompare(String(b.AttributeName ?? b.IndexName)),
      );
    expect(sortByName(table.Properties.AttributeDefinitions)).toEqual(sortByName(def.AttributeDefinitions!));
    expect(sortByName(table.Properties.GlobalSecondaryIndexes)).toEqual(
      sortByName(def.GlobalSecondaryIndexes!),
    );
    expect(
      table.Properties.GlobalSecondaryIndexes.map((g: { IndexName: string }) => g.IndexName).sort(),
    ).toEqual(
      Object.values(INDEX)
        .map((i) => i.name)
        .sort(),
    );
  });

  it('is on-demand, point-in-time recoverable, deletion-protected and retained when the stack goes', () => {
    s.template.hasResource('AWS::DynamoDB::Table', {
      Properties: Match.objectLike({
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: true,
      }),
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });
});

describe('functions', () => {
  it('run on arm64 with Node.js 22 or newer, explicit memory and timeout, and a log group with retention', () => {
    const fns = resources(s.template, 'AWS::Lambda::Function');
    expect(fns).toHaveLength(4);
    const logGroups = s.template.toJSON().Resources;
    for (const [, fn] of fns) {
      const p = fn.Properties;
      expect(Number(/^nodejs(\d+)\.x$/.exec(p.Runtime)?.[1])).toBeGreaterThanOrEqual(22);
      expect(p.Architectures).toEqual(['arm64']);
      expect(p.MemorySize).toBeGreaterThanOrEqual(256);
      expect(p.Timeout).toBeGreaterThan(3);
      const group = logGroups[p.LoggingConfig.LogGroup.Ref];
      expect(group.Type).toBe('AWS::Logs::LogGroup');
      expect(group.Properties.RetentionInDays).toBe(CDK_CONTEXT.logRetentionDays);
      expect(p.Environment.Variables.POWERTOOLS_SERVICE_NAME).toBe('licensewatch');
    }
  });

  it('have roles with no managed policy: only inline grants', () => {
    for (const [, role] of resources(s.template, 'AWS::IAM::Role'))
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
  });

  it('read the token through the secret (by ARN), never as a value', () => {
    const secretId = logicalId(s.template, 'AWS::SecretsManager::Secret', 'PartnerApiTokenSecret');
    for (const fn of [id.plan, id.worker, id.api]) {
      const env = fnProps(fn).Environment.Variables;
      expect(env.CELIGO_TOKEN_SECRET_ARN).toEqual({ Ref: secretId });
      expect(env.CELIGO_API_TOKEN).toBeUndefined();
    }
    expect(fnProps(id.alerts).Environment.Variables.CELIGO_TOKEN_SECRET_ARN).toBeUndefined();
  });
});

describe('schedules', () => {
  const ruleTargeting = (fnId: string) => {
    const rules = resources(s.template, 'AWS::Events::Rule').filter(([, r]) =>
      r.Properties.Targets.some(
        (t: { Arn: unknown }) => JSON.stringify(t.Arn) === JSON.stringify({ 'Fn::GetAtt': [fnId, 'Arn'] }),
      ),
    );
    expect(rules).toHaveLength(1);
    return rules[0]!;
  };

  it('plans a sync hourly by default and runs the alerts daily at 08:00 UTC', () => {
    expect(ruleTargeting(id.plan)[1].Properties.ScheduleExpression).toBe('rate(1 hour)');
    expect(ruleTargeting(id.alerts)[1].Properties.ScheduleExpression).toBe('cron(0 8 * * ? *)');
    expect(resources(s.template, 'AWS::Events::Rule')).toHaveLength(2);
  });

  it('lets each rule (and only it) invoke its function', () => {
    for (const fn of [id.plan, id.alerts]) {
      const [ruleId] = ruleTargeting(fn);
      s.template.hasResourceProperties('AWS::Lambda::Permission', {
        Action: 'lambda:InvokeFunction',
        FunctionName: { 'Fn::GetAtt': [fn, 'Arn'] },
        Principal: 'events.amazonaws.com',
        SourceArn: { 'Fn::GetAtt': [ruleId, 'Arn'] },
      });
    }
  });

  it('follows the schedules given as context', () => {
    const custom = synthStack({
      syncSchedule: 'rate(15 minutes)',
      alertSchedule: 'cron(30 6 ? * MON-FRI *)',
    });
    const expressions = resources(custom.template, 'AWS::Events::Rule').map(
      ([, r]) => r.Properties.ScheduleExpression,
    );
    expect(expressions.sort()).toEqual(['cron(30 6 ? * MON-FRI *)', 'rate(15 minutes)']);
  });
});

describe('sync queue', () => {
  it('sends a unit to the DLQ after 3 receives, and hides a unit for at least 6x the worker timeout', () => {
    const queue = s.template.toJSON().Resources[id.queue].Properties;
    expect(queue.RedrivePolicy).toEqual({
      deadLetterTargetArn: { 'Fn::GetAtt': [id.dlq, 'Arn'] },
      maxReceiveCount: MAX_RECEIVE_COUNT,
    });
    expect(MAX_RECEIVE_COUNT).toBe(3);
    expect(queue.VisibilityTimeout).toBeGreaterThanOrEqual(6 * fnProps(id.worker).Timeout);
  });

  it('refuses requests without TLS, on both queues, and encrypts them at rest', () => {
    for (const q of [id.queue, id.dlq]) {
      s.template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: q }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
      expect(s.template.toJSON().Resources[q].Properties.SqsManagedSseEnabled).toBe(true);
    }
  });

  it('feeds the worker with partial batch failures and a maximum concurrency that keeps the Partner API budget', () => {
    s.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [id.queue, 'Arn'] },
      FunctionName: { Ref: id.worker },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: CDK_CONTEXT.workerConcurrency },
    });
    const perWorker = Number(fnProps(id.worker).Environment.Variables.PARTNER_API_RPS);
    expect(perWorker * Number(CDK_CONTEXT.workerConcurrency)).toBeLessThanOrEqual(
      Number(CDK_CONTEXT.partnerApiRps),
    );
    expect(Number(CDK_CONTEXT.partnerApiRps)).toBeLessThan(300); // the account's Partner API bucket
  });

  it('tells the planner where to send the units', () => {
    expect(fnProps(id.plan).Environment.Variables.WORK_QUEUE_URL).toEqual({ Ref: id.queue });
  });
});

describe('grants (least privilege)', () => {
  const dynamo = (fn: string) => [...actionsOn(grantsOf(s.template, fn), id.table)].sort();

  it('no statement uses a wildcard action, and only the plan may Scan the table (its upgrades, once each)', () => {
    for (const [, policy] of resources(s.template, 'AWS::IAM::Policy')) {
      for (const st of policy.Properties.PolicyDocument.Statement) {
        for (const action of [st.Action].flat()) expect(action).not.toMatch(/\*/);
      }
    }
    for (const fn of [id.worker, id.alerts, id.api])
      expect(actionsOf(grantsOf(s.template, fn))).not.toContain('dynamodb:Scan');
  });

  it('gives each function the table actions it uses, on the table and its named indexes only', () => {
    // Scan: the table's upgrades (store/dynamo/migrations), which the plan runs before planning.
    expect(dynamo(id.plan)).toEqual([
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:Scan',
      'dynamodb:UpdateItem',
    ]);
    // Walks keep page digests on the connector's META item: no DeleteItem, no BatchWriteItem any more. BatchGetItem:
    // the license facet reads current items in batches (the deleted rule).
    // ConditionCheckItem: a walk's license writes land only while it holds its connector's lease.
    expect(dynamo(id.worker)).toEqual([
      'dynamodb:BatchGetItem',
      'dynamodb:ConditionCheckItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
    ]);
    const tableGrant = grantsOf(s.template, id.worker).find((g) => g.actions.includes('dynamodb:Query'))!;
    const indexSuffixes = tableGrant.resources
      .map((r) => JSON.stringify(r))
      .filter((r) => r.includes('/index/'))
      .map((r) => /\/index\/([^"]+)"/.exec(r)?.[1]);
    expect(indexSuffixes.sort()).toEqual(
      Object.values(INDEX)
        .map((i) => i.name)
        .sort(),
    );
  });

  it('the planner sends to the work queue, the worker consumes it and queues only continuations to it', () => {
    const sqs = (fn: string) => actionsOn(grantsOf(s.template, fn), id.queue);
    expect(sqs(id.plan)).toContain('sqs:SendMessage');
    expect(sqs(id.plan)).not.toContain('sqs:ReceiveMessage');
    expect(sqs(id.worker)).toContain('sqs:ReceiveMessage');
    expect(sqs(id.worker)).toContain('sqs:DeleteMessage');
    // A walk out of Lambda time queues its continuation on the same queue, nowhere else.
    expect(sqs(id.worker)).toContain('sqs:SendMessage');
    for (const fn of [id.alerts, id.api])
      expect(actionsOf(grantsOf(s.template, fn))).not.toContain('sqs:SendMessage');
    for (const fn of [id.plan, id.alerts, id.api])
      expect(actionsOf(grantsOf(s.template, fn))).not.toContain('sqs:ReceiveMessage');
  });

  it('only the alerts function can publish, and only to the alerts topic', () => {
    expect(actionsOn(grantsOf(s.template, id.alerts), id.alertTopic)).toEqual(new Set(['sns:Publish']));
    for (const fn of [id.plan, id.worker, id.api])
      expect(actionsOf(grantsOf(s.template, fn))).not.toContain('sns:Publish');
    expect(actionsOn(grantsOf(s.template, id.alerts), id.opsTopic).size).toBe(0);
  });

  it('only the functions that call the Partner API can read the token secret', () => {
    const secretId = logicalId(s.template, 'AWS::SecretsManager::Secret', 'PartnerApiTokenSecret');
    for (const fn of [id.plan, id.worker, id.api]) {
      expect(actionsOn(grantsOf(s.template, fn), secretId)).toEqual(
        new Set(['secretsmanager:GetSecretValue']),
      );
    }
    expect(actionsOf(grantsOf(s.template, id.alerts))).not.toContain('secretsmanager:GetSecretValue');
  });
});

describe('alert and ops topics', () => {
  it('are KMS-encrypted with a rotating key and refuse publishing without TLS', () => {
    const keyId = logicalId(s.template, 'AWS::KMS::Key', 'TopicKey');
    s.template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    for (const topic of [id.alertTopic, id.opsTopic]) {
      expect(s.template.toJSON().Resources[topic].Properties.KmsMasterKeyId).toEqual({
        'Fn::GetAtt': [keyId, 'Arn'],
      });
      s.template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        Topics: [{ Ref: topic }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    }
  });

  it('let CloudWatch alarms use the key (an aws/sns-encrypted topic would silently drop alarm notifications)', () => {
    s.template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
          }),
        ]),
      },
    });
  });

  it('subscribe the e-mail addresses given as context (alerts: digests only), and none by default', () => {
    expect(resources(s.template, 'AWS::SNS::Subscription')).toHaveLength(0);
    const withEmail = synthStack({
      alertEmail: 'licenses@example.com',
      opsEmail: 'ops@example.com',
    }).template;
    const subs = resources(withEmail, 'AWS::SNS::Subscription').map(([, r]) => r.Properties);
    const alertTopic = logicalId(withEmail, 'AWS::SNS::Topic', 'AlertingTopic');
    const opsTopic = logicalId(withEmail, 'AWS::SNS::Topic', 'OpsTopic');
    expect(subs).toContainEqual({
      Protocol: 'email',
      Endpoint: 'licenses@example.com',
      TopicArn: { Ref: alertTopic },
      FilterPolicy: { format: ['digest'] },
    });
    expect(subs).toContainEqual({
      Protocol: 'email',
      Endpoint: 'ops@example.com',
      TopicArn: { Ref: opsTopic },
    });
  });
});

describe('HTTP API', () => {
  it('requires AWS_IAM on every route (routes per method and path: test/infra/routes.test.ts)', () => {
    const routes = resources(s.template, 'AWS::ApiGatewayV2::Route');
    expect(routes.map(([, r]) => r.Properties.RouteKey)).toContain('$default');
    for (const [, route] of routes) expect(route.Properties.AuthorizationType).toBe('AWS_IAM');
    s.template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY',
      IntegrationUri: { 'Fn::GetAtt': [id.api, 'Arn'] },
      PayloadFormatVersion: '2.0',
    });
  });

  it('logs access and throttles on its stage, and outputs its URL', () => {
    s.template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('requestId') },
      DefaultRouteSettings: {
        ThrottlingRateLimit: CDK_CONTEXT.apiRateLimit,
        ThrottlingBurstLimit: CDK_CONTEXT.apiBurstLimit,
      },
    });
    const outputs = s.template.toJSON().Outputs;
    expect(JSON.stringify(outputs.ApiUrl.Value)).toContain('execute-api');
  });

  it('uses a JWT authorizer on every route when the context selects it', () => {
    const jwt = synthStack({
      apiAuth: 'jwt',
      jwtIssuer: 'https://issuer.example.com/',
      jwtAudience: 'licensewatch,ops',
    }).template;
    const [authorizerId] = resources(jwt, 'AWS::ApiGatewayV2::Authorizer').map(([key]) => key);
    jwt.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      JwtConfiguration: { Issuer: 'https://issuer.example.com/', Audience: ['licensewatch', 'ops'] },
    });
    const routes = resources(jwt, 'AWS::ApiGatewayV2::Route');
    expect(routes.length).toBeGreaterThan(0);
    for (const [, route] of routes) {
      expect(route.Properties.AuthorizationType).toBe('JWT');
      expect(route.Properties.AuthorizerId).toEqual({ Ref: authorizerId });
    }
  });
});

describe('alarms', () => {
  const alarms = () => resources(s.template, 'AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);

  it('notify the ops topic on alarm and on recovery', () => {
    expect(alarms()).toHaveLength(5);
    for (const alarm of alarms()) {
      expect(alarm.AlarmActions).toEqual([{ Ref: id.opsTopic }]);
      expect(alarm.OKActions).toEqual([{ Ref: id.opsTopic }]);
    }
  });

  it('watch the DLQ, the worker, the planner, the alerts function and API 5xx', () => {
    const watched = alarms().map((a) => `${a.Namespace}/${a.MetricName}:${JSON.stringify(a.Dimensions)}`);
    const dlqName = JSON.stringify([{ Name: 'QueueName', Value: { 'Fn::GetAtt': [id.dlq, 'QueueName'] } }]);
    expect(watched).toContain(`AWS/SQS/ApproximateNumberOfMessagesVisible:${dlqName}`);
    for (const fn of [id.worker, id.plan, id.alerts]) {
      expect(watched).toContain(
        `AWS/Lambda/Errors:${JSON.stringify([{ Name: 'FunctionName', Value: { Ref: fn } }])}`,
      );
    }
    expect(watched.some((w) => w.startsWith('AWS/ApiGateway/5xx:'))).toBe(true);
    const dlqAlarm = alarms().find((a) => a.MetricName === 'ApproximateNumberOfMessagesVisible')!;
    expect(dlqAlarm.Threshold).toBe(1);
    expect(dlqAlarm.ComparisonOperator).toBe('GreaterThanOrEqualToThreshold');
  });
});

describe('secrets', () => {
  it('creates the token secret empty: no value and no generated value in the template', () => {
    const secrets = resources(s.template, 'AWS::SecretsManager::Secret');
    expect(secrets).toHaveLength(1);
    const [, secret] = secrets[0]!;
    expect(secret.Properties.SecretString).toBeUndefined();
    expect(secret.Properties.GenerateSecretString).toBeUndefined();
    expect(JSON.stringify(s.template.toJSON())).not.toContain(TOKEN_CANARY);
    expect(JSON.stringify(s.template.toJSON().Outputs.SetPartnerApiToken.Value)).toContain(
      'put-secret-value',
    );
  });

  it('uses existing secrets by name when the context names them, creating none', () => {
    const existing = synthStack({
      tokenSecretName: 'celigo/partner-token',
      webhookSecretName: 'licensewatch/slack',
    }).template;
    expect(resources(existing, 'AWS::SecretsManager::Secret')).toHaveLength(0);
    expect(existing.toJSON().Outputs.SetPartnerApiToken).toBeUndefined();
    const worker = logicalId(existing, 'AWS::Lambda::Function', 'SyncWorkerFunction');
    const alerts = logicalId(existing, 'AWS::Lambda::Function', 'AlertingEvaluateFunction');
    expect(existing.toJSON().Resources[worker].Properties.Environment.Variables.CELIGO_TOKEN_SECRET_ARN).toBe(
      'celigo/partner-token',
    );
    expect(
      existing.toJSON().Resources[alerts].Properties.Environment.Variables.ALERT_WEBHOOK_SECRET_ARN,
    ).toBe('licensewatch/slack');
    const secretGrant = (fn: string) =>
      grantsOf(existing, fn)
        .find((g) => g.actions.includes('secretsmanager:GetSecretValue'))
        ?.resources.map((r) => JSON.stringify(r));
    expect(secretGrant(worker)?.[0]).toContain(':secret:celigo/partner-token-??????');
    expect(secretGrant(alerts)?.[0]).toContain(':secret:licensewatch/slack-??????');
  });
});

describe('reserved concurrency', () => {
  const reserved = (template: typeof s.template, prefix: string) =>
    template.toJSON().Resources[logicalId(template, 'AWS::Lambda::Function', prefix)].Properties
      .ReservedConcurrentExecutions;

  it('reserves none by default (accounts with a low concurrency quota refuse any reservation)', () => {
    expect(CDK_CONTEXT.apiReservedConcurrency).toBe('');
    expect(CDK_CONTEXT.alertsReservedConcurrency).toBe('');
    for (const [, fn] of resources(s.template, 'AWS::Lambda::Function'))
      expect(fn.Properties.ReservedConcurrentExecutions).toBeUndefined();
    const zero = synthStack({ apiReservedConcurrency: 0, alertsReservedConcurrency: '0' }).template;
    for (const [, fn] of resources(zero, 'AWS::Lambda::Function'))
      expect(fn.Properties.ReservedConcurrentExecutions).toBeUndefined();
  });

  it('reserves what the context asks for, on the api and the alerts function only', () => {
    // `-c key=value` arrives as a string, cdk.json may hold a number.
    const t = synthStack({ apiReservedConcurrency: '10', alertsReservedConcurrency: 1 }).template;
    expect(reserved(t, 'ApiHandlerFunction')).toBe(10);
    expect(reserved(t, 'AlertingEvaluateFunction')).toBe(1);
    expect(reserved(t, 'SyncPlanFunction')).toBeUndefined();
    expect(reserved(t, 'SyncWorkerFunction')).toBeUndefined();
  });

  it('rejects anything but a whole number', () => {
    for (const bad of ['-1', '2.5', 'ten', '1e3'])
      expect(() => synthStack({ alertsReservedConcurrency: bad }), bad).toThrow(/alertsReservedConcurrency/);
    expect(() => synthStack({ apiReservedConcurrency: 'lots' })).toThrow(
      /apiReservedConcurrency: expected a whole number/,
    );
  });
});

describe('context', () => {
  it('rejects bad settings at synth, naming each bad key', () => {
    const bad = (context: Record<string, unknown>) => () => synthStack(context);
    expect(bad({ apiAuth: 'jwt' })).toThrow(SettingsError);
    expect(bad({ syncSchedule: 'hourly' })).toThrow(/syncSchedule/);
    expect(bad({ alertThresholds: '30,soon' })).toThrow(/ALERT_THRESHOLDS/);
    expect(bad({ partnerApi: 'mars' })).toThrow(/not a URL or region/);
    expect(bad({ workerConcurrency: 1 })).toThrow(/workerConcurrency/);
    expect(bad({ alertEmail: 'not-an-address' })).toThrow(/alertEmail/);
    expect(bad({ logRetentionDays: 10 })).toThrow(/logRetentionDays: expected one of 1, 3, 5, 7, 14/);
  });

  it('resolves the Partner API region to its URL', () => {
    const eu = synthStack({ partnerApi: 'eu' });
    expect(readSettings(eu.app.node).partnerApiUrl).toBe('https://api.eu.integrator.io/v1');
    const worker = logicalId(eu.template, 'AWS::Lambda::Function', 'SyncWorkerFunction');
    expect(eu.template.toJSON().Resources[worker].Properties.Environment.Variables.CELIGO_API_URL).toBe(
      'https://api.eu.integrator.io/v1',
    );
  });
});
