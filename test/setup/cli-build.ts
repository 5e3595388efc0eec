// Vitest globalSetup: rebuilds dist/cli/ when the sources changed (as `npm test`'s pretest does), so the CLI tests run
// the bundle users run even under a focused `npx vitest run test/cli`.
import { buildCli } from '../../scripts/cli-build.js';
import { buildState } from '../../scripts/cli-stamp.js';

export default async function setup() {
  if (buildState() === 'fresh') return;
  try {
    await buildCli();
  } catch (error) {
    // bin/licensewatch.js then runs the sources through tsx, and the tests report what is wrong with them.
    console.warn(
      `cannot build dist/cli/ (${(error as Error).message}); the CLI tests run the sources through tsx`,
    );
  }
}
