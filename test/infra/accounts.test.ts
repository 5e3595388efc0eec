// Several partner accounts in AWS: CDK context `accounts`, one token secret per account (created empty unless named),
// each function reading only the secrets it needs, the accounts in the functions' environment (ids, never tokens),
// and today's single-account settings unchanged without it.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '#functions/config';
import { SettingsError } from '../../infra/settings.ts';
import { actionsOf, grantsOf, logicalId, resources, synthStack } from '../support/synth.ts';

const TOKEN_CANARY = 'canary-token-of-an-account-that-must-never-reach-a-template';
const ACCOUNTS = [
  { name: 'us', partnerApi: 'us' },
  { name: 'eu', partnerApi: 'eu', tokenSecretName: 'celigo/eu-token' },
];

const synth = (accounts: unknown) => {
  process.env.CELIGO_API_TOKEN = TOKEN_CANARY;
  return synthStack({ accounts: typeof accounts === 'string' ? accounts : JSON.stringify(accounts) })
    .template;
};
const fn = (t: ReturnType<typeof synth>, prefix: string) => logicalId(t, 'AWS::Lambda::Function', prefix);
const env = (t: ReturnType<typeof synth>, prefix: string) =>
  t.toJSON().Resources[fn(t, prefix)].Properties.Environment.Variables;

describe('CDK context accounts', () => {
  const t = synth(ACCOUNTS);

  it('creates one empty secret per account without a name, and uses the named ones; no token in the template', () => {
    const secrets = resources(t, 'AWS::SecretsManager::Secret');
    expect(secrets.map(([id]) => id)).toEqual([expect.stringMatching(/^PartnerApiTokenus/)]);
    expect(secrets[0]![1].Properties.SecretString).toBeUndefined();
    expect(secrets[0]![1].Properties.GenerateSecretString).toBeUndefined();
    expect(JSON.stringify(t.toJSON())).not.toContain(TOKEN_CANARY);
    const outputs = t.toJSON().Outputs;
    expect(Object.keys(outputs)).toEqual(
      expect.arrayContaining(['PartnerApiTokenSecretUs', 'SetPartnerApiTokenUs', 'PartnerApiTokenSecretEu']),
    );
    expect(outputs.SetPartnerApiTokenEu).toBeUndefined();
    expect(outputs.PartnerApiTokenSecretEu.Value).toBe('celigo/eu-token');
  });

  it('tells plan, worker and api where each account is (secret ids only), and they parse it', () => {
    for (const prefix of ['SyncPlanFunction', 'SyncWorkerFunction', 'ApiHandlerFunction']) {
      const vars = env(t, prefix);
      expect(vars.CELIGO_TOKEN_SECRET_ARN).toBeUndefined();
      expect(vars.CELIGO_API_URL).toBeUndefined();
      const text = JSON.stringify(vars.LICENSEWATCH_ACCOUNTS);
      for (const part of [
        'us',
        'eu',
        'https://api.integrator.io/v1',
        'https://api.eu.integrator.io/v1',
        'celigo/eu-token',
      ])
        expect(text).toContain(part);
    }
    expect(env(t, 'AlertingEvaluateFunction').LICENSEWATCH_ACCOUNTS).toBeUndefined();
    // What the stack writes is what the functions read (the created secret's ARN stands in as a string here).
    const config = loadConfig({
      TABLE_NAME: 't',
      LICENSEWATCH_ACCOUNTS: JSON.stringify([
        { name: 'us', apiUrl: 'https://api.integrator.io/v1', tokenSecretId: 'arn:aws:secretsmanager:x' },
        { name: 'eu', apiUrl: 'https://api.eu.integrator.io/v1', tokenSecretId: 'celigo/eu-token' },
      ]),
    });
    expect(config.partnerApi.accounts.map((a) => a.name)).toEqual(['us', 'eu']);
  });

  it('lets each function read only the token secrets it needs: every account for plan, worker, api; none for alerts', () => {
    const secretId = logicalId(t, 'AWS::SecretsManager::Secret', 'PartnerApiTokenus');
    for (const prefix of ['SyncPlanFunction', 'SyncWorkerFunction', 'ApiHandlerFunction']) {
      const reads = grantsOf(t, fn(t, prefix)).filter((g) =>
        g.actions.includes('secretsmanager:GetSecretValue'),
      );
      expect(new Set(reads.flatMap((g) => g.actions))).toEqual(new Set(['secretsmanager:GetSecretValue']));
      expect(reads.flatMap((g) => g.resources)).toHaveLength(2);
      const text = JSON.stringify(reads.map((g) => g.resources));
      expect(text).toContain(secretId);
      expect(text).toContain(':secret:celigo/eu-token-??????');
    }
    expect(actionsOf(grantsOf(t, fn(t, 'AlertingEvaluateFunction')))).not.toContain(
      'secretsmanager:GetSecretValue',
    );
  });

  it('keeps the single-account secret (same logical id) for an account named default', () => {
    const single = synthStack({}).template;
    const [before] = resources(single, 'AWS::SecretsManager::Secret').map(([id]) => id);
    const listed = synth([
      { name: 'default', partnerApi: 'us' },
      { name: 'eu', partnerApi: 'eu' },
    ]);
    expect(resources(listed, 'AWS::SecretsManager::Secret').map(([id]) => id)).toContain(before);
  });

  it('refuses bad accounts at synth, naming the key', () => {
    const bad = (accounts: unknown) => () => synth(accounts);
    expect(
      bad([
        { name: 'us', partnerApi: 'us' },
        { name: 'us', partnerApi: 'eu' },
      ]),
    ).toThrow(/unique/);
    expect(bad([{ name: 'u s', partnerApi: 'us' }])).toThrow(/accounts\.0\.name/);
    expect(bad([{ name: 'us', partnerApi: 'mars' }])).toThrow(/accounts\.0\.partnerApi/);
    expect(bad([{ name: 'us' }])).toThrow(SettingsError);
    expect(bad('not json')).toThrow(/accounts/);
    expect(() =>
      synthStack({ accounts: JSON.stringify(ACCOUNTS), tokenSecretName: 'celigo/partner-token' }),
    ).toThrow(/tokenSecretName/);
  });
});
