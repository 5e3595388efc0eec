// The four Lambda bundles exactly as `cdk synth` writes them, each run once under the Lambda runtime's Node major
// with the environment the template gives it: the planner, worker, alerts and api handlers against DynamoDB Local
// and the Partner API emulator, with SQS, SNS and Secrets Manager stubbed at the edge.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  type ConnectorRecord,
  type Emulator,
  type LicenseRecord,
  startEmulator,
} from '#local/emulator/index';
import { REPO_ROOT } from '../../infra/bundling.ts';
import {
  LAMBDA_NODE_MAJOR,
  lambdaNodeBinary,
  lambdaNodeDir,
  lambdaNodeVersion,
} from '../../scripts/lambda-node.js';
import { type AwsEdgeStub, startAwsEdgeStub } from '../support/aws-edge-stub.ts';
import { httpApiEvent, scheduledEvent, sqsEvent, sqsRecord } from '../support/lambda-events.ts';
import { CDK_CONTEXT } from '../support/synth.ts';
import { freshTable } from '../support/tables.ts';

const DAY = 86_400_000;
// Inside the repo: the bundles leave @aws-sdk/* to the runtime, and ESM resolves it only from a parent node_modules.
const OUT_DIR = join(REPO_ROOT, 'node_modules', '.cache', 'licensewatch-lambda-runtime');
const ASSEMBLY = join(OUT_DIR, 'cdk.out');
const DRIVER = join(REPO_ROOT, 'test', 'support', 'lambda-driver.mjs');
const ACCOUNT = '123456789012';
const SECRET_ARN = `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:licensewatch-token-AbCdEf`;
const TOPIC_ARN = `arn:aws:sns:us-east-1:${ACCOUNT}:LicenseWatch-AlertingTopic`;

const FUNCTIONS = {
  plan: 'SyncPlanFunction',
  syncWorker: 'SyncWorkerFunction',
  alerts: 'AlertingEvaluateFunction',
  api: 'ApiHandlerFunction',
} as const;
type FunctionName = keyof typeof FUNCTIONS;

const REQUIRED = Boolean(process.env.CI || process.env.LICENSEWATCH_LAMBDA_NODE_REQUIRED);
const nodeVersion = lambdaNodeVersion();
if (!nodeVersion && !REQUIRED) {
  console.warn(
    `lambda-runtime.test.ts skipped: Node.js ${LAMBDA_NODE_MAJOR} (the Lambda runtime's) is not in ${lambdaNodeDir()}. ` +
      'Install it with: node scripts/lambda-node.js (the pretest of npm test does)',
  );
}

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation JSON
type Json = any;
interface Deployed {
  bundle: string;
  runtime: string;
  memorySize: number;
  environment: Record<string, Json>;
}
type Outcome = { ok: true; value: Json } | { ok: false; error: string };

let deployed: Record<FunctionName, Deployed>;
let resourceTypes: Record<string, string>;
let emu: Emulator;
let edge: AwsEdgeStub;
let tableName: string;
let awsEnv: Record<string, string>;
const connectors: { record: ConnectorRecord; licenses: LicenseRecord[] }[] = [];
let queuedBodies: string[] = [];

/** Runs `node_modules/.bin/cdk synth` as an operator would (cdk.json's app and context), into ASSEMBLY. */
async function cdkSynth(): Promise<void> {
  const cdk = join(REPO_ROOT, 'node_modules', 'aws-cdk', 'bin', 'cdk');
  const args = ['synth', '--no-notices', '--no-version-reporting', '--no-lookups', '--quiet', '-o', ASSEMBLY];
  const { code, output } = await run(process.execPath, [cdk, ...args], {
    ...process.env,
    CDK_DISABLE_CLI_TELEMETRY: 'true',
  });
  if (code !== 0) throw new Error(`cdk synth exited ${code}:\n${output.slice(-3000)}`);
}

// Generous: about 40 s on an idle machine, but a fresh clone's first synth on a busy CI runner takes minutes.
function run(command: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 300_000) {
  return new Promise<{ code: number | null; output: string }>((resolve, reject) => {
    const child = spawn(command, args, { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** Each function's bundle, runtime and environment, read from the synthesized template. */
async function readAssembly(): Promise<void> {
  const stackName = String(CDK_CONTEXT.stackName);
  const template = JSON.parse(await readFile(join(ASSEMBLY, `${stackName}.template.json`), 'utf8'));
  const entries = Object.entries(template.Resources as Record<string, Json>);
  resourceTypes = Object.fromEntries(entries.map(([id, r]) => [id, r.Type]));
  deployed = {} as Record<FunctionName, Deployed>;
  for (const [name, prefix] of Object.entries(FUNCTIONS) as [FunctionName, string][]) {
    const matches = entries.filter(([id, r]) => r.Type === 'AWS::Lambda::Function' && id.startsWith(prefix));
    expect(matches, prefix).toHaveLength(1);
    const [, fn] = matches[0]!;
    expect(fn.Properties.Handler).toBe('index.handler');
    deployed[name] = {
      bundle: join(ASSEMBLY, fn.Metadata['aws:asset:path'], 'index.mjs'),
      runtime: fn.Properties.Runtime,
      memorySize: fn.Properties.MemorySize,
      environment: fn.Properties.Environment.Variables,
    };
  }
}

/** The template's environment with each reference replaced by its local stand-in; an unknown one fails the test. */
function localEnvironment(name: FunctionName): Record<string, string> {
  const standIns: Record<string, string> = {
    'AWS::DynamoDB::Table': tableName,
    'AWS::SQS::Queue': `${edge.url}/${ACCOUNT}/LicenseWatch-SyncWork`,
    'AWS::SNS::Topic': TOPIC_ARN,
    'AWS::SecretsManager::Secret': SECRET_ARN,
  };
  // The API's URL (a Join over the API's id) only appears in digests' text.
  const refsIn = (v: Json): string[] =>
    JSON.stringify(v)
      .match(/"Ref":"[^"]+"/g)
      ?.map((r) => r.slice(7, -1)) ?? [];
  const joined = (v: Json) =>
    v?.['Fn::Join'] && refsIn(v).some((r) => resourceTypes[r] === 'AWS::ApiGatewayV2::Api')
      ? 'https://api.execute-api.invalid/'
      : undefined;
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(deployed[name].environment)) {
    const local =
      typeof value === 'string' ? value : (standIns[resourceTypes[value?.Ref] ?? ''] ?? joined(value));
    if (local === undefined)
      throw new Error(`${name}: no local stand-in for ${key}=${JSON.stringify(value)}`);
    env[key] = local;
  }
  // The only setting pointed elsewhere: the emulator instead of api.integrator.io.
  return { ...env, CELIGO_API_URL: emu.url };
}

/** Starts the Lambda runtime's Node on the bundle and invokes its handler once per event, in one container. */
async function invoke(name: FunctionName, events: unknown[]): Promise<Outcome[]> {
  const io = join(OUT_DIR, 'io');
  await mkdir(io, { recursive: true });
  const eventsFile = join(io, `${name}-events.json`);
  const resultsFile = join(io, `${name}-results.json`);
  await writeFile(eventsFile, JSON.stringify(events));
  await rm(resultsFile, { force: true });
  const fn = deployed[name];
  // Nothing inherited from the test process: what the bundle sees is what Lambda and the template give it.
  const env = {
    PATH: process.env.PATH,
    HOME: io,
    TZ: 'UTC',
    AWS_EXECUTION_ENV: `AWS_Lambda_${fn.runtime}`,
    AWS_LAMBDA_FUNCTION_NAME: `LicenseWatch-${name}`,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memorySize),
    AWS_EC2_METADATA_DISABLED: 'true',
    ...awsEnv,
    ...localEnvironment(name),
  };
  const { code, output } = await run(
    lambdaNodeBinary(),
    [DRIVER, fn.bundle, eventsFile, resultsFile],
    env,
    30_000,
  );
  if (code !== 0 || !existsSync(resultsFile))
    throw new Error(`${name} bundle exited ${code}:\n${output.slice(-4000)}`);
  const { node, results } = JSON.parse(await readFile(resultsFile, 'utf8'));
  expect(node).toBe(nodeVersion);
  for (const result of results as Outcome[])
    if (!result.ok) throw new Error(`${name} handler failed: ${result.error}\nlogs:\n${output.slice(-4000)}`);
  return results;
}

/** An HTTP API (payload 2.0) event as the gateway sends it for one of its per-route keys. */
function gatewayEvent(routeKey: string, path: string, pathParameters?: Record<string, string>) {
  const event = httpApiEvent(routeKey === '$default' ? 'GET' : routeKey.split(' ')[0]!, path);
  return {
    ...event,
    routeKey,
    pathParameters,
    requestContext: { ...event.requestContext, routeKey },
  };
}

describe.skipIf(!nodeVersion && !REQUIRED)(
  `bundles under Node.js ${LAMBDA_NODE_MAJOR}`,
  { timeout: 30_000 },
  () => {
    beforeAll(async () => {
      if (!nodeVersion)
        throw new Error(
          `Node.js ${LAMBDA_NODE_MAJOR} (the Lambda runtime's) is missing from ${lambdaNodeDir()}: ` +
            'run `node scripts/lambda-node.js` (the pretest of npm test does)',
        );
      await rm(OUT_DIR, { recursive: true, force: true });
      const peers = async () => {
        emu = await startEmulator({ dataSet: 'empty', token: 'lambda-runtime-token' });
        for (const name of ['Shop connector', 'Payroll connector']) {
          const record = emu.addConnector({ name });
          const licenses = [
            emu.addLicense(record._id, { expires: new Date(Date.now() + 5 * DAY).toISOString() }),
            emu.addLicense(record._id),
            emu.addLicense(record._id),
          ];
          connectors.push({ record, licenses });
        }
        edge = await startAwsEdgeStub({ [SECRET_ARN]: emu.token });
        const table = await freshTable('lambda');
        tableName = table.tableName;
        // The credentials and region the table was made with: DynamoDB Local may keep a database per key and region.
        const credentials = await table.raw.config.credentials();
        const region = await table.raw.config.region();
        awsEnv = {
          AWS_REGION: region,
          AWS_DEFAULT_REGION: region,
          AWS_ACCESS_KEY_ID: credentials.accessKeyId,
          AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
          AWS_ENDPOINT_URL_DYNAMODB: inject('dynamoEndpoint'),
          AWS_ENDPOINT_URL_SQS: edge.url,
          AWS_ENDPOINT_URL_SNS: edge.url,
          AWS_ENDPOINT_URL_SECRETS_MANAGER: edge.url,
        };
      };
      await Promise.all([cdkSynth(), peers()]);
      await readAssembly();
    }, 330_000);

    afterAll(async () => {
      await emu?.close();
      await edge?.close();
      await rm(OUT_DIR, { recursive: true, force: true });
    });

    it(`synthesizes four functions on nodejs${LAMBDA_NODE_MAJOR}.x, each with its bundle`, () => {
      expect(nodeVersion).toMatch(new RegExp(`^v${LAMBDA_NODE_MAJOR}\\.`));
      for (const fn of Object.values(deployed)) {
        expect(fn.runtime).toBe(`nodejs${LAMBDA_NODE_MAJOR}.x`);
        expect(existsSync(fn.bundle), fn.bundle).toBe(true);
      }
    });

    it('plan: reads the token through Secrets Manager, lists the connectors and queues one unit each', async () => {
      const [outcome] = await invoke('plan', [scheduledEvent('LicenseWatch-SyncSchedule')]);
      expect(outcome).toMatchObject({ ok: true, value: { queued: connectors.length } });
      expect(edge.calls).toContainEqual(
        expect.objectContaining({ service: 'secretsmanager', target: SECRET_ARN }),
      );
      const sends = edge.calls.filter((c) => c.service === 'sqs');
      expect(sends.every((c) => c.target.endsWith('/LicenseWatch-SyncWork'))).toBe(true);
      queuedBodies = sends.flatMap((c) => c.messages);
      expect(queuedBodies.map((b) => JSON.parse(b).connectorId).sort()).toEqual(
        connectors.map((c) => c.record._id).sort(),
      );
    });

    it("sync worker: walks each queued connector's licenses into the table, failing no message", async () => {
      expect(queuedBodies.length).toBeGreaterThan(0);
      const [outcome] = await invoke('syncWorker', [sqsEvent(queuedBodies.map((body) => sqsRecord(body)))]);
      expect(outcome).toEqual({ ok: true, value: { batchItemFailures: [] } });
    });

    it('api: answers per-route and $default events with what the worker recorded', async () => {
      const [first] = connectors;
      const [list, licenses, unknown] = await invoke('api', [
        gatewayEvent('GET /connectors', '/connectors'),
        gatewayEvent('GET /connectors/{cid}/licenses', `/connectors/${first!.record._id}/licenses`, {
          cid: first!.record._id,
        }),
        gatewayEvent('$default', '/no-such-route'),
      ]);
      const body = (o: Outcome | undefined) => (o?.ok ? JSON.parse(o.value.body) : undefined);
      expect(list).toMatchObject({ ok: true, value: { statusCode: 200 } });
      expect(
        body(list)
          .items.map((c: { id: string; licenses: number }) => [c.id, c.licenses])
          .sort(),
      ).toEqual(connectors.map((c) => [c.record._id, c.licenses.length]).sort());
      expect(licenses).toMatchObject({ ok: true, value: { statusCode: 200 } });
      expect(
        body(licenses)
          .items.map((l: { id: string }) => l.id)
          .sort(),
      ).toEqual(first!.licenses.map((l) => l._id).sort());
      expect(unknown).toMatchObject({ ok: true, value: { statusCode: 404 } });
      expect(body(unknown).errors[0].code).toBe('route_not_found');
    });

    it('alerts: evaluates the rules over the table and publishes the new alerts to the SNS topic', async () => {
      const [outcome] = await invoke('alerts', [scheduledEvent('LicenseWatch-AlertSchedule')]);
      expect(outcome?.ok).toBe(true);
      const published = edge.calls.filter((c) => c.service === 'sns');
      expect(published.length).toBeGreaterThan(0);
      expect(published.every((c) => c.target === TOPIC_ARN)).toBe(true);
      const text = published.flatMap((c) => c.messages).join('\n');
      for (const { licenses } of connectors) expect(text).toContain(licenses[0]!._id);
    });
  },
);
