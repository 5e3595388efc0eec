// The embedded store's port changing hands: serve's java dies and another local program takes its port. serve must
// never send that program a request (it would carry the data dir's key id and be answered with a ledger not ours):
// it checks the port is its java's before each connection, and reopens its own store.
import { spawn } from 'node:child_process';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { storeStatus } from '#local/store/warm';
import { dataDirs, until } from '../support/store-helpers.ts';

const dirs = dataDirs('lw-port-');
afterAll(() => dirs.cleanup());
const BIN = join(import.meta.dirname, '..', '..', 'bin', 'licensewatch.js');

describe('a store port that changes hands', () => {
  it('serve sends nothing to a program that took its dead java’s port, and goes on with its own store', async () => {
    const dataDir = dirs.make();
    const env = {
      ...process.env,
      LICENSEWATCH_DATA_DIR: dataDir,
      LICENSEWATCH_STORE: 'embedded',
      LICENSEWATCH_STORE_IDLE: '0.5',
      LICENSEWATCH_TABLE: 'owner',
      CELIGO_API_TOKEN: '',
    };
    const serve = spawn(process.execPath, [BIN, 'serve', '--port', '0'], {
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const seen: { method?: string; url?: string; headers: IncomingHttpHeaders }[] = [];
    const impostor = createServer((req, res) => {
      seen.push({ method: req.method, url: req.url, headers: req.headers });
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
      res.end('{"Items":[],"Count":0,"ScannedCount":0}');
    });
    try {
      let stderr = '';
      serve.stderr.on('data', (d) => {
        stderr += d;
      });
      await until(() => /API on http:\/\/127\.0\.0\.1:\d+/.test(stderr), 60_000, 'serve is up');
      const url = /API on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr)![1]!;
      expect((await fetch(`${url}/connectors`)).status).toBe(200);
      const before = storeStatus(dataDir);
      if (!before.running) throw new Error('the store is not running');
      const port = Number(new URL(before.endpoint).port);
      process.kill(before.javaPid, 'SIGKILL');
      await until(() => !storeStatus(dataDir).running, 15_000, 'the store notices');
      // Another program takes the port as soon as it is free (the dead java's socket may linger a moment).
      await until(
        () =>
          new Promise<boolean>((resolve) => {
            impostor.once('error', () => resolve(false));
            impostor.listen(port, '127.0.0.1', () => resolve(true));
          }),
        20_000,
        `port ${port} is free for the impostor`,
      );
      const res = await fetch(`${url}/connectors`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ items: [] });
      expect(seen).toEqual([]);
      expect(seen.some((r) => r.headers.authorization)).toBe(false);
      const after = storeStatus(dataDir);
      expect(after.running && after.javaPid).not.toBe(before.javaPid);
      expect(after.running && after.endpoint).not.toBe(before.endpoint);
    } finally {
      serve.kill('SIGINT');
      await new Promise((r) => serve.once('exit', r));
      impostor.close();
    }
  }, 120_000);
});
