// Test helpers for the store tests: process liveness, temp dirs and the child-process fixture.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const FIXTURE = join(import.meta.dirname, 'fixtures', 'child-store.ts');
export const REPO_ROOT = join(import.meta.dirname, '..', '..');

export function tempDir(prefix = 'lw-store-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
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

/** Runs the fixture with tsx under the current node binary, explicit path, so PATH may be anything. */
export function runFixture(args: string[], env: NodeJS.ProcessEnv = process.env): FixtureChild {
  const child = spawn(process.execPath, ['--no-warnings', '--import', 'tsx', FIXTURE, ...args], {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
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
