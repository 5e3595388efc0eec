// The secret holding a credential (the Partner API token, the webhook URL): an existing one by name, or an empty one.
import { Stack, Validations } from 'aws-cdk-lib';
import { type IGrantable, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { type CfnSecret, type ISecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

export interface StoredSecretProps {
  /** Name of a secret that already exists; when empty, the stack creates one with no value. */
  existingName: string;
  description: string;
}

export class StoredSecret extends Construct {
  readonly secret: ISecret;
  /** What the functions pass to GetSecretValue: the ARN of a created secret, or the name of an existing one. */
  readonly secretId: string;
  /** True when the stack created the secret, which then still needs its value. */
  readonly created: boolean;

  constructor(scope: Construct, id: string, props: StoredSecretProps) {
    super(scope, id);
    this.created = !props.existingName;
    if (props.existingName) {
      this.secret = Secret.fromSecretNameV2(this, 'Existing', props.existingName);
      this.secretId = props.existingName;
      return;
    }
    const secret = new Secret(this, 'Secret', { description: props.description });
    // No SecretString and no GenerateSecretString: CloudFormation creates the secret empty, so no value (not even a
    // generated one) passes through the template; the operator sets the real one after deploy.
    (secret.node.defaultChild as CfnSecret).addPropertyDeletionOverride('GenerateSecretString');
    Validations.of(secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The value is a credential issued by a third party (Celigo integrator.io, or the chat tool issuing the webhook); ' +
        'a rotation Lambda cannot mint a new one. It is rotated there and stored with put-secret-value.',
    });
    this.secret = secret;
    this.secretId = secret.secretArn;
  }

  /** GetSecretValue only (grantRead would add DescribeSecret, which the functions never call). */
  grantRead(grantee: IGrantable & Construct): void {
    const resource = this.created ? this.secret.secretArn : this.importedArnPattern();
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [resource] }),
    );
    if (!this.created) {
      Validations.of(grantee).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${this.importedArnPattern(true)}]`,
        reason:
          'A secret referenced by name has an ARN ending in a random 6-character suffix the stack cannot know; ' +
          '"-??????" matches exactly that suffix of this one secret name.',
      });
    }
  }

  /** `arn:...:secret:<name>-??????`, as IAM needs for a secret known by name; `nag` renders it as cdk-nag prints it. */
  private importedArnPattern(nag = false): string {
    const name = this.secretId;
    if (nag)
      return `arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:${name}-??????`;
    const stack = Stack.of(this);
    return `arn:${stack.partition}:secretsmanager:${stack.region}:${stack.account}:secret:${name}-??????`;
  }
}
