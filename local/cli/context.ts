// Global CLI options (each with an environment twin) and the resources one command run shares: Partner API, store.
import { readFileSync } from 'node:fs';
import { type Command, Option } from 'commander';
import type { PartnerApi } from '#celigo/client';
import { DEFAULTS } from '#functions/defaults';
import type { LedgerStore } from '#ledger/store/port';
import type { Store } from '#local/store/connect';
import { CliError, log } from './output.ts';
import { parsedBy } from './settings.ts';

export interface GlobalOptions {
  apiUrl: string;
  token?: string;
  tokenFile?: string;
  store: string;
  dataDir: string;
  table: string;
  storeIdle: number;
  verbose?: boolean;
}

/** --store-idle / LICENSEWATCH_STORE_IDLE: minutes, fractions allowed (tests use seconds), 0 stops it after each command. */
export function parseStoreIdle(value: string): number {
  const minutes = Number(value);
  if (value.trim() === '' || !Number.isFinite(minutes) || minutes < 0 || minutes > 7 * 24 * 60) {
    throw new CliError(
      'bad_flags',
      `--store-idle / LICENSEWATCH_STORE_IDLE must be a number of minutes from 0 to 10080, got '${value}'`,
    );
  }
  return minutes;
}

export function globalOptions(): Option[] {
  return [
    parsedBy(
      new Option('--api-url <url>', 'Partner API base URL, or a region: us, eu')
        .env('CELIGO_API_URL')
        .default(DEFAULTS.apiUrl),
      (s) => s.apiUrl,
    ),
    new Option(
      '--token <token>',
      'Partner API bearer token (visible in `ps`: prefer --token-file or the env)',
    ).env('CELIGO_API_TOKEN'),
    new Option('--token-file <path>', 'read the Partner API token from this file').env(
      'CELIGO_API_TOKEN_FILE',
    ),
    new Option('--store <store>', 'embedded (DynamoDB Local), an http:// DynamoDB endpoint, or aws')
      .env('LICENSEWATCH_STORE')
      .default('embedded'),
    new Option('--data-dir <dir>', 'where the embedded store keeps its data')
      .env('LICENSEWATCH_DATA_DIR')
      .default('./.licensewatch'),
    new Option('--table <name>', 'DynamoDB table name').env('LICENSEWATCH_TABLE').default(DEFAULTS.tableName),
    new Option('--store-idle <minutes>', 'minutes the embedded store stays up with no command using it')
      .env('LICENSEWATCH_STORE_IDLE')
      .default(15)
      .argParser(parseStoreIdle),
    new Option('--verbose', 'log more, and print stack traces on errors'),
  ];
}

/** Lazily opened resources of one command run, closed once at the end (also on errors and Ctrl-C). */
export class Context {
  private store?: Promise<Store>;
  private api?: PartnerApi;
  /** "DynamoDB at http://..." once the store is open, for error lines. */
  storeLabel?: string;

  constructor(
    readonly options: GlobalOptions,
    private readonly program?: Command,
  ) {}

  /** The token by precedence: --token, then --token-file, then CELIGO_API_TOKEN. Never printed. */
  token(): string | undefined {
    const source = this.program?.getOptionValueSource('token');
    if (this.options.token && source === 'cli') {
      log(
        'warning: --token is visible to other users of this machine (ps); prefer --token-file or CELIGO_API_TOKEN',
      );
      return this.options.token;
    }
    if (this.options.tokenFile) return readTokenFile(this.options.tokenFile);
    return this.options.token || undefined;
  }

  async partnerApi(overrides: { apiUrl?: string; token?: string } = {}): Promise<PartnerApi> {
    if (this.api && !overrides.apiUrl) return this.api;
    const token = overrides.token ?? this.token();
    if (!token) {
      throw new CliError(
        'missing_token',
        'no Partner API token: set CELIGO_API_TOKEN, or pass --token-file (or --token)',
      );
    }
    const { createPartnerApi } = await import('#celigo/client');
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
    this.store ??= import('#local/store/connect').then(async ({ openStore }) => {
      const store = await openStore({
        store: this.options.store,
        dataDir: this.options.dataDir,
        table: this.options.table,
        idleMinutes: this.options.storeIdle,
      });
      this.storeLabel = store.embedded
        ? `DynamoDB at ${store.embedded.endpoint}`
        : /^https?:/.test(this.options.store)
          ? `DynamoDB at ${this.options.store}`
          : 'DynamoDB (AWS)';
      return store;
    });
    return this.store;
  }

  /** The ledger on this run's store; `metaCacheMs` for long-running readers (serve, demo). */
  async ledger(options: { metaCacheMs?: number } = {}): Promise<LedgerStore> {
    const store = await this.openStore();
    const { createDynamoStore } = await import('#ledger/store/dynamo/index');
    return createDynamoStore(store.client, store.tableName, options);
  }

  async close(): Promise<void> {
    const store = this.store;
    this.store = undefined;
    if (store) await (await store.catch(() => undefined))?.close();
  }
}

function readTokenFile(path: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliError('bad_token_file', `cannot read the token file ${path}${code ? ` (${code})` : ''}`);
  }
  const token = text.trim();
  if (!token) throw new CliError('bad_token_file', `the token file ${path} is empty`);
  return token;
}
