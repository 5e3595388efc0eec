// How every handler is bundled: one set of esbuild options, used by the stack (NodejsFunction) and the bundle-size test.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Runtime } from 'aws-cdk-lib/aws-lambda';
import { type BundlingOptions, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The newest Node.js Lambda runtime aws-cdk-lib knows; the bundle targets the same version. */
export const LAMBDA_RUNTIME = Runtime.NODEJS_24_X;
export const ESBUILD_TARGET = 'node24';

/** The handler entry points, relative to the repository root. */
export const HANDLER_ENTRIES = {
  plan: 'functions/handlers/plan.ts',
  syncWorker: 'functions/handlers/sync-worker.ts',
  alerts: 'functions/handlers/alerts.ts',
  api: 'functions/handlers/api.ts',
} as const;
export type HandlerName = keyof typeof HANDLER_ENTRIES;

/** ESM has no `require`; a CommonJS dependency that calls it (e.g. for a Node built-in) gets one from this banner. */
const REQUIRE_BANNER =
  "import { createRequire as __lwCreateRequire } from 'node:module'; const require = __lwCreateRequire(import.meta.url);";

/** The runtime ships AWS SDK v3; bundling it would only add size. Everything else is bundled and tree-shaken. */
const EXTERNAL = ['@aws-sdk/*'];
const MAIN_FIELDS = ['module', 'main'];

export const nodejsBundling: BundlingOptions = {
  format: OutputFormat.ESM,
  minify: true,
  target: ESBUILD_TARGET,
  mainFields: MAIN_FIELDS,
  banner: REQUIRE_BANNER,
  externalModules: EXTERNAL,
  sourceMap: false,
};

/** The same build for esbuild's API (what NodejsFunction runs on its command line). */
export const esbuildOptions = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  minify: true,
  treeShaking: true,
  target: ESBUILD_TARGET,
  mainFields: MAIN_FIELDS,
  banner: { js: REQUIRE_BANNER },
  external: EXTERNAL,
} as const;
