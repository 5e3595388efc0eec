#!/usr/bin/env node
// Entry point: runs the TypeScript CLI through tsx, so `npx licensewatch` works right after `npm ci`.
import { register } from 'tsx/esm/api';

// The AWS SDK warns on every run that it will want Node 22 from 2027; the CLI supports Node 20, so say it once in the README instead.
const printWarning = process.listeners('warning');
process.removeAllListeners('warning');
process.on('warning', (warning) => {
  if (`${warning.name} ${warning.message}`.includes('NodeVersionSupportWarning')) return;
  for (const listener of printWarning) listener(warning);
});

register();
await import('../local/cli/main.ts');
