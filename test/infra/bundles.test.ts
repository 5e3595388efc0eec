// Every handler bundles with the stack's esbuild options, stays under 1 MB, loads as ESM, and calls only the
// DynamoDB operations its function is granted (read from the bundle's imports, so code changes can't outgrow IAM).
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type Metafile } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { esbuildOptions, HANDLER_ENTRIES, type HandlerName, REPO_ROOT } from '../../infra/bundling.ts';
import { actionsOn, grantsOf, logicalId, type Synthesized, synthStack } from '../support/synth.ts';

const MAX_BYTES = 1024 * 1024;
// Inside the repo, so the external @aws-sdk/* imports resolve from node_modules when a bundle is loaded.
const OUT_DIR = join(REPO_ROOT, 'node_modules', '.cache', 'licensewatch-bundle-test');

const FUNCTION_PREFIX: Record<HandlerName, string> = {
  plan: 'SyncPlanFunction',
  syncWorker: 'SyncWorkerFunction',
  alerts: 'AlertingEvaluateFunction',
  api: 'ApiHandlerFunction',
};

/** The api handler wraps functions/api/app.ts, which the HTTP API issue delivers. */
const ready = (name: HandlerName) => name !== 'api' || existsSync(join(REPO_ROOT, 'functions/api/app.ts'));

interface Bundle {
  code: string;
  bytes: number;
  metafile: Metafile;
  /** The same build unminified: tree-shaken, with readable names, for reading which operations it calls. */
  readable: string;
}
const bundles = new Map<HandlerName, Bundle>();
let synthesized: Synthesized;

beforeAll(async () => {
  synthesized = synthStack();
  await mkdir(OUT_DIR, { recursive: true });
  await Promise.all(
    (Object.keys(HANDLER_ENTRIES) as HandlerName[]).filter(ready).map(async (name) => {
      const bundle = (minify: boolean) =>
        build({
          ...esbuildOptions,
          minify,
          mainFields: [...esbuildOptions.mainFields],
          external: [...esbuildOptions.external],
          entryPoints: [join(REPO_ROOT, HANDLER_ENTRIES[name])],
          absWorkingDir: REPO_ROOT,
          write: false,
          metafile: true,
          logLevel: 'silent',
          outfile: join(OUT_DIR, `${name}.mjs`),
        });
      const [result, readable] = await Promise.all([bundle(true), bundle(false)]);
      const output = result.outputFiles[0]!;
      bundles.set(name, {
        code: output.text,
        bytes: output.contents.byteLength,
        metafile: result.metafile,
        readable: readable.outputFiles[0]!.text,
      });
    }),
  );
}, 120_000);

afterAll(async () => {
  await rm(OUT_DIR, { recursive: true, force: true });
});

/**
 * DynamoDB operations a bundle can call: the commands it constructs in code that survived tree-shaking (esbuild keeps
 * an external module's import list whole, so imports alone over-count), plus the parts of its transactions.
 */
function dynamoActions(readable: string): string[] {
  const byCommand: Record<string, string[]> = {
    GetCommand: ['dynamodb:GetItem'],
    GetItemCommand: ['dynamodb:GetItem'],
    BatchGetCommand: ['dynamodb:BatchGetItem'],
    BatchGetItemCommand: ['dynamodb:BatchGetItem'],
    QueryCommand: ['dynamodb:Query'],
    ScanCommand: ['dynamodb:Scan'],
    PutCommand: ['dynamodb:PutItem'],
    PutItemCommand: ['dynamodb:PutItem'],
    UpdateCommand: ['dynamodb:UpdateItem'],
    UpdateItemCommand: ['dynamodb:UpdateItem'],
    DeleteCommand: ['dynamodb:DeleteItem'],
    DeleteItemCommand: ['dynamodb:DeleteItem'],
    BatchWriteCommand: ['dynamodb:BatchWriteItem'],
    BatchWriteItemCommand: ['dynamodb:BatchWriteItem'],
    TransactGetCommand: ['dynamodb:GetItem'],
  };
  // esbuild renames a clashing import `GetCommand` to `GetCommand2`.
  const constructed = new Set([...readable.matchAll(/new (\w+?Command)\d*\(/g)].map((m) => m[1]!));
  const actions = new Set([...constructed].flatMap((name) => byCommand[name] ?? []));
  if (constructed.has('TransactWriteCommand') || constructed.has('TransactWriteItemsCommand')) {
    // IAM authorizes each part of a transaction as its single-item action.
    const parts = {
      Put: 'dynamodb:PutItem',
      Update: 'dynamodb:UpdateItem',
      Delete: 'dynamodb:DeleteItem',
      ConditionCheck: 'dynamodb:ConditionCheckItem',
    };
    for (const [part, action] of Object.entries(parts))
      if (new RegExp(`\\b${part}: \\{`).test(readable)) actions.add(action);
  }
  return [...actions].sort();
}

describe.each(Object.keys(HANDLER_ENTRIES) as HandlerName[])('%s bundle', (name) => {
  it.skipIf(!ready(name))('builds as minified ESM under 1 MB', () => {
    const bundle = bundles.get(name)!;
    console.info(`${name}: ${(bundle.bytes / 1024).toFixed(1)} KiB`);
    expect(bundle.bytes).toBeLessThan(MAX_BYTES);
    expect(bundle.code.slice(0, 60)).toMatch(/^import ?\{ ?createRequire as/);
  });

  it.skipIf(!ready(name))(
    'leaves only the AWS SDK (provided by the Lambda runtime) and Node built-ins outside',
    () => {
      const external = Object.values(bundles.get(name)!.metafile.outputs)
        .flatMap((o) => o.imports.filter((i) => i.external).map((i) => i.path))
        .filter((path) => !path.startsWith('node:'));
      for (const path of external) expect(path).toMatch(/^@aws-sdk\//);
    },
  );

  it.skipIf(!ready(name))(
    'loads as an ES module without its environment (dependencies are built on first call)',
    async () => {
      const file = join(OUT_DIR, `${name}.mjs`);
      await writeFile(file, bundles.get(name)!.code);
      const mod = await import(pathToFileURL(file).href);
      expect(typeof mod.handler).toBe('function');
    },
  );

  it.skipIf(!ready(name))('is granted exactly the DynamoDB operations it can call', () => {
    const { template } = synthesized;
    const fn = logicalId(template, 'AWS::Lambda::Function', FUNCTION_PREFIX[name]);
    const table = logicalId(template, 'AWS::DynamoDB::Table', 'LedgerTable');
    const granted = [...actionsOn(grantsOf(template, fn), table)].sort();
    expect(granted).toEqual(dynamoActions(bundles.get(name)!.readable));
  });
});
