// What the HTTP app needs from its edge (Lambda or `licensewatch serve`), and the per-request variables it sets.
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { RequestIdVariables } from 'hono/request-id';
import type { PartnerApi } from '#celigo/client';
import type {
  AlertLog,
  Clock,
  ConnectorStore,
  InstallStore,
  LicenseStore,
  PortfolioStore,
  PushStore,
  RunStore,
} from '#ledger/store/port';

/** What the HTTP API needs of the store: everything but walks and alert delivery. */
export type ApiStore = Clock &
  ConnectorStore &
  LicenseStore &
  PortfolioStore &
  InstallStore &
  PushStore &
  RunStore &
  AlertLog;

export interface AppDeps {
  ledger: ApiStore;
  /**
   * The client of a partner account (a write goes to its connector's account). Called only by routes that reach the
   * Partner API, so reads work with no token configured.
   */
  partnerApi: (account: string) => PartnerApi | Promise<PartnerApi>;
  /** Names of the configured partner accounts (default: the one account, `default`). */
  accounts?: readonly string[];
  config?: {
    /** Days ahead at which a license counts as expiring in views (default 30). */
    expiringDays?: number;
    /** Rows per CSV page (default 5,000; tests use fewer). */
    csvPageRows?: number;
  };
  /** One line per request, and unexpected errors with their request id; default stderr. */
  log?: (line: string) => void;
}

export type AppEnv = { Variables: RequestIdVariables };

export type App = OpenAPIHono<AppEnv>;
