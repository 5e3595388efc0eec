// @ts-check
// The CLI build's stamp: every file a build of dist/cli/ read, with its size and mtime, and whether the sources
// still match it. bin/licensewatch.js asks at every launch, so this only stats files (about 80: a millisecond).
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file is in scripts/). */
export const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Where the build goes, relative to the root; git-ignored. */
export const OUT_DIR = 'dist/cli';
/** The CLI's entry point, relative to the root; the build writes it as `main.js`. */
export const ENTRY = 'local/cli/main.ts';
export const STAMP_FILE = 'stamp.json';

/**
 * @typedef {object} Stamp
 * @property {1} version
 * @property {string} entry the built entry, relative to the build directory
 * @property {Record<string, [mtimeMs: number, size: number]>} inputs relative to the root
 */

/**
 * Whether `outDir` holds a build of the current sources: `fresh` (run it), `stale` (a file it was built from has
 * changed or is gone since) or `missing` (no build, or no stamp). Any change of mtime or size counts, not only a
 * newer mtime: a checkout or a restore can move a file's mtime backwards.
 * @param {string} [root]
 * @param {string} [outDir]
 * @returns {'fresh' | 'stale' | 'missing'}
 */
export function buildState(root = ROOT, outDir = OUT_DIR) {
  const stamp = readStamp(join(root, outDir));
  if (!stamp || !statSync(join(root, outDir, stamp.entry), { throwIfNoEntry: false })) return 'missing';
  for (const [file, [mtimeMs, size]] of Object.entries(stamp.inputs)) {
    const now = statOrUndefined(join(root, file));
    if (!now || now.mtimeMs !== mtimeMs || now.size !== size) return 'stale';
  }
  return 'fresh';
}

/**
 * The stamp of a build that read `files` (relative to `root`) and started at `startedMs`. A file saved while the
 * build ran may have been read before the save, so it is recorded as never matching and the next check builds
 * again. (An mtime later than now is a clock's oddity, not a save during the build: it is recorded as it is.)
 * @param {string} root
 * @param {string} entry
 * @param {readonly string[]} files
 * @param {number} startedMs
 * @returns {Stamp}
 */
export function stampOf(root, entry, files, startedMs) {
  /** @type {Stamp['inputs']} */
  const inputs = {};
  for (const file of [...files].sort()) {
    const stat = statOrUndefined(join(root, file));
    const savedDuringBuild = stat && stat.mtimeMs >= startedMs && stat.mtimeMs <= Date.now();
    inputs[file] = stat && !savedDuringBuild ? [stat.mtimeMs, stat.size] : [-1, -1];
  }
  return { version: 1, entry, inputs };
}

/**
 * @param {string} dir
 * @returns {Stamp | undefined}
 */
function readStamp(dir) {
  try {
    const stamp = JSON.parse(readFileSync(join(dir, STAMP_FILE), 'utf8'));
    return stamp?.version === 1 && typeof stamp.entry === 'string' && stamp.inputs ? stamp : undefined;
  } catch {
    return undefined;
  }
}

/** @param {string} path */
function statOrUndefined(path) {
  try {
    return statSync(path, { throwIfNoEntry: false });
  } catch {
    return undefined; // e.g. ENOTDIR: a directory on the path became a file
  }
}
