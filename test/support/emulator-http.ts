// Small fetch helpers for the emulator tests: authorized requests and a Link-following walk.
import { expect } from 'vitest';
import type { Emulator } from '#local/emulator/index';

export const NOW = new Date('2025-06-15T10:30:00.000Z');

export function call(
  emulator: Emulator,
  path: string,
  init: RequestInit & { json?: unknown } = {},
): Promise<Response> {
  const { json, ...rest } = init;
  const headers = new Headers(rest.headers);
  if (!headers.has('authorization')) headers.set('authorization', `Bearer ${emulator.token}`);
  if (json !== undefined) headers.set('content-type', 'application/json');
  return fetch(`${emulator.url}${path}`, {
    ...rest,
    headers,
    body: json === undefined ? rest.body : JSON.stringify(json),
  });
}

export function nextLink(response: Response): string | undefined {
  return /<([^>]+)>\s*;\s*rel="next"/.exec(response.headers.get('link') ?? '')?.[1];
}

/** Follows rel="next" from the first page until it stops; returns every record and the pages' statuses. */
export async function walk(
  emulator: Emulator,
  path: string,
): Promise<{ records: Record<string, unknown>[]; pages: number; urls: string[] }> {
  const records: Record<string, unknown>[] = [];
  const urls: string[] = [];
  let url: string | undefined = `${emulator.url}${path}`;
  while (url) {
    urls.push(url);
    const response = await fetch(url, { headers: { authorization: `Bearer ${emulator.token}` } });
    if (response.status === 204) break;
    if (response.status !== 200) throw new Error(`${url} answered ${response.status}`);
    records.push(...((await response.json()) as Record<string, unknown>[]));
    url = nextLink(response);
  }
  return { records, pages: urls.length, urls };
}

export async function errorsOf(
  response: Response,
): Promise<{ code: string; message: string; field?: string }[]> {
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  const body = (await response.json()) as { errors: { code: string; message: string; field?: string }[] };
  return body.errors;
}
