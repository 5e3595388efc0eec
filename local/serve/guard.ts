// The local servers' front door: only requests addressed to an allowed Host, and no writes from a foreign page (DNS rebinding, CSRF).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ALLOWED_HOSTS_ENV, type AllowedHost, formatHost, isAllowed, parseHost } from './hosts.ts';

export interface Refusal {
  code: 'forbidden_host' | 'forbidden_origin';
  message: string;
  /** For the server's log: one line, every value from the request sanitised. */
  logLine: string;
}

export interface GuardConfig {
  /** The loopback names on the bound port (127.0.0.1 and localhost first: refusals name those two). */
  loopback: readonly AllowedHost[];
  /** From --allowed-host: also taken as https:// origins, since a reverse proxy in front may terminate TLS. */
  extra: readonly AllowedHost[];
}

export type RequestGuard = (incoming: IncomingMessage) => Refusal | undefined;

// A page on another site can send these too, but they change nothing, and their answers stay out of its reach: the
// browser withholds a cross-origin answer (we send no CORS headers), and a rebinding page, which would read it as
// same-origin, sends its own name as Host and is refused by the Host check.
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);

export function requestGuard(config: GuardConfig): RequestGuard {
  const every = [...config.loopback, ...config.extra];
  const ours = config.loopback.slice(0, 2).map(formatHost).join(' or ');
  const refuseHost = (incoming: IncomingMessage, reason: string): Refusal => ({
    code: 'forbidden_host',
    message: `${reason}; this server answers only Host ${ours}, and hosts added with --allowed-host or ${ALLOWED_HOSTS_ENV}`,
    logLine: `refused ${requestLine(incoming)}: forbidden_host (${reason})`,
  });

  return (incoming) => {
    // Node keeps only the first of repeated Host headers in `headers`; rawHeaders has them all.
    const hosts = incoming.rawHeaders.filter(
      (_, i) => i % 2 === 0 && incoming.rawHeaders[i]!.toLowerCase() === 'host',
    );
    const value = incoming.headers.host;
    if (hosts.length === 0 || value === undefined)
      return refuseHost(incoming, 'the request has no Host header');
    if (hosts.length > 1) return refuseHost(incoming, 'the request has more than one Host header');
    const host = parseHost(value);
    if (!host || !isAllowed(host, every))
      return refuseHost(incoming, `Host ${printable(value)} is not allowed`);
    // An absolute target (GET http://name/path) overrides Host in the URL the app sees; its host must pass as well.
    const target = incoming.url ?? '';
    if (/^https?:\/\//i.test(target)) {
      const named = urlHost(target);
      if (!named || !isAllowed(named, every))
        return refuseHost(
          incoming,
          `the request target ${printable(target)} names a host that is not allowed`,
        );
    }

    if (SAFE_METHODS.has(incoming.method ?? '')) return undefined;
    const origin = incoming.headers.origin;
    // No Origin: not a browser's cross-site request (curl, scripts, the CLI), which the Host check has already vetted.
    if (origin === undefined || originAllowed(origin, every, config.extra)) return undefined;
    return {
      code: 'forbidden_origin',
      message: `${incoming.method} from Origin ${printable(origin)} is refused: writes come only from this server's own origin or from clients that send no Origin`,
      logLine: `refused ${requestLine(incoming)}: forbidden_origin (Origin ${printable(origin)})`,
    };
  };
}

/** The guard's answer: 403 and the `{ errors: [{ code, message }] }` envelope the API and the Partner API share. */
export function refuse(outgoing: ServerResponse, refusal: Refusal): void {
  const body = JSON.stringify({ errors: [{ code: refusal.code, message: refusal.message }] });
  outgoing.writeHead(403, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'x-content-type-options': 'nosniff',
    'cache-control': 'no-store',
    // Any body the request carries stays unread; a refused client gets no second request on this connection.
    connection: 'close',
  });
  outgoing.end(body);
}

/** An http(s) URL's host with its effective port; undefined when it does not parse. */
function urlHost(text: string): AllowedHost | undefined {
  try {
    const url = new URL(text);
    return { name: url.hostname, port: Number(url.port) || (url.protocol === 'https:' ? 443 : 80) };
  } catch {
    return undefined;
  }
}

/** http:// on any allowed host; https:// only on the hosts added for a proxy (we serve no TLS ourselves). */
function originAllowed(
  origin: string,
  every: readonly AllowedHost[],
  extra: readonly AllowedHost[],
): boolean {
  const host = urlHost(origin);
  // `null` (sandboxed frames, file: pages), paths, several values joined by Node: nothing a page of ours sends.
  if (!host || new URL(origin).origin !== origin) return false;
  if (origin.startsWith('http://')) return isAllowed(host, every);
  return origin.startsWith('https://') && isAllowed(host, extra);
}

/** A request-supplied value fit for a log line or a message: printable ASCII only, bounded, quoted. */
function printable(value: string, max = 100): string {
  const clean = value.replace(/[^\x21-\x7e]/g, '?');
  return JSON.stringify(clean.length > max ? `${clean.slice(0, max)}...` : clean);
}

function requestLine(incoming: IncomingMessage): string {
  // Node's parser takes only known methods, so the method needs no cleaning.
  return `${incoming.method} ${printable(incoming.url ?? '', 200)}`;
}
