// The Node adapter: serves a Hono app (the HTTP API, the emulator) on a local port, behind the Host and Origin guard.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener, type Http2Bindings, type HttpBindings } from '@hono/node-server';
import { type RequestGuard, refuse, requestGuard } from './guard.ts';
import { loopbackHosts, parseAllowedHosts } from './hosts.ts';

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
  /**
   * Hosts answered besides 127.0.0.1:<port> and localhost:<port>: `host` (any port) or `host:port`, e.g. the name a
   * reverse proxy forwards. A malformed one rejects before anything listens.
   */
  allowedHosts?: readonly string[];
  /** Gets one sanitised line per refused request; by default refusals are not logged. */
  log?: (line: string) => void;
}

type Fetch = (request: Request, env: HttpBindings) => Response | Promise<Response>;

/** Listens and resolves once the port is bound; rejects (EADDRINUSE, EACCES, ...) when it cannot be. */
export function serveApp(app: { fetch: Fetch }, options: ServeOptions): Promise<ServedApp> {
  const host = options.host ?? '127.0.0.1';
  return new Promise((resolve, reject) => {
    // Inside the executor, so a malformed host rejects like any other failure to serve.
    const extra = parseAllowedHosts(options.allowedHosts ?? [], 'allowedHosts');
    // Our server is HTTP/1, so the bindings are never HTTP/2's.
    const toApp = getRequestListener((request: Request, env: HttpBindings | Http2Bindings) =>
      app.fetch(request, env as HttpBindings),
    );
    // Built on the first request, once the port is known (also when port 0 let the system pick it).
    let guard: RequestGuard | undefined;
    // Node answers an HTTP/1.1 request without Host with a bare 400 of its own; the guard refuses it with our error body.
    const server = createServer({ requireHostHeader: false }, (incoming, outgoing) => {
      // Ahead of the adapter too, which would answer some forged Hosts with its own bare 400.
      guard ??= requestGuard({ loopback: loopbackHosts(host, boundPort()), extra });
      const refusal = guard(incoming);
      if (!refusal) return void toApp(incoming, outgoing);
      options.log?.(refusal.logLine);
      refuse(outgoing, refusal);
    });
    const boundPort = () => (server.address() as AddressInfo).port;
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      const port = boundPort();
      const urlHost = host.includes(':') ? `[${host}]` : host;
      let closing: Promise<void> | undefined;
      resolve({
        url: `http://${urlHost}:${port}`,
        port,
        close: () => {
          closing ??= new Promise<void>((done, fail) => {
            server.close((error) => (error ? fail(error) : done()));
            // Browsers and fetch keep connections alive; without this close() waits for them to time out.
            server.closeAllConnections();
          });
          return closing;
        },
      });
    });
  });
}
