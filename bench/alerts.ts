// `npm run bench:alerts`: alert evaluation over 100,000 licenses with 10,000 standing alerts on DynamoDB Local: the
// first evaluation, repeats with nothing new (median of three), and one with 100 new alerts.
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { createDynamoStore } from '#ledger/store/dynamo/index';
import { ensureTable, localClients } from '#local/store/connect';
import { startEmbeddedDynamo } from '#local/store/embedded';
import { type LedgerSpec, writeLedger } from './alerts-ledger.ts';

const here = (f: string) => fileURLToPath(new URL(f, import.meta.url));
const args = new Map(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=') as [string, string]));
const licenses = Number(args.get('licenses') ?? 100_000);
const alerts = Number(args.get('alerts') ?? 10_000);
const snsLatencyMs = Number(args.get('sns-latency') ?? 20);
const spec: LedgerSpec = {
  licenses,
  connectors: 20,
  notInstalled: Math.round(alerts * 0.9),
  expiring: Math.round(alerts * 0.07),
  expired: alerts - Math.round(alerts * 0.9) - Math.round(alerts * 0.07),
};
const log = (s: string) => process.stderr.write(`${s}\n`);

type Figures = Record<string, unknown> & { wallMs: number; writeCalls: number; raised: number };

/** CPU seconds DynamoDB Local (the java process) has used so far: Linux only, else undefined. */
function dynamoCpuMs(pid: number): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

/**
 * One evaluation in a fresh process, with what it cost: wall time, and the CPU DynamoDB Local and the evaluation
 * used (on a machine shared with other work, wall time swings with the load; CPU time much less).
 */
async function evaluate(endpoint: string, table: string, pid: number): Promise<Figures> {
  const cpuBefore = dynamoCpuMs(pid);
  const load = loadavg()[0]!;
  const f = await evaluateIn(endpoint, table);
  const cpuAfter = dynamoCpuMs(pid);
  return {
    ...f,
    dynamoCpuMs: cpuBefore === undefined || cpuAfter === undefined ? undefined : cpuAfter - cpuBefore,
    loadAverage: Math.round(load * 10) / 10,
  };
}

function evaluateIn(endpoint: string, table: string): Promise<Figures> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', here('./alerts-worker.ts'), endpoint, table, String(snsLatencyMs)],
      {
        maxBuffer: 16 * 1024 * 1024,
        env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      },
      (error, stdout, stderr) => {
        if (error) return reject(new Error(`evaluation failed: ${stderr.split('\n').slice(-8).join(' ')}`));
        resolve(JSON.parse(stdout.trim().split('\n').at(-1)!));
      },
    );
  });
}

const show = (name: string, f: Figures) =>
  log(
    `${name.padEnd(18)} ${String(f.wallMs).padStart(7)} ms  raised ${String(f.raised).padStart(6)}  write calls ${String(f.writeCalls).padStart(5)}  items written ${String(f.itemsWritten).padStart(6)}  read ${String(f.itemsRead).padStart(7)}  rss ${f.peakRssMb} MB  cpu dynamo ${f.dynamoCpuMs} ms node ${f.nodeCpuMs} ms  load ${f.loadAverage}  ${JSON.stringify(f.calls)}  ${JSON.stringify(f.storeMs)}`,
  );

const dynamo = await startEmbeddedDynamo({});
const out: Record<string, unknown> = { date: new Date().toISOString(), spec, snsLatencyMs };
try {
  const { raw, client } = localClients(dynamo.endpoint);
  const table = `alerts-bench-${Date.now()}`;
  await ensureTable(raw, table);
  const ledger = createDynamoStore(client, table);
  const now = new Date();
  log(
    `building the ledger: ${licenses.toLocaleString()} licenses, ${alerts.toLocaleString()} standing alerts...`,
  );
  const building = performance.now();
  await writeLedger(ledger, spec, now, undefined, (done) => {
    if (done % 20_000 === 0) log(`  ${done.toLocaleString()} written`);
  });
  out.buildMs = Math.round(performance.now() - building);
  log(`built in ${(Number(out.buildMs) / 1000).toFixed(1)} s`);

  // DynamoDB Local is a JVM: the first transactions of a kind run interpreted, several times slower. The table
  // service in AWS is always warm, so the same evaluation runs once on a small table of its own first.
  if (args.get('warm') !== 'false') {
    const warmTable = `${table}-warmup`;
    await ensureTable(raw, warmTable);
    const small: LedgerSpec = {
      licenses: 3_000,
      connectors: 4,
      notInstalled: 900,
      expiring: 70,
      expired: 30,
    };
    await writeLedger(createDynamoStore(client, warmTable), small, now);
    out.warmup = await evaluate(dynamo.endpoint, warmTable, dynamo.pid);
    show('warm-up (3,000)', out.warmup as Figures);
  }
  const first = await evaluate(dynamo.endpoint, table, dynamo.pid);
  show('first', first);
  const repeats: Figures[] = [];
  for (let i = 0; i < 3; i++) {
    repeats.push(await evaluate(dynamo.endpoint, table, dynamo.pid));
    show(`repeat ${i + 1}`, repeats.at(-1)!);
  }
  const repeat = [...repeats].sort((a, b) => a.wallMs - b.wallMs)[1]!;
  const fresh = { licenses: 100, connectors: spec.connectors, notInstalled: 100, expiring: 0, expired: 0 };
  await writeLedger(ledger, fresh, now, { first: licenses, count: 100 });
  const plus100 = await evaluate(dynamo.endpoint, table, dynamo.pid);
  show('100 new alerts', plus100);

  const targets = {
    'first evaluation <= 30 s': first.wallMs <= 30_000,
    'first evaluation raises every standing alert': first.raised === alerts,
    'repeat <= 3 s': repeat.wallMs <= 3_000,
    'repeat <= 25 write calls': repeat.writeCalls <= 25,
    'repeat raises nothing': repeat.raised === 0,
  };
  Object.assign(out, {
    first,
    repeat: { ...repeat, runsMs: repeats.map((r) => r.wallMs) },
    plus100,
    targets,
    machine: {
      node: process.version,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model,
      memGb: Math.round(totalmem() / 2 ** 30),
    },
  });
  for (const [name, ok] of Object.entries(targets)) log(`  ${ok ? 'met ' : 'MISS'} ${name}`);
} finally {
  await dynamo.stop();
}
mkdirSync(here('./results'), { recursive: true });
writeFileSync(here('./results/alerts-latest.json'), `${JSON.stringify(out, null, 2)}\n`);
log('written to bench/results/alerts-latest.json');
