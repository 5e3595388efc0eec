// The alerting construct as synthesized: e-mail gets digests only, the webhook's format comes from context, digests
// point at the API, and a delivery's lease outlasts the function's timeout.

import { App } from 'aws-cdk-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULTS } from '#functions/config';
import { readSettings } from '../../infra/settings.ts';
import { CDK_CONTEXT, logicalId, resources, type Synthesized, synthStack } from '../support/synth.ts';

let s: Synthesized;
beforeAll(() => {
  // One synth for all (each takes seconds): with an e-mail subscriber and per-alert webhook messages.
  s = synthStack({ alertEmail: 'licenses@example.com', webhookFormat: 'each' });
});

const alertsFunction = (synth: Synthesized) => {
  const id = logicalId(synth.template, 'AWS::Lambda::Function', 'AlertingEvaluateFunction');
  return synth.template.toJSON().Resources[id].Properties;
};

describe('alerting', () => {
  it('subscribes alertEmail to digests only: a filter policy on the format attribute', () => {
    const topic = logicalId(s.template, 'AWS::SNS::Topic', 'AlertingTopic');
    const subs = resources(s.template, 'AWS::SNS::Subscription').map(([, r]) => r.Properties);
    const email = subs.find((p) => JSON.stringify(p.TopicArn) === JSON.stringify({ Ref: topic }));
    expect(email).toMatchObject({ Protocol: 'email', FilterPolicy: { format: ['digest'] } });
    // Scope left to its default, the message attributes (where `format` is).
    expect(email?.FilterPolicyScope ?? 'MessageAttributes').toBe('MessageAttributes');
  });

  it('gives the webhook digests by default, per-alert messages when webhookFormat=each', () => {
    expect(CDK_CONTEXT.webhookFormat).toBe('digest');
    expect(readSettings(new App({ context: CDK_CONTEXT }).node).webhookFormat).toBe('digest');
    expect(alertsFunction(s).Environment.Variables.ALERT_FORMAT).toBe('each');
  });

  it('rejects any other webhookFormat at synth', () => {
    expect(() => synthStack({ webhookFormat: 'digests' })).toThrow(/webhookFormat: expected digest or each/);
  });

  it("points digests at the HTTP API's URL", () => {
    const url = alertsFunction(s).Environment.Variables.ALERT_REPORT_URL;
    expect(JSON.stringify(url)).toContain(logicalId(s.template, 'AWS::ApiGatewayV2::Api', 'Api'));
  });

  it('signs webhooks from the secret named by webhookSecretName, read at run time: no value in the template', () => {
    const signed = synthStack({ webhookSecretName: 'lw/webhook-signed', webhookRules: 'expiring,deleted' });
    const env = alertsFunction(signed).Environment.Variables;
    expect(env.ALERT_WEBHOOK_SECRET_ARN).toBe('lw/webhook-signed');
    expect(env.ALERT_WEBHOOK_RULES).toBe('expiring,deleted');
    // The secret's value (URL and signing secret) is read by the function; the template holds only its name.
    expect(env.ALERT_WEBHOOK_SECRET).toBeUndefined();
    expect(env.ALERT_WEBHOOK_URL).toBeUndefined();
    const json = JSON.stringify(signed.template.toJSON());
    expect(json).not.toMatch(/signingSecret|SecretString|whsec/);
    expect(resources(signed.template, 'AWS::SecretsManager::Secret').map(([id]) => id)).not.toContainEqual(
      expect.stringMatching(/Webhook/),
    );
    const grants = resources(signed.template, 'AWS::IAM::Policy').flatMap(
      ([, p]) => p.Properties.PolicyDocument.Statement,
    );
    expect(JSON.stringify(grants)).toContain('secret:lw/webhook-signed-??????');
    expect(() => synthStack({ webhookRules: 'expiring,expird' })).toThrow(/unknown rule "expird"/);
  }, 180_000);

  it("leases deliveries for longer than the function's timeout", () => {
    const timeoutMs = alertsFunction(s).Timeout * 1000;
    expect(timeoutMs).toBeGreaterThanOrEqual(120_000);
    expect(DEFAULTS.alertLeaseMs).toBeGreaterThan(timeoutMs);
  });
});
