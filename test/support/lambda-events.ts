// Lambda event and context fixtures shaped exactly as AWS delivers them (SQS, EventBridge schedule, HTTP API v2).
import { createHash, randomUUID } from 'node:crypto';
import type { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEventV2, Context, ScheduledEvent, SQSEvent, SQSRecord } from 'aws-lambda';

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';

export function lambdaContext(functionName: string): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `2026/01/01/[$LATEST]${randomUUID().replaceAll('-', '')}`,
    getRemainingTimeInMillis: () => 60_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

export function scheduledEvent(rule: string): ScheduledEvent {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: ACCOUNT,
    time: new Date().toISOString(),
    region: REGION,
    resources: [`arn:aws:events:${REGION}:${ACCOUNT}:rule/${rule}`],
    detail: {},
  };
}

export function sqsRecord(body: string, receiveCount = 1): SQSRecord {
  const sent = String(Date.now());
  return {
    messageId: randomUUID(),
    receiptHandle: `AQEB${Buffer.from(randomUUID()).toString('base64')}`,
    body,
    attributes: {
      ApproximateReceiveCount: String(receiveCount),
      SentTimestamp: sent,
      SenderId: `AROAEXAMPLE:LicenseWatch-SyncPlan`,
      ApproximateFirstReceiveTimestamp: sent,
    },
    messageAttributes: {},
    md5OfBody: createHash('md5').update(body).digest('hex'),
    eventSource: 'aws:sqs',
    eventSourceARN: `arn:aws:sqs:${REGION}:${ACCOUNT}:LicenseWatch-SyncWork`,
    awsRegion: REGION,
  };
}

export const sqsEvent = (records: SQSRecord[]): SQSEvent => ({ Records: records });

/** An HTTP API (payload 2.0) request as API Gateway sends it for the `ANY /{proxy+}` route with IAM auth. */
export function httpApiEvent(
  method: string,
  pathAndQuery: string,
  options: { body?: string; headers?: Record<string, string> } = {},
): APIGatewayProxyEventV2 {
  const [rawPath = '/', rawQueryString = ''] = pathAndQuery.split('?');
  const query = new URLSearchParams(rawQueryString);
  const host = 'a1b2c3d4e5.execute-api.us-east-1.amazonaws.com';
  const now = new Date();
  return {
    version: '2.0',
    routeKey: rawPath === '/' ? 'ANY /' : 'ANY /{proxy+}',
    rawPath,
    rawQueryString,
    headers: {
      accept: 'application/json',
      'content-length': String(options.body ? Buffer.byteLength(options.body) : 0),
      host,
      'user-agent': 'awscurl/0.36',
      'x-amz-date': now
        .toISOString()
        .replace(/[-:]/g, '')
        .replace(/\.\d{3}/, ''),
      'x-amzn-trace-id': `Root=1-${Math.floor(now.getTime() / 1000).toString(16)}-${randomUUID().replaceAll('-', '').slice(0, 24)}`,
      'x-forwarded-for': '203.0.113.7',
      'x-forwarded-port': '443',
      'x-forwarded-proto': 'https',
      ...(options.body ? { 'content-type': 'application/json' } : {}),
      ...options.headers,
    },
    ...(rawQueryString ? { queryStringParameters: Object.fromEntries(query) } : {}),
    ...(rawPath === '/' ? {} : { pathParameters: { proxy: rawPath.slice(1) } }),
    requestContext: {
      accountId: ACCOUNT,
      apiId: 'a1b2c3d4e5',
      domainName: host,
      domainPrefix: 'a1b2c3d4e5',
      http: {
        method,
        path: rawPath,
        protocol: 'HTTP/1.1',
        sourceIp: '203.0.113.7',
        userAgent: 'awscurl/0.36',
      },
      requestId: `${randomUUID().slice(0, 8)}=`,
      routeKey: rawPath === '/' ? 'ANY /' : 'ANY /{proxy+}',
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
      // @types/aws-lambda's plain V2 event has no authorizer field; IAM-authorized requests carry this one.
      ...({
        authorizer: {
          iam: {
            accessKey: 'AKIAEXAMPLE',
            accountId: ACCOUNT,
            callerId: 'AIDAEXAMPLE',
            cognitoIdentity: null,
            principalOrgId: null,
            userArn: `arn:aws:iam::${ACCOUNT}:user/partner-ops`,
            userId: 'AIDAEXAMPLE',
          },
        },
      } as object),
    },
    ...(options.body !== undefined ? { body: options.body } : {}),
    isBase64Encoded: false,
  };
}

/** SQS at its edge: records each SendMessageBatch entry's body in `sent` and accepts it. */
export function fakeSqs(sent: string[]): SQSClient {
  return {
    async send(command: SendMessageBatchCommand) {
      const entries = command.input.Entries ?? [];
      sent.push(...entries.map((e) => e.MessageBody!));
      return {
        Successful: entries.map((e) => ({ Id: e.Id, MessageId: e.Id, MD5OfMessageBody: '' })),
        Failed: [],
      };
    },
  } as unknown as SQSClient;
}
