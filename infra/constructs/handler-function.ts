// One Lambda function as every handler gets it: bundled ESM on arm64, its own role and log group, Powertools settings.
import { type Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { HANDLER_ENTRIES, type HandlerName, LAMBDA_RUNTIME, nodejsBundling, REPO_ROOT } from '../bundling.ts';

export interface HandlerFunctionProps {
  handler: HandlerName;
  description: string;
  memorySize: number;
  timeout: Duration;
  environment: Record<string, string>;
  logRetention: RetentionDays;
  /** Concurrent executions reserved (and capped) for this function; undefined: none. */
  reservedConcurrency?: number;
}

export class HandlerFunction extends Construct {
  readonly fn: NodejsFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: HandlerFunctionProps) {
    super(scope, id);
    this.logGroup = new LogGroup(this, 'Logs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // A role of its own, with no managed policy: each grant below is one this function uses.
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `licensewatch ${props.handler}: ${props.description}`,
    });
    this.logGroup.grantWrite(this.role);
    this.fn = new NodejsFunction(this, 'Function', {
      entry: `${REPO_ROOT}/${HANDLER_ENTRIES[props.handler]}`,
      handler: 'handler',
      projectRoot: REPO_ROOT,
      depsLockFilePath: `${REPO_ROOT}/package-lock.json`,
      runtime: LAMBDA_RUNTIME,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize,
      timeout: props.timeout,
      reservedConcurrentExecutions: props.reservedConcurrency,
      description: props.description,
      role: this.role,
      logGroup: this.logGroup,
      bundling: nodejsBundling,
      environment: {
        POWERTOOLS_SERVICE_NAME: 'licensewatch',
        POWERTOOLS_METRICS_NAMESPACE: 'LicenseWatch',
        POWERTOOLS_LOG_LEVEL: 'INFO',
        ...props.environment,
      },
    });
  }
}
