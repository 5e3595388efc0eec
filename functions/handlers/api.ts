// Lambda entry (API Gateway HTTP API, payload 2.0): the same Hono app `licensewatch serve` runs.
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { handle, type LambdaEvent } from 'hono/aws-lambda';
import { createApp } from '#api/app';
import type { ApiStore } from '#api/deps';
import { type Config, loadConfig } from '#functions/config';
import { instrument, logger } from './powertools.ts';
import { apiStoreFor, lazyHandler, type PartnerApiOf, partnerApiFor } from './runtime.ts';

export interface ApiDeps {
  ledger: ApiStore;
  /** Called only by routes that reach the Partner API (with the connector's account), so reads need no token. */
  api: PartnerApiOf;
  config: Config;
}

export const makeHandler = (deps: ApiDeps) => {
  const app = createApp({
    ledger: deps.ledger,
    partnerApi: deps.api,
    accounts: deps.config.partnerApi.accounts.map((a) => a.name),
    config: { expiringDays: deps.config.watch.expiringDays },
    // The app's request and error lines, as JSON with the Lambda context.
    log: (line) => (line.startsWith('error ') ? logger.error(line) : logger.info(line)),
  });
  const serve = handle(app);
  // The stack wires payload format 2.0. Hono declares its own event types, stricter than what API Gateway sends
  // (`body` absent rather than null on a GET, `authorizer` absent without one); it reads both alike.
  return instrument('api', (event: APIGatewayProxyEventV2, context) =>
    serve(event as unknown as LambdaEvent, context),
  );
};

export const handler = lazyHandler(() => {
  const config = loadConfig();
  return makeHandler({ ledger: apiStoreFor(config), api: partnerApiFor(config), config });
});
