// The Node adapter: serves a Hono app (the HTTP API) on a local port over Node's HTTP server.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';

export interface ServedApp {
  /** e.g. http://127.0.0.1:3000, no trailing slash. */
  readonly url: string;
  readonly port: number;
  /** Stops listening and drops kept-alive connections. */
  close(): Promise<void>;
}

export interface ServeOptions {
  /** 0 picks a free port. */
  port: number;
  host?: string;
}

/** Listens and resolves once the port is bound; rejects (EADDRINUSE, EACCES, ...) when it cannot be. */
export function serveApp(
  app: { fetch: (request: Request) => Response | Promise<Response> },
  options: ServeOptions,
): Promise<ServedApp> {
  const host = options.host ?? '127.0.0.1';
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, hostname: host, port: options.port }, () => {
      server.off('error', reject);
      const port = (server.address() as AddressInfo).port;
      const urlHost = host.includes(':') ? `[${host}]` : host;
      let closing: Promise<void> | undefined;
      resolve({
        url: `http://${urlHost}:${port}`,
        port,
        close: () => {
          closing ??= new Promise<void>((done, fail) => {
            (server as Server).close((error) => (error ? fail(error) : done()));
            // Browsers and fetch keep connections alive; without this close() waits for them to time out.
            (server as Server).closeAllConnections();
          });
          return closing;
        },
      });
    }) as Server;
    server.once('error', reject);
  });
}
