#!/usr/bin/env node
// Entry point: runs the TypeScript CLI through tsx, so `npx licensewatch` works right after `npm ci`.
import { register } from 'tsx/esm/api';

register();
await import('../local/cli/main.ts');
