// Global CLI options (each with an environment twin) and the resources commands share: Partner API client, store.
import { Option } from 'commander';
import { createPartnerApi, type PartnerApi } from '#celigo/client';
import { openStore } from '#local/store/connect';
import { parseStoreIdle } from './commands/store.ts';
import { CliError, log } from './output.ts';

export interface GlobalOptions {
  apiUrl: string;
  token?: string;
  store: string;
  dataDir: string;
  table: string;
  storeIdle: number;
  verbose?: boolean;
}

export const DEFAULT_API_URL = 'https://api.integrator.io/v1';
export const EMULATOR_TOKEN = 'local-dev-token';

export function globalOptions(): Option[] {
  return [
    new Option('--api-url <url>', 'Partner API base URL, or a region: us, eu')
      .env('CELIGO_API_URL')
      .default(DEFAULT_API_URL),
    new Option('--token <token>', 'Partner API bearer token').env('CELIGO_API_TOKEN'),
    new Option('--store <store>', 'embedded (DynamoDB Local), an http:// DynamoDB endpoint, or aws')
      .env('LICENSEWATCH_STORE')
      .default('embedded'),
    new Option('--data-dir <dir>', 'where the embedded store keeps its data')
      .env('LICENSEWATCH_DATA_DIR')
      .default('./.licensewatch'),
    new Option('--table <name>', 'DynamoDB table name').env('LICENSEWATCH_TABLE').default('licensewatch'),
    new Option('--store-idle <minutes>', 'minutes the embedded store stays up with no command using it')
      .env('LICENSEWATCH_STORE_IDLE')
      .default(15)
      .argParser(parseStoreIdle),
    new Option('--verbose', 'log more, and print stack traces on errors'),
  ];
}

type Store = Awaited<ReturnType<typeof openStore>>;

/** Lazily opened resources of one command run, closed once at the end (also on errors and Ctrl-C). */
export class Context {
  private store?: Promise<Store>;
  private api?: PartnerApi;

  constructor(readonly options: GlobalOptions) {}

  partnerApi(overrides: { apiUrl?: string; token?: string } = {}): PartnerApi {
    if (this.api && !overrides.apiUrl) return this.api;
    const token = overrides.token ?? this.options.token;
    if (!token) {
      throw new CliError('missing_token', 'no Partner API token: set CELIGO_API_TOKEN or pass --token');
    }
    const api = createPartnerApi({
      apiUrl: overrides.apiUrl ?? this.options.apiUrl,
      token,
      onRetry: ({ request, attempt, reason }) => {
        if (this.options.verbose || attempt === 1)
          log(`retrying ${request} (${reason}, attempt ${attempt + 1})`);
      },
    });
    if (!overrides.apiUrl) this.api = api;
    return api;
  }

  openStore(): Promise<Store> {
    this.store ??= openStore({
      store: this.options.store,
      dataDir: this.options.dataDir,
      table: this.options.table,
      idleMinutes: this.options.storeIdle,
    }).then((store) => {
      this.storeLabel = store.embedded
        ? `DynamoDB at ${store.embedded.endpoint}`
        : /^https?:/.test(this.options.store)
          ? `DynamoDB at ${this.options.store}`
          : 'DynamoDB (AWS)';
      return store;
    });
    return this.store;
  }

  /** "DynamoDB at http://..." once the store is open, for error lines. */
  storeLabel?: string;

  async close(): Promise<void> {
    const store = this.store;
    this.store = undefined;
    if (store) await (await store.catch(() => undefined))?.close();
  }
}
