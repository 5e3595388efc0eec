// The partner accounts a deployment watches: one token secret each, and the environment that tells the functions
// where each account's API and token are. One account configured the old way keeps its secret and variables.
import { CfnOutput, Stack } from 'aws-cdk-lib';
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import type { Settings } from '../settings.ts';
import { StoredSecret } from './stored-secret.ts';

interface AccountSecret {
  name: string;
  apiUrl: string;
  secret: StoredSecret;
}

/** The construct id of an account's secret: `default` keeps the single-account secret's, so that one survives. */
const secretId = (name: string) => (name === 'default' ? 'PartnerApiToken' : `PartnerApiToken-${name}`);
/** Output ids are alphanumeric: `eu-west` -> `EuWest`. */
export const outputSuffix = (name: string) =>
  name
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');

export class PartnerAccounts {
  readonly accounts: AccountSecret[];
  /** `accounts` was set in the CDK context: the functions read LICENSEWATCH_ACCOUNTS. */
  readonly listed: boolean;

  /** Secrets are created in the stack's own scope, where the single-account secret always was (same logical id). */
  constructor(
    private readonly scope: Construct,
    settings: Settings,
  ) {
    this.listed = settings.accounts !== undefined;
    const accounts = settings.accounts ?? [
      { name: 'default', partnerApiUrl: settings.partnerApiUrl, tokenSecretName: settings.tokenSecretName },
    ];
    this.accounts = accounts.map((a) => ({
      name: a.name,
      apiUrl: a.partnerApiUrl,
      secret: new StoredSecret(scope, secretId(a.name), {
        existingName: a.tokenSecretName,
        description: this.listed
          ? `licensewatch: Celigo Partner API token of account ${a.name} (set its value after the first deploy)`
          : 'licensewatch: Celigo Partner API token (set its value after the first deploy)',
      }),
    }));
  }

  /** Where each account's API and token are: secret ids only, never a token. */
  environment(): Record<string, string> {
    if (!this.listed) {
      const [only] = this.accounts;
      return { CELIGO_API_URL: only!.apiUrl, CELIGO_TOKEN_SECRET_ARN: only!.secret.secretId };
    }
    const list = this.accounts.map((a) => ({
      name: a.name,
      apiUrl: a.apiUrl,
      tokenSecretId: a.secret.secretId,
    }));
    return { LICENSEWATCH_ACCOUNTS: Stack.of(this.scope).toJsonString(list) };
  }

  /** GetSecretValue on every account's token secret: the planner, the workers and the api call every account. */
  grantRead(grantee: IGrantable & Construct): void {
    for (const a of this.accounts) a.secret.grantRead(grantee);
  }

  /** Each secret's id, and for one the stack created, the command that stores its token. */
  outputs(): void {
    for (const a of this.accounts) {
      const suffix = this.listed ? outputSuffix(a.name) : '';
      new CfnOutput(this.scope, `PartnerApiTokenSecret${suffix}`, {
        value: a.secret.secretId,
        ...(this.listed ? { description: `Partner API token of account ${a.name}` } : {}),
      });
      if (a.secret.created) {
        new CfnOutput(this.scope, `SetPartnerApiToken${suffix}`, {
          description: `The token secret${this.listed ? ` of account ${a.name}` : ''} was created empty: run this once with your Celigo API token`,
          value: `aws secretsmanager put-secret-value --secret-id ${a.secret.secretId} --secret-string "$CELIGO_API_TOKEN"`,
        });
      }
    }
  }
}
