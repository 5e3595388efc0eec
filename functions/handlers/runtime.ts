// Default wiring for the Lambda handlers: config, AWS clients and secrets, each built on first use and then reused.

import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import type { ApiStore } from '#api/deps';
import { createPartnerApi, type PartnerApi } from '#celigo/client';
import type { Config } from '#functions/config';
import type { PlanStore } from '#ledger/plan';
import {
  alertDeliveryFacet,
  alertLogFacet,
  connectorFacet,
  DATA_STEPS,
  installFacet,
  installWalkFacet,
  licenseFacet,
  portfolioFacet,
  pushFacet,
  pushFeedFacet,
  runFacet,
  SINK_STEPS,
  type Site,
  schemaFacet,
  site,
  walkFacet,
} from '#ledger/store/dynamo/index';
import type { AlertDelivery, SchemaStore } from '#ledger/store/port';
import type { SyncDeps } from '#ledger/sync';
import type { WatchStore } from '#watch/rules';

/** Reads a secret's string value: the edge tests stub. */
export type ReadSecret = (secretId: string) => Promise<string>;

/** Seconds a secret stays cached in a warm container: a rotated token is picked up within this. */
export const SECRET_MAX_AGE_SECONDS = 300;

export class MissingSecretError extends Error {
  readonly code = 'missing_secret';
}

/** Secrets Manager through Powertools Parameters (cached). The value never reaches a log or an error message. */
export const readSecret: ReadSecret = async (secretId) => {
  let value: unknown;
  try {
    value = await getSecret(secretId, { maxAge: SECRET_MAX_AGE_SECONDS });
  } catch (error) {
    // A secret created by the stack has no value until someone sets it.
    throw new MissingSecretError(
      `cannot read secret ${secretId} (${(error as Error).name}); if it has no value yet: ` +
        `aws secretsmanager put-secret-value --secret-id ${secretId} --secret-string <value>`,
      { cause: error },
    );
  }
  const text = typeof value === 'string' ? value.trim() : '';
  if (!text)
    throw new MissingSecretError(`secret ${secretId} is empty or binary; store the value as a string`);
  return text;
};

/** Builds on first call and keeps the result; a failed build is retried on the next call. */
export function lazy<T>(build: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    pending ??= build().catch((error) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
}

/**
 * A handler whose dependencies are built from the environment on its first invocation, not at import time:
 * importing a handler module (in a test, or by the bundler) needs no environment at all.
 */
export function lazyHandler<E, R>(build: () => (event: E, context: Context) => Promise<R>) {
  let handler: ((event: E, context: Context) => Promise<R>) | undefined;
  return (event: E, context: Context): Promise<R> => {
    handler ??= build();
    return handler(event, context);
  };
}

function siteFor(config: Config, options: { metaCacheMs?: number } = {}): Site {
  const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
    marshallOptions: { removeUndefinedValues: true },
  });
  return site(doc, config.tableName, options);
}

/*
 * Each handler's store holds only the facets it calls: its bundle keeps only their DynamoDB commands, and the
 * stack grants its role only those (test/infra/bundles.test.ts holds the two equal).
 */

export function planStoreFor(config: Config): PlanStore & SchemaStore {
  const s = siteFor(config);
  return { now: s.now, ...connectorFacet(s), ...runFacet(s), ...schemaFacet(s, DATA_STEPS) };
}

export function workerStoreFor(config: Config): SyncDeps['ledger'] {
  const s = siteFor(config);
  return { now: s.now, ...walkFacet(s), ...licenseFacet(s), ...installWalkFacet(s), ...runFacet(s) };
}

export function alertsStoreFor(config: Config): WatchStore & AlertDelivery & SchemaStore {
  // An evaluation reads each connector's META once per rule page, for lastSeenAt, which no alert carries.
  const s = siteFor(config, { metaCacheMs: 60_000 });
  return {
    now: s.now,
    ...connectorFacet(s),
    ...licenseFacet(s),
    ...pushFeedFacet(s),
    ...alertDeliveryFacet(s),
    ...schemaFacet(s, SINK_STEPS),
  };
}

export function apiStoreFor(config: Config): ApiStore {
  // The api reads connector META on every license view; a few seconds of reuse is invisible to callers.
  const s = siteFor(config, { metaCacheMs: 5_000 });
  return {
    now: s.now,
    ...connectorFacet(s),
    ...licenseFacet(s),
    ...portfolioFacet(s),
    ...installFacet(s),
    ...pushFacet(s),
    ...runFacet(s),
    ...alertLogFacet(s),
  };
}

/** The client of one partner account, by name; a name not configured has none. */
export type PartnerApiOf = (account?: string) => Promise<PartnerApi>;

/**
 * Each partner account's client for its current token, with its own rate budget (each account has its own limit).
 * The token comes from the account's secret (cached for SECRET_MAX_AGE_SECONDS), so a rotated token replaces the
 * client without a cold start.
 */
export function partnerApiFor(config: Config, read: ReadSecret = readSecret): PartnerApiOf {
  const { accounts, concurrency, requestsPerSecond } = config.partnerApi;
  const current = new Map<string, { token: string; api: PartnerApi }>();
  return async (name) => {
    // A name not configured has no client: never another account's token (functions/app/accounts.ts says which
    // account a write is of). Only a caller naming none (a message queued before accounts existed) gets the first.
    const account = name === undefined ? accounts[0] : accounts.find((a) => a.name === name);
    if (!account) throw new MissingSecretError(`no partner account named ${name} is configured`);
    const token = account.tokenSecretId ? await read(account.tokenSecretId) : account.token;
    if (!token)
      throw new MissingSecretError(
        'no Partner API token: set CELIGO_TOKEN_SECRET_ARN (or CELIGO_API_TOKEN locally)',
      );
    const held = current.get(account.name);
    if (held?.token === token) return held.api;
    const api = createPartnerApi({ apiUrl: account.apiUrl, token, concurrency, requestsPerSecond });
    current.set(account.name, { token, api });
    return api;
  };
}

/** A setting a handler cannot run without; named in the error, so a wrong deployment says what is missing. */
export function required(value: string | undefined, name: string): string {
  if (!value) throw new Error(`${name} is not set`);
  return value;
}
