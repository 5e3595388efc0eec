// `npm run bench:cli`: the CLI as a user launches it, prebuilt (bin/licensewatch.js running dist/cli/) against the
// TypeScript sources through tsx: `--help`, and `license <id>` / `connectors` on a DynamoDB Local already running.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmulator } from '#local/emulator/index';
import { startEmbeddedDynamo } from '#local/store/embedded';
import { buildCli } from '../scripts/cli-build.js';
import { buildState } from '../scripts/cli-stamp.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const here = (f: string) => fileURLToPath(new URL(f, import.meta.url));
const args = new Map(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=') as [string, string]));
const runs = Number(args.get('runs') ?? 15);
const log = (s: string) => process.stderr.write(`${s}\n`);

/** How each variant starts the CLI: the bin users run, and what it runs without a build (tsx's ESM loader). */
const VARIANTS = {
  bundled: ['bin/licensewatch.js'],
  tsx: ['--import', 'tsx/esm', 'local/cli/main.ts'],
} as const;

/** CPU ms of the children this process has waited for (Linux: cutime + cstime of /proc/self/stat), else undefined. */
function childrenCpuMs(): number | undefined {
  try {
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
    // Fields 16 and 17 of the file (1-based), counted here from field 3, in clock ticks of 10 ms.
    return (Number(fields[13]) + Number(fields[14])) * 10;
  } catch {
    return undefined;
  }
}

interface Run {
  wallMs: number;
  cpuMs?: number;
}

/** One launch, timed from spawn to exit; fails on a non-zero exit so a broken variant cannot look fast. */
function launch(command: string, argv: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  const cpuBefore = childrenCpuMs();
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const child = spawn(command, argv, {
      cwd: root,
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
      if (code !== 0)
        return reject(new Error(`${command} ${argv.join(' ')} exited ${code}: ${stderr.trim()}`));
      const cpuAfter = childrenCpuMs();
      resolve({
        wallMs,
        cpuMs: cpuBefore === undefined || cpuAfter === undefined ? undefined : cpuAfter - cpuBefore,
      });
    });
  });
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const ms = (x: number) => Math.round(x);

interface Row {
  command: string;
  variant: string;
  medianMs: number;
  minMs: number;
  maxMs: number;
  cpuMedianMs?: number;
  runsMs: number[];
}

/** One warm-up launch (file cache), then `runs` measured ones. */
async function measure(command: string, variant: string, bin: string, argv: readonly string[], env = {}) {
  await launch(bin, argv, env);
  const all: Run[] = [];
  for (let i = 0; i < runs; i++) all.push(await launch(bin, argv, env));
  const walls = all.map((r) => r.wallMs);
  const cpu = all.every((r) => r.cpuMs !== undefined) ? median(all.map((r) => r.cpuMs!)) : undefined;
  const row: Row = {
    command,
    variant,
    medianMs: ms(median(walls)),
    minMs: ms(Math.min(...walls)),
    maxMs: ms(Math.max(...walls)),
    cpuMedianMs: cpu === undefined ? undefined : ms(cpu),
    runsMs: walls.map(ms),
  };
  log(
    `${command.padEnd(26)} ${variant.padEnd(8)} median ${String(row.medianMs).padStart(5)} ms  min ${String(row.minMs).padStart(5)} ms  max ${String(row.maxMs).padStart(5)} ms  cpu ${row.cpuMedianMs ?? '-'} ms`,
  );
  return row;
}

/**
 * `--help` piece by piece, in one fresh process per run: Node's own start, bin's stamp check, commander, the CLI's
 * declarations with the help text, and (not on the path any more) zod, each as wall and CPU ms. An `-e` script, so
 * no loader is involved.
 */
const PHASES_SCRIPT = `
process.argv = [process.execPath, 'licensewatch', '--help'];
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const marks = [['node', performance.now(), cpu()]];
const mark = (name) => marks.push([name, performance.now(), cpu()]);
const { buildState } = await import(${JSON.stringify(new URL('../scripts/cli-stamp.js', import.meta.url).href)});
if (buildState() !== 'fresh') throw new Error('dist/cli/ is not fresh');
mark('stamp check');
await import('commander');
mark('commander');
await import(${JSON.stringify(new URL('../dist/cli/main.js', import.meta.url).href)});
mark('declarations + help');
await import('zod');
mark('zod (no longer loaded)');
process.stderr.write(JSON.stringify(marks.map(([name, wall, cpu], i) =>
  ({ name, wallMs: wall - (marks[i - 1]?.[1] ?? 0), cpuMs: cpu - (marks[i - 1]?.[2] ?? 0) }))));
`;

async function helpPhases() {
  const samples: { name: string; wallMs: number; cpuMs: number }[][] = [];
  for (let i = 0; i <= runs; i++) {
    const stderr = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, ['--input-type=module', '-e', PHASES_SCRIPT], {
        cwd: root,
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let text = '';
      child.stderr.on('data', (d) => {
        text += d;
      });
      child.once('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`phases: ${text}`))));
    });
    if (i > 0) samples.push(JSON.parse(stderr)); // the first is the warm-up
  }
  const phases = samples[0]!.map(({ name }, p) => ({
    name,
    wallMs: ms(median(samples.map((s) => s[p]!.wallMs))),
    cpuMs: ms(median(samples.map((s) => s[p]!.cpuMs))),
  }));
  log('--help piece by piece (medians; "node" is from process start to the first line of the script):');
  for (const p of phases)
    log(
      `  ${p.name.padEnd(24)} wall ${String(p.wallMs).padStart(4)} ms  cpu ${String(p.cpuMs).padStart(4)} ms`,
    );
  return phases;
}

if (buildState() !== 'fresh') {
  log('dist/cli/ does not match the sources: building it first');
  await buildCli();
}

// The AWS SDK's Node 22 notice, from this process's own DynamoDB client (the CLI hides it itself).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const TOKEN = 'bench-cli-token';
const dynamo = await startEmbeddedDynamo({});
const emu = await startEmulator({ token: TOKEN });
const rows: Row[] = [];
let phases: Awaited<ReturnType<typeof helpPhases>> | undefined;
const loadBefore = loadavg()[0]!;
try {
  const store = ['--store', dynamo.endpoint, '--table', 'bench-cli'];
  log(`DynamoDB Local ${dynamo.endpoint}; filling it from the emulator's demo data (one sync)...`);
  await launch(process.execPath, [...VARIANTS.bundled, 'sync', ...store, '--api-url', emu.url], {
    CELIGO_API_TOKEN: TOKEN,
  });
  const connector = emu.connectors().find((c) => emu.licenses(c._id).length > 0)!;
  const licenseId = emu.licenses(connector._id)[0]!._id;

  phases = await helpPhases();
  rows.push(await measure('node -e 0 (Node alone)', '-', process.execPath, ['-e', '0']));
  for (const [variant, launcher] of Object.entries(VARIANTS)) {
    rows.push(await measure('--help', variant, process.execPath, [...launcher, '--help']));
  }
  rows.push(await measure('npx licensewatch --help', 'bundled', 'npx', ['licensewatch', '--help']));
  log(`ledger commands on ${dynamo.endpoint} (table bench-cli, ${emu.connectors().length} connectors):`);
  const ledgerCommands: [string, string[]][] = [
    ['license <id> --store URL', ['license', licenseId]],
    ['connectors --store URL', ['connectors']],
  ];
  for (const [label, command] of ledgerCommands) {
    for (const [variant, launcher] of Object.entries(VARIANTS)) {
      rows.push(await measure(label, variant, process.execPath, [...launcher, ...command, ...store]));
    }
  }
  // The embedded store as a user has it: the first command (a sync) starts it for the data dir and leaves it
  // running; every later command finds it through the data dir's port file, takes its lease and reads.
  const dataDir = mkdtempSync(join(tmpdir(), 'lw-bench-cli-'));
  const embedded = ['--data-dir', dataDir, '--store-idle', '5'];
  try {
    log(`warm embedded store in ${dataDir}: one sync starts it...`);
    await launch(process.execPath, [...VARIANTS.bundled, 'sync', ...embedded, '--api-url', emu.url], {
      CELIGO_API_TOKEN: TOKEN,
    });
    for (const [label, command] of ledgerCommands) {
      const row = label.replace('--store URL', 'on the warm store');
      rows.push(
        await measure(row, 'bundled', process.execPath, [...VARIANTS.bundled, ...command, ...embedded]),
      );
    }
  } finally {
    await launch(process.execPath, [...VARIANTS.bundled, 'store', 'stop', '--data-dir', dataDir]).catch(
      () => {},
    );
    rmSync(dataDir, { recursive: true, force: true });
  }
} finally {
  await emu.close();
  await dynamo.stop();
}

const out = {
  date: new Date().toISOString(),
  runs,
  machine: {
    node: process.version,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    memGb: Math.round(totalmem() / 2 ** 30),
    loadAverage1m: { before: loadBefore, after: loadavg()[0] },
  },
  helpPhases: phases,
  rows,
};
mkdirSync(here('./results'), { recursive: true });
writeFileSync(here('./results/cli-latest.json'), `${JSON.stringify(out, null, 2)}\n`);
log(
  `\nload average (1 min) ${loadBefore.toFixed(1)} -> ${loadavg()[0]!.toFixed(1)}; results in bench/results/cli-latest.json`,
);
