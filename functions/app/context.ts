// What every use case is given by its edge (the HTTP app, the CLI, a test): the ledger, the configured partner
// accounts and a client per account.
import type { PartnerApi } from '#celigo/client';

export interface AppContext<Ledger = unknown> {
  /** The store, holding the facets the edge picked (a Lambda's bundle holds only those it grants). */
  ledger: Ledger;
  /** Names of the partner accounts configured now (an account dropped since keeps its history). */
  accounts: readonly string[];
  /** The client of one configured account; built on first use, so reads need no token. */
  partnerApi: (account: string) => PartnerApi | Promise<PartnerApi>;
  /** Days ahead at which a license counts as expiring in views (default 30). */
  expiringDays?: number;
}
