// The Lambda runtime's Node installer (npm test's pretest) without downloading: its major is the stack's runtime's,
// and it installs where the Lambda runtime test looks.
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LAMBDA_RUNTIME } from '../../../infra/bundling.ts';
import {
  LAMBDA_NODE_MAJOR,
  lambdaNodeBinary,
  lambdaNodeDir,
  lambdaNodeVersion,
} from '../../../scripts/lambda-node.js';

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('scripts/lambda-node.js', () => {
  it("installs the major of the stack's Lambda runtime", () => {
    expect(LAMBDA_RUNTIME.name).toBe(`nodejs${LAMBDA_NODE_MAJOR}.x`);
  });

  it('installs into LAMBDA_NODE_DIR, else a per-user cache outside the project', () => {
    vi.stubEnv('LAMBDA_NODE_DIR', '/tmp/lw-node');
    expect(lambdaNodeBinary()).toBe('/tmp/lw-node/bin/node');
    vi.stubEnv('LAMBDA_NODE_DIR', '');
    vi.stubEnv('XDG_CACHE_HOME', '/tmp/lw-cache');
    expect(lambdaNodeDir()).toBe(
      join(
        '/tmp/lw-cache',
        'licensewatch',
        `lambda-node${LAMBDA_NODE_MAJOR}-${process.platform}-${process.arch}`,
      ),
    );
  });

  it('counts a binary as installed only when it runs as that major', () => {
    expect(lambdaNodeVersion('/nonexistent/bin/node')).toBeUndefined();
    // This process's Node runs, but is a different major (20 here) unless it happens to be the runtime's.
    const own = lambdaNodeVersion(process.execPath);
    expect(own).toBe(process.versions.node.startsWith(`${LAMBDA_NODE_MAJOR}.`) ? process.version : undefined);
  });
});
