// Process hygiene: signals never leave java behind, and a missing or old Java is reported clearly.
import { chmodSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkJava } from '#local/store/embedded';
import { LOCK_FILE } from '#local/store/lock';
import { probePid, runFixture, tempDir } from './helpers.ts';

const dir = tempDir('lw-proc-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a child process with an embedded store', () => {
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

  it('reports java_missing when java is not on PATH', async () => {
    const fixture = runFixture(['start'], { PATH: '/nonexistent' });
    await expect(fixture.report).resolves.toEqual({
      error: 'java_missing',
      message:
        'java not found: DynamoDB Local needs Java 17+ (install a JDK/JRE 17 or use --store http://... / --store aws)',
    });
    await expect(fixture.exited).resolves.toEqual({ code: 2, signal: null });
  });
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
