// The HTTP API: API Gateway (HTTP API, payload 2.0) in front of the api function; every route needs SigV4 (or a JWT
// with the route's read or write scope).
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  HttpApi,
  type HttpMethod,
  HttpRoute,
  HttpRouteKey,
  HttpStage,
  type IHttpRouteAuthorizer,
  LogGroupLogDestination,
  PayloadFormatVersion,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer, HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { appRoutes, WRITE_METHODS } from '../api-routes.ts';
import type { Settings } from '../settings.ts';
import { HandlerFunction } from './handler-function.ts';
import type { LedgerTable } from './ledger-table.ts';
import type { PartnerAccounts } from './partner-accounts.ts';

export interface HttpApiEndpointProps {
  ledger: LedgerTable;
  /** The partner accounts: where each one's API and token secret are. */
  partners: PartnerAccounts;
  settings: Settings;
  logRetention: RetentionDays;
}

/** One access log line per request, JSON, without query strings or headers (they may carry ids or tokens). */
const ACCESS_LOG_FIELDS = {
  requestId: '$context.requestId',
  time: '$context.requestTime',
  method: '$context.httpMethod',
  path: '$context.path',
  routeKey: '$context.routeKey',
  status: '$context.status',
  latencyMs: '$context.responseLatency',
  integrationLatencyMs: '$context.integrationLatency',
  integrationError: '$context.integrationErrorMessage',
  authError: '$context.authorizer.error',
  caller: '$context.identity.userArn',
  sourceIp: '$context.identity.sourceIp',
};

export class HttpApiEndpoint extends Construct {
  readonly api: HttpApi;
  readonly stage: HttpStage;
  readonly handler: HandlerFunction;
  readonly url: string;

  constructor(
    scope: Construct,
    id: string,
    { ledger, partners, settings, logRetention }: HttpApiEndpointProps,
  ) {
    super(scope, id);
    this.handler = new HandlerFunction(this, 'Handler', {
      handler: 'api',
      description: 'the licensewatch HTTP API (Hono app)',
      memorySize: 512,
      // Under API Gateway's 30 s integration limit, so a slow upstream answers our 5xx and not a gateway timeout.
      timeout: Duration.seconds(25),
      logRetention,
      reservedConcurrency: settings.apiReservedConcurrency,
      environment: {
        TABLE_NAME: ledger.table.tableName,
        ...partners.environment(),
        EXPIRING_DAYS: String(settings.expiringDays),
        EXPIRED_WITHIN_DAYS: String(settings.expiredWithinDays),
        NOT_INSTALLED_DAYS: String(settings.notInstalledDays),
        ALERT_THRESHOLDS: settings.alertThresholds,
        TRIAL_THRESHOLDS: settings.trialThresholds,
        PARTNER_API_RPS: String(Math.max(1, Math.floor(settings.partnerApiRps / settings.workerConcurrency))),
      },
    });
    // Reads by key and index (installed versions of a page of licenses in batches); POST/PUT re-snapshot the license
    // they changed upstream; a push is recorded with its connector's list of open pushes.
    // Reads by key (one, or in batches: the deleted report) and index; POST/PUT re-snapshot the license they changed.
    // ConditionCheckItem: the license writes' module also holds a walk's lease check (the API's writes send none).
    ledger.grant(this.handler.fn, [
      'dynamodb:GetItem',
      'dynamodb:BatchGetItem',
      'dynamodb:Query',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:ConditionCheckItem',
    ]);
    partners.grantRead(this.handler.fn);

    const authorizer: IHttpRouteAuthorizer =
      settings.apiAuth === 'jwt'
        ? new HttpJwtAuthorizer('Jwt', settings.jwtIssuer, { jwtAudience: settings.jwtAudience })
        : new HttpIamAuthorizer();
    this.api = new HttpApi(this, 'HttpApi', {
      apiName: 'licensewatch',
      description: 'licensewatch: connector licenses, history, reports and alerts',
      defaultAuthorizer: authorizer,
      createDefaultStage: false,
    });
    const accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stage = new HttpStage(this, 'Stage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: settings.apiRateLimit, burstLimit: settings.apiBurstLimit },
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
      },
    });

    // One route per method and path the app serves (read from the app, so a new app route reaches the gateway with
    // no change here), each with its own authorization; `$default` sends every other request to the app too, so
    // unknown paths and methods still get the app's 404/405 error body. One permission covers every route.
    const integration = new HttpLambdaIntegration('App', this.handler.fn, {
      payloadFormatVersion: PayloadFormatVersion.VERSION_2_0,
      scopePermissionToRoute: false,
    });
    const scopes = (write: boolean) =>
      settings.apiAuth === 'jwt' ? [write ? settings.jwtWriteScope : settings.jwtReadScope] : undefined;
    for (const route of appRoutes()) {
      this.api.addRoutes({
        path: route.path,
        methods: [route.method as HttpMethod],
        integration,
        authorizationScopes: scopes(WRITE_METHODS.has(route.method)),
      });
    }
    // `$default` could carry any method, writes included, so under JWT it asks for the write scope: a read-only
    // token gets the gateway's 403 for an unknown path or method instead of the app's 404/405.
    new HttpRoute(this, 'DefaultRoute', {
      httpApi: this.api,
      routeKey: HttpRouteKey.DEFAULT,
      integration,
      authorizer,
      authorizationScopes: scopes(true),
    });
    this.url = this.stage.url;
  }
}
