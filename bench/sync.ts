// `npm run bench`: our sync against a naive sync and the bare fetch floor, on the emulator (30 ms latency) and DynamoDB Local.
import { type ChildProcess, execFile, fork } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { startEmbeddedDynamo } from '#local/store/embedded';
import { buildCli } from '../scripts/cli-build.js';
import { buildState } from '../scripts/cli-stamp.js';
import { apiLatency, type Latency, type Sample } from './api.ts';

const here = (f: string) => fileURLToPath(new URL(f, import.meta.url));
const args = new Map(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=') as [string, string]));
const latency = Number(args.get('latency') ?? 30);
const concurrency = Number(args.get('concurrency') ?? 8);
// Optional V8 old-space cap (MB) for every variant alike, e.g. --heap=128: shows what is live data and what is lazy GC.
const heapFlags = args.get('heap') ? [`--max-old-space-size=${args.get('heap')}`] : [];
const apiOnly = args.get('api-only') === 'true';
const sizes = (args.get('sizes') ?? '10x1200,50x2000')
  .split(',')
  .map((s) => s.split('x').map(Number) as [number, number]);

interface Figures {
  variant: string;
  wallMs: number;
  written: number;
  read: number;
  apiRequests: number;
  peakRssMb: number;
  failed: number;
  scans: number;
}

/**
 * Our sync as a user launches it: the CLI process (`licensewatch sync --json`), against the same store and emulator.
 * Wall time is the process's, start-up included; peak RSS is the process's high-water mark, sampled from /proc.
 */
function runCli(apiUrl: string, endpoint: string, table: string): Promise<Figures> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    // The bin itself, as npx and a shell run it: its shebang's flags (the heap cap) apply.
    const child = execFile(
      here('../bin/licensewatch.js'),
      ['sync', '--json', '--concurrency', String(concurrency)],
      {
        maxBuffer: 64 * 1024 * 1024,
        env: {
          ...process.env,
          CELIGO_API_URL: apiUrl,
          CELIGO_API_TOKEN: 'bench-token',
          LICENSEWATCH_STORE: endpoint,
          LICENSEWATCH_TABLE: table,
        },
      },
      (error, stdout, stderr) => {
        clearInterval(sampler);
        if (error) return reject(new Error(`cli failed: ${stderr.split('\n').slice(-5).join(' ')}`));
        const run = JSON.parse(stdout) as { status: string; failed: number };
        resolve({
          variant: 'cli',
          wallMs: Math.round(performance.now() - started),
          written: Number.NaN,
          read: Number.NaN,
          apiRequests: Number.NaN,
          peakRssMb: Math.round(peakKb / 1024),
          failed: run.failed,
          scans: 0,
        });
      },
    );
    let peakKb = 0;
    const sampler = setInterval(() => {
      try {
        const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
        peakKb = Math.max(peakKb, Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0));
      } catch {
        // gone already
      }
    }, 25);
  });
}

function runWorker(variant: string, apiUrl: string, endpoint: string, table: string): Promise<Figures> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [
        ...heapFlags,
        '--import',
        'tsx',
        here('./worker.ts'),
        variant,
        apiUrl,
        endpoint,
        table,
        String(concurrency),
      ],
      {
        maxBuffer: 16 * 1024 * 1024,
        env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      },
      (error, stdout, stderr) => {
        if (error) return reject(new Error(`${variant} failed: ${stderr.split('\n').slice(-5).join(' ')}`));
        resolve(JSON.parse(stdout.trim().split('\n').at(-1)!));
      },
    );
  });
}

/** License ids, addresses and domains spread over the ledger's connectors, for the API benchmark's lookups. */
async function sampleLedger(endpoint: string, table: string, count: number): Promise<Sample> {
  const { localClients } = await import('#local/store/connect');
  const { createDynamoStore } = await import('#ledger/store/dynamo/index');
  const { listConnectors, listLicenses } = await import('#ledger/queries');
  const ledger = createDynamoStore(localClients(endpoint).client, table);
  const connectors = await listConnectors(ledger);
  const licenses = [];
  for (const c of connectors) {
    const page = await listLicenses(ledger, c.id, { limit: Math.ceil(count / connectors.length) });
    licenses.push(...page.items);
  }
  const emails = licenses.flatMap((l) => (l.email ? [l.email] : []));
  return {
    licenseIds: licenses.map((l) => l.id),
    emails,
    domains: [...new Set(emails.map((e) => e.split('@')[1]!))],
    connectorIds: connectors.map((c) => c.id),
  };
}

function ask<T>(child: ChildProcess, message: object, reply: string): Promise<T> {
  return new Promise((resolve) => {
    const on = (msg: { type: string }) => {
      if (msg.type !== reply) return;
      child.off('message', on);
      resolve(msg as T);
    };
    child.on('message', on);
    child.send(message);
  });
}

// The AWS SDK's Node 22 notice, from this process's own client (the CLI and the workers hide it too).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// The CLI variant runs the prebuilt CLI, as a user's does: a stale build would send it through tsx.
if (buildState() !== 'fresh') {
  process.stderr.write('dist/cli/ does not match the sources: building it first\n');
  await buildCli();
}
const dynamo = await startEmbeddedDynamo({});
const results: Record<string, unknown>[] = [];
let api: { size: string; latency: Latency[] } | undefined;
const log = (s: string) => process.stderr.write(`${s}\n`);
try {
  for (const [connectors, perConnector] of sizes) {
    const label = `${connectors}x${perConnector}`;
    log(
      `\n== ${label}: ${connectors * perConnector} licenses, ${latency} ms latency, ${concurrency} connectors at once`,
    );
    const emu = fork(
      here('./emulator-child.ts'),
      [String(connectors), String(perConnector), String(latency)],
      {
        execArgv: ['--import', 'tsx'],
      },
    );
    const { url } = await new Promise<{ url: string }>((r) =>
      emu.once('message', (m) => r(m as { url: string })),
    );
    const t = (v: string) => `${v}-${label}-${Date.now()}`;
    const ours = t('ours');
    const naive = t('naive');
    const row: Record<string, Figures | number | string> = {
      size: label,
      licenses: connectors * perConnector,
    };
    // Short runs (the floor, an unchanged sync) swing by a third from run to run: take the median of `times`.
    const cli = t('cli');
    const step = async (name: string, variant: string, table: string, times = 1) => {
      const runs: Figures[] = [];
      for (let i = 0; i < times; i++)
        runs.push(
          variant === 'cli'
            ? await runCli(url, dynamo.endpoint, table)
            : await runWorker(variant, url, dynamo.endpoint, table),
        );
      runs.sort((a, b) => a.wallMs - b.wallMs);
      const f = runs[Math.floor(runs.length / 2)]!;
      if (times > 1) (f as Figures & { runsMs?: number[] }).runsMs = runs.map((r) => r.wallMs);
      row[name] = f;
      log(
        `${name.padEnd(16)} ${String(f.wallMs).padStart(7)} ms  written ${String(f.written).padStart(7)}  read ${String(f.read).padStart(7)}  api ${String(f.apiRequests).padStart(5)}  rss ${f.peakRssMb} MB`,
      );
    };
    // `--api-only=true`: build the ledger (a first sync and a 1% change, so /changes has news) and measure the API.
    const full = !apiOnly;
    if (full) await step('floor', 'floor', t('floor'), 3);
    await step('oursFirst', 'ours', ours);
    if (full) {
      await step('naiveFirst', 'naive', naive);
      await step('bareFirst', 'bare', t('bare'));
      await step('cliFirst', 'cli', cli);
      await step('oursUnchanged', 'ours', ours, 3);
      await step('naiveUnchanged', 'naive', naive);
      await step('cliUnchanged', 'cli', cli, 3);
    }
    const { changed } = await ask<{ changed: number }>(emu, { type: 'change', fraction: 0.01 }, 'changed');
    row.changedLicenses = changed;
    await step('ours1pct', 'ours', ours);
    if (full) {
      await step('naive1pct', 'naive', naive);
      await step('cli1pct', 'cli', cli);
    }
    emu.send({ type: 'stop' });
    if (full) results.push(row);
    // API latency over the largest ledger the run built (100,000 licenses with the default sizes).
    if (
      connectors * perConnector === Math.max(...sizes.map(([c, p]) => c * p)) &&
      args.get('api') !== 'false'
    ) {
      const sample = await sampleLedger(dynamo.endpoint, ours, 500);
      log(`API latency on ${label} (autocannon, 10 connections, 10 s per route)...`);
      const only = args.get('routes') ? new RegExp(args.get('routes')!) : undefined;
      const limits = args.get('limits') ? args.get('limits')!.split(',').map(Number) : [];
      api = { size: label, latency: await apiLatency(dynamo.endpoint, ours, sample, { only, limits }) };
      for (const l of api.latency) {
        log(
          `${l.route.padEnd(36)} p50 ${l.p50} ms  p95 ${l.p95} ms  p99 ${l.p99} ms  ${l.rps} req/s  non-2xx ${l.non2xx}`,
        );
      }
    }
  }
} finally {
  await dynamo.stop();
}

const f = (row: Record<string, unknown>, k: string) => row[k] as Figures;
const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;
const summary = results.map((row) => {
  const floor = f(row, 'floor').wallMs;
  const connectors = Number(String(row.size).split('x')[0]);
  const changed = Number(row.changedLicenses);
  const s = {
    size: row.size,
    firstVsNaive: ratio(f(row, 'oursFirst').wallMs, f(row, 'naiveFirst').wallMs),
    // What the secondary indexes add to a first sync (ours / ours on a table without them).
    firstVsBare: ratio(f(row, 'oursFirst').wallMs, f(row, 'bareFirst').wallMs),
    bareFirstVsNaive: ratio(f(row, 'bareFirst').wallMs, f(row, 'naiveFirst').wallMs),
    unchangedVsNaive: ratio(f(row, 'oursUnchanged').wallMs, f(row, 'naiveUnchanged').wallMs),
    unchangedVsFloor: ratio(f(row, 'oursUnchanged').wallMs, floor),
    unchangedWritesPerConnector: ratio(f(row, 'oursUnchanged').written, connectors),
    onePctWritesPerChanged: ratio(f(row, 'ours1pct').written - 5 * connectors, changed),
    onePctVsNaive: ratio(f(row, 'ours1pct').wallMs, f(row, 'naive1pct').wallMs),
    peakRssMb: Math.max(
      f(row, 'oursFirst').peakRssMb,
      f(row, 'oursUnchanged').peakRssMb,
      f(row, 'ours1pct').peakRssMb,
    ),
    cliFirstVsNaive: ratio(f(row, 'cliFirst').wallMs, f(row, 'naiveFirst').wallMs),
    cliUnchangedVsNaive: ratio(f(row, 'cliUnchanged').wallMs, f(row, 'naiveUnchanged').wallMs),
    firstWritesPerLicense: ratio(
      f(row, 'oursFirst').written - 5 * connectors,
      connectors * Number(String(row.size).split('x')[1]),
    ),
    cliPeakRssMb: Math.max(
      f(row, 'cliFirst').peakRssMb,
      f(row, 'cliUnchanged').peakRssMb,
      f(row, 'cli1pct').peakRssMb,
    ),
  };
  const targets = {
    'unchanged <= 0.25x naive': s.unchangedVsNaive <= 0.25,
    'unchanged <= 1.5x floor': s.unchangedVsFloor <= 1.5,
    'unchanged <= 5 writes/connector': s.unchangedWritesPerConnector <= 5,
    'first <= 1.2x naive': s.firstVsNaive <= 1.2,
    '1% change <= 3 writes/changed + 5/connector': s.onePctWritesPerChanged <= 3,
    'peak RSS <= 200 MB': s.peakRssMb <= 200,
    'CLI unchanged <= 0.15x naive': s.cliUnchangedVsNaive <= 0.15,
    'CLI first <= 2.5x naive': s.cliFirstVsNaive <= 2.5,
    'first <= 2 item writes per license (+5/connector)': s.firstWritesPerLicense <= 2,
    'CLI peak RSS <= 200 MB': s.cliPeakRssMb <= 200,
  };
  return { ...s, targets };
});

const machine = {
  node: process.version,
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model,
  memGb: Math.round(totalmem() / 2 ** 30),
};
const out = {
  date: new Date().toISOString(),
  latencyMs: latency,
  concurrency,
  heapFlags,
  machine,
  results,
  summary,
  api,
};
mkdirSync(here('./results'), { recursive: true });
const file = apiOnly ? 'api-latest.json' : 'sync-latest.json';
writeFileSync(here(`./results/${file}`), `${JSON.stringify(out, null, 2)}\n`);
for (const s of summary) {
  log(
    `\n${s.size}: ours/naive first ${s.firstVsNaive}x, unchanged ${s.unchangedVsNaive}x; ours/floor unchanged ${s.unchangedVsFloor}x; ` +
      `unchanged writes/connector ${s.unchangedWritesPerConnector}; 1% change writes/changed license ${s.onePctWritesPerChanged} (+5/connector); ` +
      `peak RSS ${s.peakRssMb} MB; first: ours/ours without indexes ${s.firstVsBare}x, without indexes/naive ${s.bareFirstVsNaive}x; ` +
      `CLI/naive first ${s.cliFirstVsNaive}x, unchanged ${s.cliUnchangedVsNaive}x; CLI peak RSS ${s.cliPeakRssMb} MB`,
  );
  for (const [name, ok] of Object.entries(s.targets)) log(`  ${ok ? 'met ' : 'MISS'} ${name}`);
}
log(`\nwritten to bench/results/${file}`);
