// Partner API client on ky: the license/connector endpoints, the install base and update pushes, Link paging, Retry-After, rate limit, typed errors.
import { createHash } from 'node:crypto';
import ky, { HTTPError, type KyInstance, TimeoutError } from 'ky';
import pLimit from 'p-limit';
import pThrottle from 'p-throttle';
import type { z } from 'zod';
import { apiUrlOf } from '#functions/config';
import { codeForStatus, PartnerApiError } from './errors.ts';
import { nextLink } from './link.ts';
import {
  type Connector,
  type CreateLicense,
  connectorSchema,
  type License,
  licenseSchema,
  type UpdateLicense,
} from './schemas.ts';

/** Resolves `us`, `eu` or any http(s) URL to a base URL without a trailing slash. */
export function resolveApiUrl(urlOrRegion: string): string {
  const url = apiUrlOf(urlOrRegion);
  if (!url)
    throw new PartnerApiError(
      'bad_api_url',
      `not a URL or region: ${urlOrRegion} (expected us, eu or an http(s) URL)`,
    );
  return url;
}

export interface PartnerApiOptions {
  /** Base URL (`https://api.integrator.io/v1`) or region `us` / `eu`. */
  apiUrl: string;
  token: string;
  /** Per-attempt timeout in ms (default 30 s). */
  timeoutMs?: number;
  /** Retries after the first attempt for 429, 5xx, network errors and unreadable bodies (default 4). */
  retries?: number;
  /** Longest Retry-After we accept, in ms, before giving up (default 120 s). */
  maxRetryAfterMs?: number;
  /** Requests in flight at once (default 16). */
  concurrency?: number;
  /** Request starts per second, kept under the account's 300/s bucket refill (default 100). */
  requestsPerSecond?: number;
  /** Base backoff in ms for retries without Retry-After (default 300). */
  backoffMs?: number;
  /** Records per page to ask for (`limit`, at most 1000); unset, the API's default applies. */
  pageSize?: number;
  fetch?: typeof fetch;
  /** Called before each retry, e.g. for a progress line; never receives the token. */
  onRetry?: (info: { request: string; attempt: number; reason: string }) => void;
}

/**
 * One page of a listing: the records as sent, its position, and a digest of the body as sent (equal digests,
 * equal pages: a sync skips a page it has seen). The body text itself is dropped once parsed and digested.
 */
export interface RawPage {
  index: number;
  records: unknown[];
  digest: string;
}

export interface PartnerApi {
  readonly baseUrl: string;
  connectorPages(): AsyncGenerator<RawPage>;
  licensePages(connectorId: string): AsyncGenerator<RawPage>;
  /** Where the connector is installed: one record per integration (shape unconfirmed: records kept as sent). */
  installBasePages(connectorId: string): AsyncGenerator<RawPage>;
  /** Asks for an update of these integrations; it runs later, seen in the install base (updateInProgress, version). */
  pushUpdate(connectorId: string, integrationIds: string[]): Promise<void>;
  getConnector(connectorId: string): Promise<Connector>;
  getLicense(connectorId: string, licenseId: string): Promise<License>;
  createLicense(connectorId: string, body: CreateLicense): Promise<License>;
  updateLicense(connectorId: string, licenseId: string, body: UpdateLicense): Promise<License>;
  deleteLicense(connectorId: string, licenseId: string): Promise<void>;
  /** Requests sent so far (each retry counts). */
  readonly requestCount: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function createPartnerApi(options: PartnerApiOptions): PartnerApi {
  const baseUrl = resolveApiUrl(options.apiUrl);
  const origin = new URL(baseUrl).origin;
  const retries = options.retries ?? 4;
  const backoffMs = options.backoffMs ?? 300;
  const limit = pLimit(options.concurrency ?? 16);
  const rps = options.requestsPerSecond ?? 100;
  // Windows of 100 ms keep bursts small while allowing `rps` starts per second.
  const rateGate = pThrottle({ limit: Math.max(1, Math.round(rps / 10)), interval: 100 })(() => undefined);
  let requestCount = 0;

  const http: KyInstance = ky.create({
    timeout: options.timeoutMs ?? 30_000,
    throwHttpErrors: true,
    fetch: options.fetch,
    headers: { authorization: `Bearer ${options.token}`, accept: 'application/json' },
    retry: {
      limit: retries,
      methods: ['get', 'put', 'delete', 'head'],
      statusCodes: [408, 429, 500, 502, 503, 504],
      afterStatusCodes: [429, 503],
      maxRetryAfter: options.maxRetryAfterMs ?? 120_000,
      backoffLimit: 10_000,
      delay: (attempt) => backoffMs * 2 ** (attempt - 1),
      jitter: (delay) => delay * (0.8 + Math.random() * 0.4),
      retryOnTimeout: true,
    },
    hooks: {
      beforeRequest: [
        async () => {
          await rateGate();
          requestCount++;
        },
      ],
      beforeRetry: [
        ({ request, error, retryCount }) => {
          options.onRetry?.({
            request: describe(request.method, request.url),
            attempt: retryCount,
            reason: reasonOf(error),
          });
        },
      ],
    },
  });

  const url = (path: string) => `${baseUrl}/${path}`;

  /** Sends one request and reads its body as text, retrying bodies cut off mid-stream (idempotent methods only). */
  async function send(
    method: string,
    target: string,
    json?: unknown,
  ): Promise<{ status: number; text: string; link: string | null }> {
    const label = describe(method, target);
    const idempotent = method !== 'POST';
    for (let attempt = 0; ; attempt++) {
      try {
        const response = await http(target, { method, json });
        const text = response.status === 204 ? '' : await response.text();
        return { status: response.status, text, link: response.headers.get('link') };
      } catch (error) {
        const failure = await toPartnerApiError(error, label, options.token);
        const bodyCut = failure.code === 'unreachable' && failure.status === undefined && isBodyAbort(error);
        if (idempotent && bodyCut && attempt < retries) {
          await sleep(backoffMs * 2 ** attempt);
          continue;
        }
        throw failure;
      }
    }
  }

  /** Parses a JSON body; an unreadable one is retried by the caller's loop, then reported as invalid_response. */
  async function sendJson(method: string, target: string, json?: unknown) {
    for (let attempt = 0; ; attempt++) {
      const res = await send(method, target, json);
      if (res.status === 204) return { ...res, data: undefined as unknown };
      try {
        return { ...res, data: JSON.parse(res.text) as unknown };
      } catch {
        if (method !== 'POST' && attempt < retries) {
          await sleep(backoffMs * 2 ** attempt);
          continue;
        }
        throw new PartnerApiError(
          'invalid_response',
          `${describe(method, target)} answered ${res.status} with a body that is not JSON (${snippet(res.text)})`,
          res.status,
          describe(method, target),
        );
      }
    }
  }

  async function* pages(path: string): AsyncGenerator<RawPage> {
    let target: string | undefined = options.pageSize ? `${url(path)}?limit=${options.pageSize}` : url(path);
    for (let index = 0; target; index++) {
      const current: string = target;
      const res = await limit(() => sendJson('GET', current));
      if (res.data !== undefined && !Array.isArray(res.data)) {
        throw new PartnerApiError(
          'invalid_response',
          `${describe('GET', current)} answered a ${typeof res.data} where a list was expected`,
          res.status,
          describe('GET', current),
        );
      }
      yield { index, records: (res.data as unknown[] | undefined) ?? [], digest: bodyDigest(res.text) };
      target = nextLink(res.link, current);
      if (target && new URL(target).origin !== origin) {
        // Never send the bearer token to a host other than the configured one.
        throw new PartnerApiError(
          'invalid_response',
          `refusing to follow a next link to another host: ${new URL(target).origin}`,
        );
      }
    }
  }

  async function one<T>(schema: z.ZodType<T>, method: string, path: string, json?: unknown): Promise<T> {
    const target = url(path);
    const res = await limit(() => sendJson(method, target, json));
    const parsed = schema.safeParse(res.data);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new PartnerApiError(
        'invalid_response',
        `${describe(method, target)} answered a record that does not match the expected shape (${issue?.path.join('.') || 'body'}: ${issue?.message})`,
        res.status,
        describe(method, target),
      );
    }
    // The record as sent, not zod's copy: key order and every unknown field survive.
    return res.data as T;
  }

  const enc = encodeURIComponent;
  return {
    baseUrl,
    get requestCount() {
      return requestCount;
    },
    connectorPages: () => pages('connectors'),
    licensePages: (cid) => pages(`connectors/${enc(cid)}/licenses`),
    installBasePages: (cid) => pages(`connectors/${enc(cid)}/installBase`),
    pushUpdate: async (cid, integrationIds) => {
      await limit(() =>
        send('PUT', url(`connectors/${enc(cid)}/update`), { _integrationIds: integrationIds }),
      );
    },
    getConnector: (cid) => one(connectorSchema, 'GET', `connectors/${enc(cid)}`),
    getLicense: (cid, lid) => one(licenseSchema, 'GET', `connectors/${enc(cid)}/licenses/${enc(lid)}`),
    createLicense: (cid, body) => one(licenseSchema, 'POST', `connectors/${enc(cid)}/licenses`, body),
    updateLicense: (cid, lid, body) =>
      one(licenseSchema, 'PUT', `connectors/${enc(cid)}/licenses/${enc(lid)}`, body),
    deleteLicense: async (cid, lid) => {
      await limit(() => send('DELETE', url(`connectors/${enc(cid)}/licenses/${enc(lid)}`)));
    },
  };
}

/** Drains a listing into one array: for small listings (connectors) and the CLI's fetch. */
export async function collect(pages: AsyncIterable<RawPage>): Promise<unknown[]> {
  const all: unknown[] = [];
  for await (const page of pages) all.push(...page.records);
  return all;
}

function bodyDigest(text: string): string {
  return createHash('sha256').update(text).digest('base64url').slice(0, 32);
}

function describe(method: string, target: string): string {
  const u = new URL(target);
  return `${method.toUpperCase()} ${u.origin}${u.pathname}${u.search}`;
}

function snippet(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (!flat) return 'empty';
  return flat.length > 60 ? `${flat.slice(0, 60)}...` : flat;
}

function reasonOf(error: unknown): string {
  if (error instanceof HTTPError) return `HTTP ${error.response.status}`;
  if (error instanceof TimeoutError) return 'timeout';
  return networkCause(error) ?? 'network error';
}

function networkCause(error: unknown): string | undefined {
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  const code = cause?.code;
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return 'connection reset';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'host not found';
  if (code) return code;
  return cause?.message;
}

function isBodyAbort(error: unknown): boolean {
  return (
    error instanceof TypeError &&
    /terminated|body|socket/i.test(`${error.message} ${networkCause(error) ?? ''}`)
  );
}

/** Maps ky/fetch failures to PartnerApiError; the token is scrubbed from every message. */
async function toPartnerApiError(error: unknown, label: string, token: string): Promise<PartnerApiError> {
  // Real tokens are long; scrubbing a one-letter test token would only mangle the message.
  const scrub = (s: string) => (token.length >= 6 ? s.split(token).join('***') : s);
  if (error instanceof PartnerApiError) return error;
  if (error instanceof HTTPError) {
    const status = error.response.status;
    let upstream: { code: string; message?: string; field?: string }[] = [];
    let text = '';
    try {
      text = await error.response.text();
      const body = JSON.parse(text) as { errors?: unknown };
      if (Array.isArray(body.errors)) {
        upstream = body.errors.filter(
          (e): e is { code: string } =>
            typeof e === 'object' && e !== null && typeof (e as { code?: unknown }).code === 'string',
        );
      }
    } catch {
      // Not JSON (an HTML error page, say): the status alone names the failure.
    }
    const first = upstream[0];
    const code = first?.code ?? codeForStatus(status);
    const detail =
      first?.message ??
      (text && !text.trimStart().startsWith('<') ? snippet(text) : error.response.statusText);
    const hint =
      status === 401
        ? ': check CELIGO_API_TOKEN'
        : status === 403
          ? ': the token is not a partner account'
          : '';
    return new PartnerApiError(
      code,
      scrub(`${status} ${code}${hint} (${label}${detail ? `: ${detail}` : ''})`),
      status,
      label,
      upstream,
    );
  }
  if (error instanceof TimeoutError) {
    return new PartnerApiError('timeout', scrub(`timed out waiting for ${label}`), undefined, label);
  }
  const cause = networkCause(error) ?? (error instanceof Error ? error.message : String(error));
  const where = label.slice(label.indexOf(' ') + 1);
  return new PartnerApiError('unreachable', scrub(`cannot reach ${where}: ${cause}`), undefined, label);
}
