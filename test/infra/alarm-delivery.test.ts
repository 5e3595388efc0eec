// Every alarm can notify someone: each alarm action in the synthesized template leads to a topic whose policy lets
// CloudWatch publish for this account's alarms, encrypted with a key whose policy lets CloudWatch use it.
import { describe, expect, it } from 'vitest';
import { decide, ENV, resolver, type ServiceRequest } from '../support/iam-policy.ts';
import { synthStack } from '../support/synth.ts';

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation JSON
type Json = any;

const ACTION_LISTS = ['AlarmActions', 'OKActions', 'InsufficientDataActions'];
/** What SNS calls on the topic's key while accepting a message from the publisher. */
const KEY_ACTIONS = ['kms:GenerateDataKey', 'kms:Decrypt'];

interface AlarmOwner {
  account: string;
  region: string;
}

/** Why an alarm (owned by `owner`) could not notify through each of its actions; empty when every one can. */
function undeliverable(template: Json, owner: AlarmOwner = ENV): string[] {
  const resources: Record<string, Json> = template.Resources;
  const { resolve, arnOf } = resolver(resources);
  const byType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
  const problems = new Set<string>();

  for (const [alarmId, alarm] of byType('AWS::CloudWatch::Alarm')) {
    const actions: Json[] = ACTION_LISTS.flatMap((list) => alarm.Properties[list] ?? []);
    if (actions.length === 0) problems.add(`${alarmId}: no action, it notifies nobody`);
    const asCloudWatch = (action: string, resource: string): ServiceRequest => ({
      service: 'cloudwatch.amazonaws.com',
      action,
      resource,
      context: {
        'aws:SourceAccount': owner.account,
        'aws:SourceArn': `arn:${ENV.partition}:cloudwatch:${owner.region}:${owner.account}:alarm:${alarmId}`,
        'aws:SecureTransport': 'true',
      },
    });

    for (const action of actions) {
      const topicId = action?.Ref;
      if (typeof topicId !== 'string' || resources[topicId]?.Type !== 'AWS::SNS::Topic') {
        problems.add(`${alarmId}: action ${JSON.stringify(action)} is not a topic of this stack`);
        continue;
      }
      const policies = byType('AWS::SNS::TopicPolicy').filter(([, p]) =>
        p.Properties.Topics.some((t: Json) => t?.Ref === topicId),
      );
      if (policies.length > 1) problems.add(`${topicId}: ${policies.length} topic policies, one would win`);
      const policy = policies[0]?.[1];
      // With no TopicPolicy, SNS's default policy admits publishers of the owning account (CloudWatch included).
      const publish = policy
        ? decide(
            policy.Properties.PolicyDocument.Statement,
            asCloudWatch('sns:Publish', arnOf(topicId)),
            resolve,
          )
        : owner.account === ENV.account
          ? 'allow'
          : 'no-allow';
      if (publish !== 'allow')
        problems.add(`${alarmId} -> ${topicId}: the topic policy refuses (${publish})`);

      const keyRef = resources[topicId].Properties.KmsMasterKeyId;
      if (keyRef === undefined) continue;
      const keyId: unknown = keyRef?.Ref ?? keyRef?.['Fn::GetAtt']?.[0];
      if (typeof keyId !== 'string' || resources[keyId]?.Type !== 'AWS::KMS::Key') {
        // e.g. alias/aws/sns: an AWS managed key's policy cannot admit CloudWatch.
        problems.add(`${topicId}: encrypted with ${JSON.stringify(keyRef)}, which CloudWatch cannot use`);
        continue;
      }
      for (const keyAction of KEY_ACTIONS) {
        const use = decide(
          resources[keyId].Properties.KeyPolicy.Statement,
          asCloudWatch(keyAction, arnOf(keyId)),
          resolve,
        );
        if (use !== 'allow')
          problems.add(`${alarmId} -> ${topicId} -> ${keyId}: the key policy refuses ${keyAction} (${use})`);
      }
    }
  }
  return [...problems];
}

const VARIANTS: Record<string, Record<string, unknown>> = {
  defaults: {},
  'JWT auth, existing secrets, e-mail subscriptions': {
    tokenSecretName: 'celigo/partner-token',
    webhookSecretName: 'licensewatch/slack',
    apiAuth: 'jwt',
    jwtIssuer: 'https://issuer.example.com/',
    jwtAudience: 'licensewatch',
    alertEmail: 'licenses@example.com',
    opsEmail: 'ops@example.com',
  },
};

describe.each(Object.entries(VARIANTS))('alarm notifications, %s', (_name, context) => {
  const template = synthStack(context).template.toJSON();

  it('reach a topic CloudWatch may publish to, through a key CloudWatch may use, from every alarm', () => {
    const alarms = Object.values(template.Resources).filter((r: Json) => r.Type === 'AWS::CloudWatch::Alarm');
    expect(alarms.length).toBeGreaterThan(0);
    expect(undeliverable(template)).toEqual([]);
  });

  it("are refused for another account's or another region's alarms, by the topic and by the key", () => {
    for (const owner of [
      { account: '210987654321', region: ENV.region },
      { account: ENV.account, region: 'us-west-2' },
    ]) {
      const problems = undeliverable(template, owner);
      expect(problems.some((p) => p.includes('the topic policy refuses'))).toBe(true);
      expect(problems.some((p) => p.includes('the key policy refuses'))).toBe(true);
    }
  });
});

describe('the delivery check', () => {
  const fresh = () => structuredClone(synthStack().template.toJSON());
  const statementsOf = (template: Json, type: string, field: string) =>
    Object.values(template.Resources)
      .filter((r: Json) => r.Type === type)
      .flatMap((r: Json) => r.Properties[field].Statement as Json[]);
  const dropCloudWatch = (template: Json, type: string, field: string) => {
    for (const r of Object.values(template.Resources) as Json[]) {
      if (r.Type !== type) continue;
      const doc = r.Properties[field];
      doc.Statement = doc.Statement.filter((s: Json) => s.Principal?.Service !== 'cloudwatch.amazonaws.com');
    }
    return template;
  };

  it('fails on a topic policy holding only the TLS Deny (the policy before this fix)', () => {
    const template = dropCloudWatch(fresh(), 'AWS::SNS::TopicPolicy', 'PolicyDocument');
    expect(
      statementsOf(template, 'AWS::SNS::TopicPolicy', 'PolicyDocument').every((s) => s.Effect === 'Deny'),
    ).toBe(true);
    expect(undeliverable(template).some((p) => p.includes('the topic policy refuses (no-allow)'))).toBe(true);
  });

  it('fails on a key CloudWatch may not use, and on an AWS managed key', () => {
    const noGrant = dropCloudWatch(fresh(), 'AWS::KMS::Key', 'KeyPolicy');
    expect(undeliverable(noGrant).some((p) => p.includes('the key policy refuses kms:GenerateDataKey'))).toBe(
      true,
    );
    const managed = fresh();
    for (const r of Object.values(managed.Resources) as Json[])
      if (r.Type === 'AWS::SNS::Topic') r.Properties.KmsMasterKeyId = 'alias/aws/sns';
    expect(undeliverable(managed).some((p) => p.includes('which CloudWatch cannot use'))).toBe(true);
  });

  it('fails on an alarm whose action is not a topic of the stack', () => {
    const template = fresh();
    const alarm = Object.values(template.Resources).find(
      (r: Json) => r.Type === 'AWS::CloudWatch::Alarm',
    ) as Json;
    alarm.Properties.AlarmActions = ['arn:aws:sns:eu-west-1:123456789012:somewhere-else'];
    expect(undeliverable(template).some((p) => p.includes('is not a topic of this stack'))).toBe(true);
  });
});
