// Test helpers for the store tests: process liveness, temp dirs, warm-store cleanup and the child-process fixture.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stopStore } from '#local/store/warm';

export const FIXTURE = join(import.meta.dirname, '..', 'store', 'fixtures', 'child-store.ts');
export const REPO_ROOT = join(import.meta.dirname, '..', '..');

export function tempDir(prefix = 'lw-store-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * Data dirs whose warm store the calling test file must stop: `await cleanup()` in afterAll stops every store
 * (and any orphaned java) and removes the dirs, whether or not the tests passed.
 */
export function dataDirs(prefix = 'lw-store-'): { make(): string; cleanup(): Promise<void> } {
  const made: string[] = [];
  return {
    make() {
      const dir = tempDir(prefix);
      made.push(dir);
      return dir;
    },
    async cleanup() {
      for (const dir of made.splice(0)) {
        await stopStore(dir).catch(() => undefined);
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** Pids of DynamoDB Local processes whose -dbPath is `<dataDir>/dynamodb` (or under it). */
export function javaOn(dataDir: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const args = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
      const at = args.indexOf('-dbPath');
      if (args.some((a) => a.endsWith('DynamoDBLocal.jar')) && at >= 0 && args[at + 1]?.startsWith(dataDir)) {
        if (probePid(Number(name)) === undefined && !zombie(Number(name))) pids.push(Number(name));
      }
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

function zombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return true;
  }
}

/** Polls `check` every 50 ms until it holds, or fails after `ms`. */
export async function until(
  check: () => boolean | Promise<boolean>,
  ms: number,
  what = 'condition',
): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`${what}: not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The error code of process.kill(pid, 0): undefined while the process exists, 'ESRCH' once it is gone. */
export function probePid(pid: number): string | undefined {
  try {
    process.kill(pid, 0);
    return undefined;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code;
  }
}

export interface FixtureChild {
  child: ChildProcess;
  /** Resolves with the first JSON line printed. */
  report: Promise<Record<string, unknown>>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr(): string;
}

/** Runs the fixture with tsx under the current node binary, explicit path, so PATH may be anything; `detached` gives it a process group of its own, as a shell gives a command. */
export function runFixture(
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
  options: { detached?: boolean } = {},
): FixtureChild {
  const child = spawn(process.execPath, ['--no-warnings', '--import', 'tsx', FIXTURE, ...args], {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.detached,
  });
  let out = '';
  let err = '';
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const report = new Promise<Record<string, unknown>>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve(JSON.parse(line) as Record<string, unknown>);
    });
    void exited.then(({ code, signal }) =>
      reject(new Error(`fixture exited (${signal ?? code}) without a report: ${err.trim().slice(-500)}`)),
    );
  });
  return { child, report, exited, stderr: () => err };
}
