#!/usr/bin/env -S node --max-old-space-size=128
// @ts-check
// The heap cap: a sync's live data is a page and a connector's ids (well under it); without a cap V8 lets garbage
// pile up to 250-300 MB before a major collection. Applies when launched as a command (npx, the bin link, ./bin).
// Entry point: runs the prebuilt CLI in dist/cli/ when it matches the sources, else the TypeScript through tsx.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildState, OUT_DIR, ROOT } from '../scripts/cli-stamp.js';

// The AWS SDK warns on every run that it will want Node 22 from 2027; the CLI supports Node 20, so say it once in the README instead.
const printWarning = process.listeners('warning');
process.removeAllListeners('warning');
process.on('warning', (warning) => {
  if (`${warning.name} ${warning.message}`.includes('NodeVersionSupportWarning')) return;
  for (const listener of printWarning) listener(warning);
});

const state = buildState();
if (state === 'fresh') {
  // Stack traces then name the .ts files; only asked for with --verbose, as reading the maps costs time.
  if (process.argv.includes('--verbose')) process.setSourceMapsEnabled(true);
  await import(pathToFileURL(join(ROOT, OUT_DIR, 'main.js')).href);
} else {
  // A stale build would run yesterday's code: the sources are the truth. `npm ci`, `npm start`, `npm test` and
  // `npm run build` rebuild; on a terminal, say why this run is slower (a pipe or a test keeps its stderr clean).
  if (state === 'stale' && process.stderr.isTTY) {
    process.stderr.write(
      `licensewatch: ${OUT_DIR}/ is older than the sources; running them through tsx (npm run build makes it fast again)\n`,
    );
  }
  /** @type {typeof import('tsx/esm/api')} */
  let tsx;
  try {
    tsx = await import('tsx/esm/api');
  } catch {
    process.stderr.write(
      `licensewatch: no up-to-date build in ${OUT_DIR}/, and no tsx to run the sources: run npm run build\n`,
    );
    process.exit(1);
  }
  tsx.register();
  await import(pathToFileURL(join(ROOT, 'local/cli/main.ts')).href);
}
