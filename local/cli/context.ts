// Global CLI options (each with an environment twin) and the resources one command run shares: the partner accounts
// and their clients, the store.
import { type Command, Option } from 'commander';
import type { AppContext } from '#app/context';
import type { PartnerApi } from '#celigo/client';
import { DEFAULTS } from '#functions/defaults';
import type { LedgerStore } from '#ledger/store/port';
import type { Store } from '#local/store/connect';
import type { CliAccount } from './accounts.ts';
import { CliError, log } from './output.ts';
import { parsedBy } from './settings.ts';

export interface GlobalOptions {
  apiUrl: string;
  token?: string;
  tokenFile?: string;
  accountsFile?: string;
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
    new Option(
      '--accounts-file <path>',
      'several partner accounts: JSON {"accounts":[{"name","apiUrl","tokenEnv"|"tokenFile"}]} (replaces --api-url and the token flags)',
    ).env('LICENSEWATCH_ACCOUNTS_FILE'),
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
  /** The table's pending upgrades, run once per process before the first command reads it. */
  private migrated?: Promise<unknown>;
  private readonly clients = new Map<string, PartnerApi>();
  private accountList?: CliAccount[];
  /** "DynamoDB at http://..." once the store is open, for error lines. */
  storeLabel?: string;

  constructor(
    readonly options: GlobalOptions,
    private readonly program?: Command,
  ) {}

  /** The token by precedence: --token, then --token-file, then CELIGO_API_TOKEN. Never printed. */
  private token(readTokenFile: (path: string) => string): string | undefined {
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

  /**
   * The partner accounts: the accounts file's, or the one account `default` of --api-url and the token. A file
   * together with --api-url, --token or --token-file on the command line is refused: which would win is unclear.
   */
  async accounts(): Promise<CliAccount[]> {
    if (this.accountList) return this.accountList;
    // Loaded on use: it validates the file with zod, which --help never needs.
    const { readAccountsFile, readTokenFile, singleAccount } = await import('./accounts.ts');
    const file = this.options.accountsFile;
    if (file) {
      const flags = { apiUrl: '--api-url', token: '--token', tokenFile: '--token-file' } as const;
      const clash = (Object.keys(flags) as (keyof typeof flags)[]).find(
        (k) => this.program?.getOptionValueSource(k) === 'cli',
      );
      if (clash)
        throw new CliError(
          'bad_flags',
          `--accounts-file names each account's API URL and token: drop ${flags[clash]}`,
        );
      this.accountList = readAccountsFile(file);
    } else {
      this.accountList = singleAccount(this.options.apiUrl, () => {
        const token = this.token(readTokenFile);
        if (!token)
          throw new CliError(
            'missing_token',
            'no Partner API token: set CELIGO_API_TOKEN, or pass --token-file (or --token)',
          );
        return token;
      });
    }
    return this.accountList;
  }

  async accountNames(): Promise<string[]> {
    return (await this.accounts()).map((a) => a.name);
  }

  /**
   * The client of one configured account (its own rate budget), built once. Which account a command or a connector
   * is of is the app layer's rule (functions/app/accounts.ts); a name not configured has no client.
   */
  async partnerApi(account: string): Promise<PartnerApi> {
    const accounts = await this.accounts();
    const chosen = accounts.find((a) => a.name === account);
    if (!chosen) {
      const names = accounts.map((a) => a.name).join(', ');
      throw new CliError('unknown_account', `no partner account ${account} is configured (${names})`);
    }
    const held = this.clients.get(chosen.name);
    if (held) return held;
    const token = chosen.token();
    const { createPartnerApi } = await import('#celigo/client');
    const api = createPartnerApi({
      apiUrl: chosen.apiUrl,
      token,
      onRetry: ({ request, attempt, reason }) => {
        if (this.options.verbose || attempt === 1)
          log(`retrying ${request} (${reason}, attempt ${attempt + 1})`);
      },
    });
    this.clients.set(chosen.name, api);
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
  async ledger(options: { metaCacheMs?: number; migrate?: false } = {}): Promise<LedgerStore> {
    const store = await this.openStore();
    const { createDynamoStore } = await import('#ledger/store/dynamo/index');
    const ledger = createDynamoStore(store.client, store.tableName, options);
    if (options.migrate === false) return ledger;
    this.migrated ??= ledger.migrate().then((report) => {
      for (const step of report.ran)
        log(
          `upgraded the table: ${step.name} (${step.items} item${step.items === 1 ? '' : 's'}, ${step.ms} ms)`,
        );
    });
    await this.migrated;
    return ledger;
  }

  /** The accounts and their clients alone, for commands that never open the store (`fetch`). */
  async upstream(): Promise<Pick<AppContext, 'accounts' | 'partnerApi'>> {
    return { accounts: await this.accountNames(), partnerApi: (account) => this.partnerApi(account) };
  }

  /** What the use cases of functions/app are given: this run's ledger, accounts and clients. */
  async app(options: { metaCacheMs?: number } = {}): Promise<AppContext<LedgerStore>> {
    const accounts = await this.accountNames();
    const ledger = await this.ledger(options);
    return { ledger, accounts, partnerApi: (account) => this.partnerApi(account) };
  }

  async close(): Promise<void> {
    const store = this.store;
    this.store = undefined;
    if (store) await (await store.catch(() => undefined))?.close();
  }
}
