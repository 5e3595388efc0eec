// What the HTTP app needs from its edge (Lambda or `licensewatch serve`), the per-request variables it sets, and the
// use cases' context it makes of them.
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { RequestIdVariables } from 'hono/request-id';
import type { AppContext } from '#app/context';
import type { PartnerApi } from '#celigo/client';
import { DEFAULT_ACCOUNT } from '#functions/config';
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
import { apiError } from './problem.ts';

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
    /** The change feed's settle window (default 30 s; tests use less). */
    feedSettleMs?: number;
  };
  /** One line per request, and unexpected errors with their request id; default stderr. */
  log?: (line: string) => void;
}

export type AppEnv = { Variables: RequestIdVariables };

/**
 * The use cases' context for one request: a client that cannot be built (no token) answers 503 and is logged with
 * the request id, so reads never need a token and a write says what is missing without naming any secret.
 */
export function appContext(deps: AppDeps, requestId?: string): AppContext<ApiStore> {
  const log = deps.log ?? (() => undefined);
  return {
    ledger: deps.ledger,
    accounts: deps.accounts ?? [DEFAULT_ACCOUNT],
    expiringDays: deps.config?.expiringDays,
    partnerApi: async (account) => {
      try {
        return await deps.partnerApi(account);
      } catch (error) {
        log(`partner api unavailable id=${requestId}: ${(error as Error).message}`);
        throw apiError(
          503,
          'partner_api_not_configured',
          'this server has no working Partner API configuration (token); reads still work',
        );
      }
    },
  };
}

export type App = OpenAPIHono<AppEnv>;
