// The OpenAPI document a client generator can use: every operation (other helpers' routes too) has a unique
// operationId and a summary, Spectral's `spectral:oas` ruleset finds nothing, and openapi-typescript's client
// type-checks a program calling three routes. Starts no store: the document needs none.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Document, Spectral } from '@stoplight/spectral-core';
import { Json } from '@stoplight/spectral-parsers';
import { oas } from '@stoplight/spectral-rulesets';
import { describe, expect, it } from 'vitest';
import { createApp } from '#api/app';
import type { ApiStore } from '#api/deps';

type Operation = { operationId?: string; summary?: string };
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];

async function openApiDocument() {
  const app = createApp({ ledger: {} as ApiStore, partnerApi: () => Promise.reject(new Error('unused')) });
  const res = await app.request('/openapi.json');
  expect(res.status).toBe(200);
  return (await res.json()) as { paths: Record<string, Record<string, Operation>> };
}

describe('the OpenAPI document', () => {
  it('gives every operation a unique operationId and a summary', async () => {
    const doc = await openApiDocument();
    const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item)
        .filter(([method]) => METHODS.includes(method))
        .map(([method, op]) => ({ at: `${method.toUpperCase()} ${path}`, ...op })),
    );
    expect(operations.length).toBeGreaterThanOrEqual(20);
    for (const op of operations) {
      expect(op.operationId, `${op.at} has no operationId`).toMatch(/^[a-z][A-Za-z0-9]+$/);
      expect(op.summary?.trim(), `${op.at} has no summary`).toBeTruthy();
    }
    const ids = operations.map((o) => o.operationId);
    expect(
      ids.filter((id, i) => ids.indexOf(id) !== i),
      'operationIds used twice',
    ).toEqual([]);
  });

  it("passes Spectral's spectral:oas ruleset with no errors, warnings or hints", async () => {
    const spectral = new Spectral();
    spectral.setRuleset({ extends: [oas as never] });
    const results = await spectral.run(new Document(JSON.stringify(await openApiDocument(), null, 2), Json));
    const found = results.map((r) => `${r.code} at ${r.path.join('.')}: ${r.message}`);
    expect(found).toEqual([]);
  });
});

/** A small program against the generated types: three routes, their parameters and answers typed. */
const PROGRAM = `import type { paths } from './api.ts';

// No DOM library (it is slow to check): the one global the program uses.
declare function fetch(url: string): Promise<{ json(): Promise<unknown> }>;

type Json<Op> = Op extends { responses: { 200: { content: { 'application/json': infer Body } } } } ? Body : never;
type Query<Op> = Op extends { parameters: { query?: infer Q } } ? NonNullable<Q> : never;
type PathParams<Op> = Op extends { parameters: { path: infer P } } ? P : never;
type Get<P extends keyof paths> = paths[P]['get'];

/** A typed GET: the path's parameters and query as the document declares them, its JSON answer typed. */
async function get<P extends keyof paths>(
  base: string,
  path: P,
  params: { path?: PathParams<Get<P>>; query?: Query<Get<P>> } = {},
): Promise<Json<Get<P>>> {
  let url = String(path);
  for (const [k, v] of Object.entries((params.path ?? {}) as Record<string, string>)) url = url.replace(\`{\${k}}\`, v);
  const query = Object.entries((params.query ?? {}) as Record<string, unknown>);
  const search = query.map(([k, v]) => \`\${encodeURIComponent(k)}=\${encodeURIComponent(String(v))}\`).join('&');
  const res = await fetch(\`\${base}\${url}?\${search}\`);
  return (await res.json()) as Json<Get<P>>;
}

export async function main(base: string): Promise<string[]> {
  const connectors = await get(base, '/connectors', { query: { limit: 10 } });
  const first = connectors.items[0];
  const license = await get(base, '/licenses/{lid}', { path: { lid: '5f0c3a1b2c3d4e5f60718293' } });
  const expiry: 'ok' | 'expiring' | 'expired' | undefined = license.expiry;
  const feed = await get(base, '/changes/feed', { query: { cursor: 'abc' } });
  const next: string = feed.cursor;
  return [first?.id ?? '', expiry ?? '', next, ...feed.items.map((i) => \`\${i.licenseId} \${i.kind} \${i.committedAt}\`)];
}
`;

describe('a typed client generated from /openapi.json (openapi-typescript)', () => {
  it('type-checks a program calling three routes, and refuses one that misuses them', async () => {
    const { default: openapiTS, astToString } = await import('openapi-typescript');
    const ts = await import('typescript');
    const doc = await openApiDocument();
    const types = astToString(await openapiTS(doc as never));
    const dir = mkdtempSync(join(tmpdir(), 'lw-client-'));
    try {
      writeFileSync(join(dir, 'api.ts'), types);
      const check = (program: string) => {
        writeFileSync(join(dir, 'main.ts'), program);
        const compiled = ts.createProgram([join(dir, 'main.ts')], {
          strict: true,
          noEmit: true,
          target: ts.ScriptTarget.ES2022,
          module: ts.ModuleKind.NodeNext,
          moduleResolution: ts.ModuleResolutionKind.NodeNext,
          allowImportingTsExtensions: true,
          lib: ['lib.es2022.d.ts'],
          skipLibCheck: true,
          types: [],
        });
        return ts
          .getPreEmitDiagnostics(compiled)
          .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      };
      expect(check(PROGRAM)).toEqual([]);
      // The types are the document's: a field no route answers, or a parameter it does not take, is an error.
      expect(check(PROGRAM.replace('feed.cursor', 'feed.nextCursor')).join('\n')).toMatch(/nextCursor/);
      expect(check(PROGRAM.replace("{ lid: '5f0c", "{ id: '5f0c")).join('\n')).toMatch(/id/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
