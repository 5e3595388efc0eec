// The readiness probe carries the data dir's key id: it goes only to a port the store's own java listens on, not to
// whoever bound the port first (another local user racing the JVM's start).
import { spawn } from 'node:child_process';
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { awaitDynamo, listensOn } from '#local/store/embedded';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

/** A listener in this process that answers 200 like DynamoDB Local and keeps every Authorization header it got. */
async function impostor() {
  const seen: string[] = [];
  const server = createHttpServer((req, res) => {
    seen.push(String(req.headers.authorization ?? ''));
    res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' }).end('{"TableNames":[]}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(() => server.close());
  return { port: (server.address() as AddressInfo).port, seen };
}

describe('the readiness probe', () => {
  it('tells which process listens on a port', async () => {
    const { port } = await impostor();
    expect(listensOn(process.pid, port)).toBe(true);
    const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 10_000)'], { stdio: 'ignore' });
    cleanups.push(() => sleeper.kill('SIGKILL'));
    expect(listensOn(sleeper.pid!, port)).toBe(false);
  });

  it('never sends the key to a port its java does not listen on, even one that answers like DynamoDB', async () => {
    const { port, seen } = await impostor();
    // "java": started, not listening yet; the port taken by someone else meanwhile.
    const java = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 10_000)'], { stdio: 'ignore' });
    cleanups.push(() => java.kill('SIGKILL'));
    const started = Date.now();
    await expect(
      awaitDynamo({
        port,
        access: { accessKeyId: 'SECRETKEYID0123456789', secretAccessKey: 'x', region: 'us-east-1' },
        pid: java.pid,
        exited: () => (Date.now() - started > 1_500 ? 'port taken by another process' : undefined),
        lastLine: () => '',
      }),
    ).rejects.toMatchObject({ code: 'store_start_failed' });
    expect(seen.filter((h) => h.includes('SECRETKEYID'))).toEqual([]);
  });
});
