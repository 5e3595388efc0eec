// Which partner account a request or a connector is of: the one rule both edges follow, written once.
import type { PartnerApi } from '#celigo/client';
import { checkAccount, knownAccounts } from '#ledger/portfolio';
import type { ConnectorStore } from '#ledger/store/port';
import type { AppContext } from './context.ts';
import { AppError } from './errors.ts';

type Listed = Pick<ConnectorStore, 'listConnectors'>;

/** The accounts a filter may name: those configured and any a connector in the ledger is of. */
export const accountsKnown = (ctx: AppContext<Listed>) => knownAccounts(ctx.ledger, ctx.accounts);

/** The account a list is filtered by, checked (`unknown_account` otherwise); undefined (no filter) passes. */
export const accountFilter = (ctx: AppContext<Listed>, account: string | undefined) =>
  checkAccount(ctx.ledger, account, ctx.accounts);

/** The account the ledger last listed a connector under; undefined for a connector it never saw. */
export async function connectorAccount(
  ledger: Pick<ConnectorStore, 'getConnector'>,
  connectorId: string,
): Promise<string | undefined> {
  return (await ledger.getConnector(connectorId))?.account;
}

/** The named account, or the only one configured; anything else is the caller's to say. */
export function chosenAccount(ctx: Pick<AppContext, 'accounts'>, account?: string): string {
  const names = ctx.accounts.join(', ');
  if (account !== undefined) {
    if (ctx.accounts.includes(account)) return account;
    throw new AppError(
      'invalid',
      'unknown_account',
      `no partner account ${account} is configured (${names})`,
      'account',
    );
  }
  if (ctx.accounts.length === 1) return ctx.accounts[0]!;
  throw new AppError(
    'invalid',
    'unknown_account',
    `several partner accounts are configured (${names}): pass --account NAME`,
    'account',
  );
}

/** The client of an account chosen by `chosenAccount`. */
export async function partnerApiOf(
  ctx: Pick<AppContext, 'accounts' | 'partnerApi'>,
  account?: string,
): Promise<PartnerApi> {
  return ctx.partnerApi(chosenAccount(ctx, account));
}

/**
 * The account a write to a connector goes out with, and its client. Ids are unique across accounts, so the
 * connector's recorded account is where its licenses live: when that account is no longer configured the write is
 * refused, never sent with another account's token. A connector never synced is of the only account, if one.
 */
export async function writeAccount(
  ctx: AppContext<Pick<ConnectorStore, 'getConnector'>>,
  connectorId: string,
): Promise<{ account: string; api: PartnerApi }> {
  const recorded = await connectorAccount(ctx.ledger, connectorId);
  const configured = ctx.accounts.join(', ');
  if (recorded !== undefined && !ctx.accounts.includes(recorded))
    throw new AppError(
      'conflict',
      'account_not_configured',
      `connector ${connectorId} is of partner account ${recorded}, which is no longer configured (configured: ${configured}); its licenses are not changed with another account's token`,
    );
  if (recorded === undefined && ctx.accounts.length !== 1)
    throw new AppError(
      'conflict',
      'account_not_configured',
      `connector ${connectorId} is not in the ledger and several partner accounts are configured (${configured}): run a sync first, so its account is known`,
    );
  const account = recorded ?? ctx.accounts[0]!;
  return { account, api: await ctx.partnerApi(account) };
}
