// Starts the Partner API emulator on a real port and hands back the controls tests and benchmarks need.
import { serveApp } from '#local/serve/server';
import { createApp } from './app.ts';
import {
  type ConnectorRecord,
  type DataSet,
  type DataSetSpec,
  demoDataSet,
  emptyDataSet,
  generatedDataSet,
  type LicenseRecord,
} from './data.ts';
import { type FailureOptions, Faults } from './faults.ts';
import { EmulatorStore, type Patch } from './store.ts';
import { DEMO_TOKEN } from './token.ts';
import { type RequestRecord, Traffic, type TrafficStats } from './traffic.ts';

export type { ConnectorRecord, DataSet, DataSetSpec, LicenseRecord, LicenseState } from './data.ts';
export { DAY_MS, demoDataSet, emptyDataSet, generatedDataSet, utcDay } from './data.ts';
export type { FailureMode, FailureOptions } from './faults.ts';
export type { Patch } from './store.ts';
export { DEMO_TOKEN } from './token.ts';
export type { AuthPresence, RequestRecord, TrafficStats } from './traffic.ts';

export interface EmulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  /** Bearer token every request must carry; default CELIGO_API_TOKEN, else 'local-dev-token'. */
  token?: string;
  seed?: number | string;
  /** The emulator's clock: a Date freezes it, a function lets it run. Demo dates sit relative to it. */
  now?: Date | (() => Date);
  /** 'demo' (default), 'empty', a benchmark size, or records of your own. */
  dataSet?: 'demo' | 'empty' | DataSetSpec | DataSet;
  latencyMs?: number;
  /**
   * Hosts answered besides 127.0.0.1:<port> and localhost:<port> (`host` for any port, or `host:port`); any other
   * Host, and a write from a foreign Origin, gets 403 before the token is even looked at.
   */
  allowedHosts?: readonly string[];
  /** Gets one sanitised line per refused request. */
  log?: (line: string) => void;
}

export interface Emulator {
  /** Base URL including /v1, e.g. http://127.0.0.1:4010/v1. */
  readonly url: string;
  readonly port: number;
  readonly token: string;
  close(): Promise<void>;

  setToken(token: string): void;
  setClock(now: Date | (() => Date)): void;
  setLatency(ms: number): void;
  throttle(count: number, retryAfterSeconds?: number): void;
  failConnector(cid: string, options?: FailureOptions): void;
  clearFailures(): void;

  connectors(): ConnectorRecord[];
  licenses(cid: string): LicenseRecord[];
  /** Deep-merges the patch into the stored license; `undefined` values delete fields. */
  mutateLicense(cid: string, lid: string, patch: Patch<LicenseRecord>): LicenseRecord;
  deleteLicense(cid: string, lid: string): void;
  addLicense(cid: string, partial?: Patch<LicenseRecord>): LicenseRecord;
  setLicenses(cid: string, records: LicenseRecord[]): void;
  addConnector(partial?: Patch<ConnectorRecord>, licenses?: LicenseRecord[]): ConnectorRecord;
  /** Makes an email a known integrator.io user, so POST accepts it. */
  addUser(email: string): void;

  stats(): TrafficStats;
  /** The newest requests (up to 10,000), oldest first. */
  requests(): RequestRecord[];
  /** Raw Authorization header of the latest request. */
  readonly lastAuthorization: string | undefined;
  resetStats(): void;
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const seed = options.seed ?? 42;
  let clock = toClock(options.now ?? (() => new Date()));
  let token = options.token ?? (process.env.CELIGO_API_TOKEN || DEMO_TOKEN);
  const store = new EmulatorStore(dataSetFor(options.dataSet ?? 'demo', clock(), seed), () => clock(), seed);
  const faults = new Faults(options.latencyMs ?? 0);
  const traffic = new Traffic();
  const app = createApp({ store, faults, traffic, token: () => token });

  const server = await serveApp(app, {
    port: options.port ?? 0,
    host: options.host,
    allowedHosts: options.allowedHosts,
    log: options.log,
  });
  // Copies out, so a test holding a record cannot change the emulator's state behind its back.
  const copy = <T>(value: T): T => structuredClone(value);

  return {
    url: `${server.url}/v1`,
    port: server.port,
    get token() {
      return token;
    },
    close: () => server.close(),

    setToken: (next) => {
      token = next;
    },
    setClock: (now) => {
      clock = toClock(now);
    },
    setLatency: (ms) => {
      faults.latencyMs = ms;
    },
    throttle: (count, retryAfterSeconds) => faults.throttle(count, retryAfterSeconds),
    failConnector: (cid, failure) => faults.failConnector(cid, failure),
    clearFailures: () => faults.clearFailures(),

    connectors: () => copy(store.connectors()),
    licenses: (cid) => {
      const licenses = store.licenses(cid);
      if (!licenses) throw new Error(`no connector ${cid}`);
      return copy(licenses);
    },
    mutateLicense: (cid, lid, patch) => copy(store.mutateLicense(cid, lid, patch)),
    deleteLicense: (cid, lid) => store.deleteLicense(cid, lid),
    addLicense: (cid, partial) => copy(store.addLicense(cid, partial)),
    setLicenses: (cid, records) => store.setLicenses(cid, records),
    addConnector: (partial, licenses) => copy(store.addConnector(partial, licenses)),
    addUser: (email) => store.addUser(email),

    stats: () => traffic.stats(),
    requests: () => copy(traffic.requests()),
    get lastAuthorization() {
      return traffic.lastAuthorization;
    },
    resetStats: () => traffic.reset(),
  };
}

function dataSetFor(
  choice: NonNullable<EmulatorOptions['dataSet']>,
  now: Date,
  seed: number | string,
): DataSet {
  if (choice === 'demo') return demoDataSet(now, seed);
  if (choice === 'empty') return emptyDataSet(seed);
  if ('licensesPerConnector' in choice) return generatedDataSet(choice, now, seed);
  return structuredClone(choice);
}

function toClock(now: Date | (() => Date)): () => Date {
  if (typeof now === 'function') return now;
  const fixed = now.getTime();
  return () => new Date(fixed);
}
