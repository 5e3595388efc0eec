// Starts the Partner API emulator on a real port and hands back the controls tests and benchmarks need.
import { serveApp } from '#local/serve/server';
import { createApp, type EmulatedAccount } from './app.ts';
import {
  type ConnectorRecord,
  type DataSet,
  type DataSetSpec,
  demoDataSet,
  emptyDataSet,
  euDemoDataSet,
  generatedDataSet,
  type LicenseRecord,
} from './data.ts';
import { type FailureOptions, Faults } from './faults.ts';
import type { InstallRecord } from './installs.ts';
import { EmulatorStore, type Patch } from './store.ts';
import { DEMO_TOKEN } from './token.ts';
import { type RequestRecord, Traffic, type TrafficStats } from './traffic.ts';
import { MAX_LIMIT } from './wire.ts';

export type { ConnectorRecord, DataSet, DataSetSpec, LicenseRecord, LicenseState } from './data.ts';
export { DAY_MS, demoDataSet, emptyDataSet, euDemoDataSet, generatedDataSet, utcDay } from './data.ts';
export type { FailureMode, FailureOptions } from './faults.ts';
export type { InstallRecord } from './installs.ts';
export { DEFAULT_UPDATE_DELAY_MS, installTraits, NEWEST_RELEASE, RELEASES } from './installs.ts';
export type { Patch } from './store.ts';
export { DEMO_TOKEN, DEMO_TOKEN_EU } from './token.ts';
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
  dataSet?: DataSetChoice;
  /**
   * More partner accounts on the same server, each opened by its own token with its own data (`demo-eu`: the EU
   * demo account). Seeds differ from the first account's, so ids never repeat across accounts.
   */
  accounts?: { token: string; dataSet?: DataSetChoice; seed?: number | string }[];
  latencyMs?: number;
  /**
   * The most records a list page holds, and the page size when a request names no limit: 1000 (default) as the
   * real API. Smaller, a test pages through a few hundred records as a sync pages through thousands.
   */
  pageCap?: number;
  /**
   * Hosts answered besides 127.0.0.1:<port> and localhost:<port> (`host` for any port, or `host:port`); any other
   * Host, and a write from a foreign Origin, gets 403 before the token is even looked at.
   */
  allowedHosts?: readonly string[];
  /** Gets one sanitised line per refused request. */
  log?: (line: string) => void;
}

export type DataSetChoice = 'demo' | 'demo-eu' | 'empty' | DataSetSpec | DataSet;

/** One partner account's records, as a test or the demo changes them. */
export interface AccountControls {
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
  /** Every request of this account answers `status` (an outage), until called with undefined. */
  setOutage(status: number | undefined): void;
  /** The connector's install base as GET /connectors/{id}/installBase answers it now. */
  installBase(cid: string): InstallRecord[];
  /** How long a pushed update runs before its integration shows the newest release (emulator clock). */
  setUpdateDelay(ms: number): void;
}

/** The emulator: the first account's controls, the server's, and every other account's by its token. */
export interface Emulator extends AccountControls {
  /** Base URL including /v1, e.g. http://127.0.0.1:4010/v1. */
  readonly url: string;
  readonly port: number;
  readonly token: string;
  close(): Promise<void>;
  /** Another account's controls, by its token. */
  account(token: string): AccountControls;

  setToken(token: string): void;
  setClock(now: Date | (() => Date)): void;
  setLatency(ms: number): void;
  throttle(count: number, retryAfterSeconds?: number): void;
  failConnector(cid: string, options?: FailureOptions): void;
  clearFailures(): void;

  stats(): TrafficStats;
  /** The newest requests (up to 10,000), oldest first. */
  requests(): RequestRecord[];
  /** Raw Authorization header of the latest request. */
  readonly lastAuthorization: string | undefined;
  resetStats(): void;
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const seed = options.seed ?? 42;
  const { pageCap } = options;
  if (pageCap !== undefined && !(Number.isInteger(pageCap) && pageCap >= 1 && pageCap <= MAX_LIMIT)) {
    throw new RangeError(`pageCap must be a whole number from 1 to ${MAX_LIMIT}, not ${pageCap}`);
  }
  let clock = toClock(options.now ?? (() => new Date()));
  let token = options.token ?? (process.env.CELIGO_API_TOKEN || DEMO_TOKEN);
  const accountOn = (choice: DataSetChoice, accountSeed: number | string): EmulatedAccount => ({
    store: new EmulatorStore(dataSetFor(choice, clock(), accountSeed), () => clock(), accountSeed),
  });
  const primary = accountOn(options.dataSet ?? 'demo', seed);
  const others = new Map(
    (options.accounts ?? []).map((a, i) => [
      a.token,
      accountOn(a.dataSet ?? 'empty', a.seed ?? `${seed}-account-${i + 2}`),
    ]),
  );
  const faults = new Faults(options.latencyMs ?? 0);
  const traffic = new Traffic();
  const app = createApp({
    faults,
    traffic,
    accountOf: (presented) => (presented === token ? primary : others.get(presented)),
    pageCap,
  });

  const server = await serveApp(app, {
    port: options.port ?? 0,
    host: options.host,
    allowedHosts: options.allowedHosts,
    log: options.log,
  });
  return {
    ...controls(primary),
    url: `${server.url}/v1`,
    port: server.port,
    get token() {
      return token;
    },
    close: () => server.close(),
    account(presented) {
      const account = others.get(presented);
      if (!account) throw new Error('no account has this token');
      return controls(account);
    },

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

    stats: () => traffic.stats(),
    requests: () => copy(traffic.requests()),
    get lastAuthorization() {
      return traffic.lastAuthorization;
    },
    resetStats: () => traffic.reset(),
  };
}

// Copies out, so a test holding a record cannot change the emulator's state behind its back.
const copy = <T>(value: T): T => structuredClone(value);

function controls(account: EmulatedAccount): AccountControls {
  const { store } = account;
  return {
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
    setOutage: (status) => {
      account.outage = status;
    },
    installBase: (cid) => {
      const records = store.installBase(cid);
      if (!records) throw new Error(`no connector ${cid}`);
      return copy(records);
    },
    setUpdateDelay: (ms) => {
      store.installs.updateDelayMs = ms;
    },
  };
}

function dataSetFor(choice: DataSetChoice, now: Date, seed: number | string): DataSet {
  if (choice === 'demo') return demoDataSet(now, seed);
  if (choice === 'demo-eu') return euDemoDataSet(now);
  if (choice === 'empty') return emptyDataSet(seed);
  if ('licensesPerConnector' in choice) return generatedDataSet(choice, now, seed);
  return structuredClone(choice);
}

function toClock(now: Date | (() => Date)): () => Date {
  if (typeof now === 'function') return now;
  const fixed = now.getTime();
  return () => new Date(fixed);
}
