// Which Host names a local server answers: its loopback names on the port it bound, plus --allowed-host / LICENSEWATCH_ALLOWED_HOSTS.
import { type Command, Option } from 'commander';

export const ALLOWED_HOSTS_ENV = 'LICENSEWATCH_ALLOWED_HOSTS';

/** A host name (lower case, IPv6 in brackets) and the one port it answers on; no port means any port. */
export interface AllowedHost {
  name: string;
  port?: number;
}

// A DNS name (letters, digits, '.', '-', '_' as in container names) or a bracketed IPv6 literal, then an optional port.
const HOST = /^(\[[0-9a-f:.]+\]|[a-z0-9](?:[a-z0-9._-]*[a-z0-9])?)(?::(\d{1,5}))?$/;

/** `name`, `name:port`, `[v6]` or `[v6]:port` (any case) as a host; undefined for anything else. */
export function parseHost(value: string): AllowedHost | undefined {
  const match = HOST.exec(value.toLowerCase());
  if (!match) return undefined;
  const name = match[1]!;
  if (match[2] === undefined) return { name };
  const port = Number(match[2]);
  return port >= 1 && port <= 65535 ? { name, port } : undefined;
}

/**
 * A comma-separated list of `host` or `host:port` (blank items skipped); throws one line naming `source` and the bad item.
 * An entry without a port matches its name on any port: a rebinding page can only send a name whose DNS it controls,
 * whatever the port, and behind a reverse proxy the port in Host is the proxy's, which we cannot know.
 */
export function parseAllowedHosts(values: readonly string[], source: string): AllowedHost[] {
  const hosts: AllowedHost[] = [];
  for (const item of values.flatMap((value) => value.split(','))) {
    const text = item.trim();
    if (!text) continue;
    const host = parseHost(text);
    if (!host) {
      const hint = /^[a-z][a-z0-9+.-]*:\/\//i.test(text)
        ? 'give a host, not a URL'
        : 'expected host or host:port, e.g. proxy.example.com or proxy.example.com:8443 ([::1]:3000 for IPv6)';
      throw new Error(`${source}: ${JSON.stringify(text)} is not a host name or host:port; ${hint}`);
    }
    hosts.push(host);
  }
  return hosts;
}

/** What a server bound to `address:port` always answers: 127.0.0.1 and localhost, and the address itself unless a wildcard. */
export function loopbackHosts(address: string, port: number): AllowedHost[] {
  const hosts: AllowedHost[] = [
    { name: '127.0.0.1', port },
    { name: 'localhost', port },
  ];
  const wildcard = address === '0.0.0.0' || address === '::';
  const name = address.includes(':') ? `[${address.toLowerCase()}]` : address.toLowerCase();
  if (!wildcard && !hosts.some((h) => h.name === name)) hosts.push({ name, port });
  return hosts;
}

/** Whether `host` is one of `allowed`. A Host without a port means port 80, as in an http:// URL. */
export function isAllowed(host: AllowedHost, allowed: readonly AllowedHost[]): boolean {
  const port = host.port ?? 80;
  return allowed.some((a) => a.name === host.name && (a.port === undefined || a.port === port));
}

/** `host` or `host:port` as a Host header would carry it. */
export const formatHost = (host: AllowedHost) =>
  host.port === undefined ? host.name : `${host.name}:${host.port}`;

/** The --allowed-host option with its environment twin, for each command that serves HTTP. */
export function allowedHostOption(): Option {
  return new Option(
    '--allowed-host <host[:port]>',
    'also answer requests for this Host, e.g. behind a reverse proxy (repeatable or comma-separated; no port: any port)',
  )
    .env(ALLOWED_HOSTS_ENV)
    .argParser((value: string, previous: string[] | undefined) => [...(previous ?? []), value]);
}

/**
 * The hosts a command was given, checked before it starts anything. An empty flag is a mistake; an empty
 * LICENSEWATCH_ALLOWED_HOSTS means none, as an empty CELIGO_API_TOKEN means no token.
 */
export function allowedHostsOf(command: Command): string[] {
  const values = (command.getOptionValue('allowedHost') as string[] | undefined) ?? [];
  const fromEnv = command.getOptionValueSource('allowedHost') === 'env';
  if (!fromEnv && values.some((value) => !value.replaceAll(',', '').trim()))
    throw new Error('--allowed-host: empty value; give host or host:port, e.g. proxy.example.com');
  return parseAllowedHosts(values, fromEnv ? ALLOWED_HOSTS_ENV : '--allowed-host').map(formatHost);
}
