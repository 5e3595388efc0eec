// Process hygiene: signals never leave java behind, Ctrl-C of a command spares the warm store, a missing Java is clear.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '#local/store/connect';
import { checkJava } from '#local/store/embedded';
import { isAlive, LOCK_FILE } from '#local/store/lock';
import { stopStore, storeStatus } from '#local/store/warm';
import { dataDirs, javaOn, probePid, runFixture, tempDir } from '../support/store-helpers.ts';

const dir = tempDir('lw-proc-');
const warmDirs = dataDirs('lw-proc-warm-');
afterAll(async () => {
  await warmDirs.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

/** Field 6 of /proc/<pid>/stat: the session id. */
function sessionOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[3]);
}

describe('a child process with an in-process DynamoDB Local', () => {
  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)(
    'killed with %s stops its java and exits with %i',
    async (signal, exitCode) => {
      const dataDir = join(dir, signal);
      const fixture = runFixture(['open', dataDir]);
      const report = await fixture.report;
      const pid = report.pid as number;
      expect(report.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(probePid(pid)).toBeUndefined();
      expect(existsSync(join(dataDir, 'dynamodb', LOCK_FILE))).toBe(true);

      fixture.child.kill(signal);
      await expect(fixture.exited).resolves.toEqual({ code: exitCode, signal: null });
      expect(probePid(pid)).toBe('ESRCH');
      expect(existsSync(join(dataDir, 'dynamodb', LOCK_FILE))).toBe(false);
    },
    60_000,
  );

  it.each(['start', 'warm'])('reports java_missing when java is not on PATH (%s)', async (mode) => {
    const fixture = runFixture([mode, warmDirs.make()], { PATH: '/nonexistent' });
    await expect(fixture.report).resolves.toEqual({
      error: 'java_missing',
      message:
        'java not found: DynamoDB Local needs Java 17+ (install a JDK/JRE 17 or use --store http://... / --store aws)',
    });
    await expect(fixture.exited).resolves.toEqual({ code: 2, signal: null });
  });
});

describe('opening the warm store', () => {
  it('refuses, without starting anything, a data dir a process runs its own DynamoDB Local on', async () => {
    const dataDir = warmDirs.make();
    mkdirSync(join(dataDir, 'dynamodb'));
    // As the previous version (or startEmbeddedDynamo) writes it: no kind, so not a warm store to share.
    writeFileSync(
      join(dataDir, 'dynamodb', LOCK_FILE),
      JSON.stringify({ pid: process.pid, javaPid: process.pid, startedAt: 'now' }),
    );
    await expect(openStore({ store: 'embedded', dataDir, table: 'child' })).rejects.toMatchObject({
      code: 'store_busy',
      message: expect.stringContaining(`in use by pid ${process.pid}, which runs DynamoDB Local for itself`),
    });
    expect(existsSync(join(dataDir, 'dynamodb', 'store.log'))).toBe(false);
  });

  it('stops a DynamoDB Local orphaned by a killed supervisor before starting its own', async () => {
    const dataDir = warmDirs.make();
    const dbDir = join(dataDir, 'dynamodb');
    mkdirSync(dbDir);
    // What a supervisor killed without setpriv (macOS) leaves: a stale lock naming a java still on the files.
    const orphan = spawn(
      process.execPath,
      ['-e', 'setInterval(() => {}, 1000)', 'DynamoDBLocal.jar', '-dbPath', dbDir],
      { stdio: 'ignore', detached: true },
    );
    try {
      await new Promise((r) => orphan.once('spawn', r));
      const dead = spawnSync(process.execPath, ['-e', 'console.log(process.pid)']).stdout.toString().trim();
      writeFileSync(
        join(dbDir, LOCK_FILE),
        JSON.stringify({ pid: Number(dead), javaPid: orphan.pid, startedAt: 'then', kind: 'supervisor' }),
      );
      const store = await openStore({ store: 'embedded', dataDir, table: 'orphans', idleMinutes: 0.2 });
      await store.close();
      expect(isAlive(orphan.pid!)).toBe(false);
      expect(readFileSync(join(dbDir, 'store.log'), 'utf8')).toContain(
        `stopping DynamoDB Local pid ${orphan.pid}, left behind by supervisor ${dead}`,
      );
      expect(javaOn(dataDir)).toEqual([store.embedded!.pid]);
    } finally {
      orphan.kill('SIGKILL');
      await stopStore(dataDir);
    }
  }, 90_000);
});

describe('a command on the warm store', () => {
  it('interrupted by Ctrl-C (SIGINT to its whole process group) leaves the store running in its own session', async () => {
    const dataDir = warmDirs.make();
    const fixture = runFixture(['warm', dataDir], process.env, { detached: true });
    const report = await fixture.report;
    const status = storeStatus(dataDir);
    expect(status).toMatchObject({ running: true, javaPid: report.pid, heldBy: [fixture.child.pid] });
    const supervisor = status.running ? status.pid : 0;
    // Session leader of its own session: no terminal's Ctrl-C or hangup reaches it.
    expect(sessionOf(supervisor)).toBe(supervisor);
    expect(sessionOf(supervisor)).not.toBe(sessionOf(fixture.child.pid!));

    process.kill(-fixture.child.pid!, 'SIGINT');
    await expect(fixture.exited).resolves.toEqual({ code: null, signal: 'SIGINT' });
    expect(storeStatus(dataDir)).toMatchObject({ running: true, pid: supervisor, heldBy: [] });
    expect(probePid(report.pid as number)).toBeUndefined();

    await expect(stopStore(dataDir)).resolves.toMatchObject({ stopped: 'store', pid: supervisor });
    // Not our child once the fixture died: gone, or a zombie waiting for an init that may not reap.
    expect(isAlive(supervisor)).toBe(false);
    expect(javaOn(dataDir)).toEqual([]);
  }, 90_000);
});

describe('checkJava', () => {
  function fakeJava(name: string, versionLine: string): string {
    const path = join(dir, name);
    writeFileSync(path, `#!/bin/sh\necho '${versionLine}' >&2\n`);
    chmodSync(path, 0o755);
    return path;
  }

  it('accepts the installed Java 17+', async () => {
    const info = await checkJava();
    expect(info.major).toBeGreaterThanOrEqual(17);
  });

  it('rejects a missing command', async () => {
    await expect(checkJava(join(dir, 'no-java'))).rejects.toMatchObject({
      code: 'java_missing',
      message: expect.stringMatching(/^java not found: DynamoDB Local needs Java 17\+/),
    });
  });

  it.each([
    ['java11', 'openjdk version "11.0.2" 2019-01-15', '11.0.2'],
    ['java8', 'java version "1.8.0_292"', '1.8.0_292'],
  ])('rejects an old Java (%s)', async (name, line, version) => {
    await expect(checkJava(fakeJava(name, line))).rejects.toMatchObject({
      code: 'java_missing',
      message: expect.stringMatching(new RegExp(`^java ${version.replace(/\./g, '\\.')} is too old`)),
    });
  });

  it('parses a newer Java', async () => {
    await expect(checkJava(fakeJava('java21', 'openjdk version "21.0.1" 2023-10-17'))).resolves.toEqual({
      version: '21.0.1',
      major: 21,
    });
  });
});
