// Runs one bundled Lambda handler as the runtime would: imports the bundle, invokes `handler` once per event (one warm
// container), and writes each outcome to a JSON file. Plain JS: it runs under the Lambda runtime's Node, not tsx.
// Usage: node lambda-driver.mjs <bundle index.mjs> <events.json> <results.json>
import { randomUUID } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';

const [bundle, eventsFile, resultsFile] = process.argv.slice(2);
const events = JSON.parse(await readFile(eventsFile, 'utf8'));
const functionName = process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'licensewatch';
const deadlineMs = Date.now() + 60_000;

const context = () => ({
  callbackWaitsForEmptyEventLoop: true,
  functionName,
  functionVersion: '$LATEST',
  invokedFunctionArn: `arn:aws:lambda:${process.env.AWS_REGION}:123456789012:function:${functionName}`,
  memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE ?? '512',
  awsRequestId: randomUUID(),
  logGroupName: `/aws/lambda/${functionName}`,
  logStreamName: `2026/01/01/[$LATEST]${randomUUID().replaceAll('-', '')}`,
  getRemainingTimeInMillis: () => Math.max(0, deadlineMs - Date.now()),
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
});

const results = [];
const { handler } = await import(pathToFileURL(bundle).href);
for (const event of events) {
  try {
    results.push({ ok: true, value: await handler(event, context()) });
  } catch (error) {
    results.push({ ok: false, error: String(error?.stack ?? error) });
  }
}
await writeFile(resultsFile, JSON.stringify({ node: process.version, results }));
// Lambda freezes the process after a response; here open sockets (SDK keep-alive) must not keep it running.
process.exit(0);
