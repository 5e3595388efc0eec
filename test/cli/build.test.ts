// The prebuilt CLI: the stamp that says whether dist/cli/ matches the sources, the rebuild run before npm start and
// npm test, which of build and sources bin/licensewatch.js runs, and what `--help` loads.
import { execFile } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Metafile } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli } from '../../scripts/cli-build.js';
import { buildState, OUT_DIR, ROOT, stampOf } from '../../scripts/cli-stamp.js';

/**
 * A project of its own with the real bin and build scripts and a two-module CLI that prints where it runs from
 * (`import.meta.url`: dist/cli/... when built, local/cli/... under tsx). node_modules is the repository's.
 */
let project: string;
const at = (file: string) => join(project, file);
const write = (file: string, text: string) => {
  mkdirSync(dirname(at(file)), { recursive: true });
  writeFileSync(at(file), text);
};
const run = (file: string, args: string[] = []) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      [at(file), ...args],
      { cwd: project, timeout: 60_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
/** Moves a file's mtime by `seconds` without changing its content. */
const touch = (file: string, seconds: number) => {
  const { mtimeMs } = statSync(at(file));
  const when = new Date(mtimeMs + seconds * 1000);
  utimesSync(at(file), when, when);
};
const ACTION = "export const hello = (where: string): string => 'hello from ' + where;\n";

beforeAll(() => {
  project = mkdtempSync(join(tmpdir(), 'lw-clibuild-'));
  for (const file of ['bin/licensewatch.js', 'scripts/cli-build.js', 'scripts/cli-stamp.js']) {
    mkdirSync(dirname(at(file)), { recursive: true });
    copyFileSync(join(ROOT, file), at(file));
  }
  symlinkSync(join(ROOT, 'node_modules'), at('node_modules'));
  write('package.json', JSON.stringify({ name: 'fixture', type: 'module', private: true }));
  write('tsconfig.json', '{}');
  write(
    'local/cli/main.ts',
    "const { hello } = await import('./action.ts');\nconsole.log(hello(import.meta.url));\n",
  );
  write('local/cli/action.ts', ACTION);
});
afterAll(() => rmSync(project, { recursive: true, force: true }));

describe('the stamp', () => {
  it('is missing before a build, fresh after one, with each import() in its own chunk', async () => {
    expect(buildState(project)).toBe('missing');
    const { files, inputs } = await buildCli({ root: project });
    expect(buildState(project)).toBe('fresh');
    expect(inputs).toEqual(
      expect.arrayContaining(['local/cli/main.ts', 'local/cli/action.ts', 'package.json']),
    );
    expect(files).toContain('main.js');
    expect(files.some((f) => /^chunks\/action-\w+\.js$/.test(f))).toBe(true);
    expect(readFileSync(at(`${OUT_DIR}/main.js`), 'utf8')).not.toContain('hello from');
  });

  it('goes stale when a source changes in any way, or is gone, and missing without the entry', async () => {
    await buildCli({ root: project });
    touch('local/cli/action.ts', 5);
    expect(buildState(project)).toBe('stale');

    await buildCli({ root: project });
    touch('local/cli/action.ts', -60); // a checkout can move mtimes backwards
    expect(buildState(project)).toBe('stale');

    await buildCli({ root: project });
    const { mtimeMs } = statSync(at('local/cli/action.ts'));
    write('local/cli/action.ts', `${ACTION}// longer\n`);
    utimesSync(at('local/cli/action.ts'), new Date(mtimeMs), new Date(mtimeMs)); // same mtime, other size
    expect(buildState(project)).toBe('stale');

    await buildCli({ root: project });
    touch('package.json', 5); // the #imports map is an input too
    expect(buildState(project)).toBe('stale');

    await buildCli({ root: project });
    rmSync(at(`${OUT_DIR}/main.js`));
    expect(buildState(project)).toBe('missing');
    write('local/cli/action.ts', ACTION);
  });

  it('never matches a file saved while the build ran', () => {
    write('local/cli/main.ts', readFileSync(at('local/cli/main.ts'), 'utf8'));
    const started = statSync(at('local/cli/main.ts')).mtimeMs; // as if main.ts was saved as esbuild read it
    touch('local/cli/action.ts', -60);
    const stamp = stampOf(project, 'main.js', ['local/cli/main.ts', 'local/cli/action.ts'], started);
    expect(stamp.inputs['local/cli/main.ts']).toEqual([-1, -1]);
    expect(stamp.inputs['local/cli/action.ts']?.[0]).toBeGreaterThan(0);
  });

  it('removes the files of an earlier build', async () => {
    write(`${OUT_DIR}/chunks/action-OLDHASH1.js`, 'export {};');
    await buildCli({ root: project });
    expect(existsSync(at(`${OUT_DIR}/chunks/action-OLDHASH1.js`))).toBe(false);
    expect(buildState(project)).toBe('fresh');
  });
});

describe('the rebuild before npm start and npm test (--if-stale --soft)', () => {
  it('rebuilds a stale build once, then does nothing', async () => {
    await buildCli({ root: project });
    touch('local/cli/action.ts', 5);
    const first = await run('scripts/cli-build.js', ['--if-stale', '--soft']);
    expect(first.code).toBe(0);
    expect(first.stderr).toMatch(
      /^licensewatch: sources changed: built dist\/cli\/ from \d+ files in \d+ ms\n$/,
    );
    expect(buildState(project)).toBe('fresh');
    const second = await run('scripts/cli-build.js', ['--if-stale', '--soft']);
    expect(second).toMatchObject({ code: 0, stderr: '' });
  });

  it('says once that it cannot build and exits 0 (exit 1 without --soft); the build stays stale', async () => {
    write('local/cli/action.ts', 'export const hello = (;\n');
    try {
      const soft = await run('scripts/cli-build.js', ['--if-stale', '--soft']);
      expect(soft.code).toBe(0);
      expect(soft.stderr.trim().split('\n')).toHaveLength(1);
      expect(soft.stderr).toMatch(
        /^licensewatch: cannot build dist\/cli\/ \(local\/cli\/action\.ts:1:\d+: .+\); the CLI runs the TypeScript sources through tsx until it builds\n$/,
      );
      expect(buildState(project)).toBe('stale');
      const hard = await run('scripts/cli-build.js');
      expect(hard.code).toBe(1);
      expect(hard.stderr).toMatch(/^licensewatch: cannot build dist\/cli\/: local\/cli\/action\.ts:1:\d+: /);
    } finally {
      write('local/cli/action.ts', ACTION);
    }
  });
});

describe('bin/licensewatch.js', () => {
  it('runs the build when it matches the sources', async () => {
    await buildCli({ root: project });
    const r = await run('bin/licensewatch.js');
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toMatch(/^hello from file:\/\/.*\/dist\/cli\/main\.js\n$/);
  });

  it('runs the sources through tsx when the build is stale (quietly, off a terminal) or missing', async () => {
    await buildCli({ root: project });
    write('local/cli/action.ts', ACTION.replace('hello from', 'edited, hello from'));
    const stale = await run('bin/licensewatch.js');
    expect(stale).toMatchObject({ code: 0, stderr: '' });
    expect(stale.stdout).toMatch(/^edited, hello from file:\/\/.*\/local\/cli\/main\.ts\n$/);

    rmSync(at('dist'), { recursive: true });
    const missing = await run('bin/licensewatch.js');
    expect(missing).toMatchObject({ code: 0, stderr: '' });
    expect(missing.stdout).toMatch(/\/local\/cli\/main\.ts\n$/);
    write('local/cli/action.ts', ACTION);
  });
});

describe("this repository's build", () => {
  // Built by pretest or test/setup/cli-build.ts: every CLI test runs it, not the sources.
  const meta = (): Metafile => JSON.parse(readFileSync(join(ROOT, OUT_DIR, 'meta.json'), 'utf8'));
  const mainOf = (m: Metafile) => Object.keys(m.outputs).find((o) => o.endsWith(`${OUT_DIR}/main.js`))!;
  /** What loading `output` loads before any import() runs: the outputs, their inputs and the packages. */
  const staticClosure = (m: Metafile, output: string) => {
    const outputs = new Set<string>();
    const packages = new Set<string>();
    const visit = (o: string) => {
      if (outputs.has(o)) return;
      outputs.add(o);
      for (const i of m.outputs[o]!.imports) {
        if (i.kind !== 'import-statement') continue;
        if (i.external) packages.add(i.path);
        else visit(i.path);
      }
    };
    visit(output);
    const inputs = [...outputs].flatMap((o) => Object.keys(m.outputs[o]!.inputs));
    return { outputs, inputs, packages };
  };

  it('is fresh, so bin/licensewatch.js runs it', () => {
    expect(buildState()).toBe('fresh');
  });

  it('loads commander and the command declarations for --help, nothing heavier', () => {
    const m = meta();
    const help = staticClosure(m, mainOf(m));
    expect([...help.packages].filter((p) => !p.startsWith('node:'))).toEqual(['commander']);
    for (const input of help.inputs)
      expect(input).toMatch(
        /^(local\/cli\/(?!actions\/)|local\/serve\/hosts|functions\/defaults|functions\/ledger\/kinds|functions\/app\/(vocabulary|errors)[.]ts$)/,
      );
  });

  it("puts each command's action module behind an import() of its own", () => {
    const m = meta();
    const help = staticClosure(m, mainOf(m));
    const actions = Object.keys(m.inputs).filter((i) => i.startsWith('local/cli/actions/'));
    expect(actions.length).toBeGreaterThanOrEqual(4);
    for (const action of actions) {
      const homes = Object.keys(m.outputs).filter((o) => m.outputs[o]!.inputs[action]);
      expect(homes, action).toHaveLength(1);
      expect(help.outputs.has(homes[0]!), action).toBe(false);
    }
  });
});
