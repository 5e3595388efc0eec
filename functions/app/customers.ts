// Customers by e-mail domain: live and installed counts, sandboxes, the next expiry, accounts, and a status.
import pLimit from 'p-limit';
import { z } from 'zod';
import { DAY_MS } from '#functions/config';
import { cursor as cursorCodec } from '#ledger/cursor';
import { LedgerError } from '#ledger/errors';
import { checkAccount, DOMAIN_RULE, isDomain } from '#ledger/portfolio';
import type { Page } from '#ledger/schemas';
import type { ConnectorStore, LicenseStore, PortfolioStore } from '#ledger/store/port';
import type { StoredLicense } from '#ledger/store/records';

export const CUSTOMER_STATUSES = ['active', 'at-risk', 'lapsed'] as const;
/** The soonest production expiry within this many days makes a customer at risk. */
export const AT_RISK_EXPIRY_DAYS = 30;
/** A trial ending within this many days makes a customer at risk. */
export const AT_RISK_TRIAL_DAYS = 7;
/** Connectors read at once when listing every customer. */
const CONNECTORS_IN_FLIGHT = 4;

export const customerRow = z.object({
  domain: z.string().meta({ example: 'example.com' }),
  licenses: z.number().int().meta({ description: 'Live licenses.' }),
  installed: z.number().int().meta({ description: 'Live licenses installed.' }),
  sandbox: z.number().int().meta({ description: 'Live sandbox licenses.' }),
  nextExpiry: z
    .string()
    .optional()
    .meta({ format: 'date-time', description: 'The soonest expiry of a live license not expired yet.' }),
  accounts: z.array(z.string()).meta({ description: 'The partner accounts its licenses are under.' }),
  status: z.enum(CUSTOMER_STATUSES).meta({
    description:
      '`lapsed`: no live production license unexpired; `at-risk`: the soonest unexpired production license expires within 30 days, or a trial ends within 7; else `active`.',
  }),
});
export type CustomerRow = z.infer<typeof customerRow>;
export type CustomerStatus = (typeof CUSTOMER_STATUSES)[number];

const domainOf = (email: string | undefined) => {
  const at = email?.lastIndexOf('@') ?? -1;
  return email && at >= 0 ? email.slice(at + 1).toLowerCase() : undefined;
};

/** The record as sent, read defensively: a sandbox flag and a trial end are the trials work's fields. */
function rawOf(item: StoredLicense): { sandbox?: unknown; trialEndDate?: unknown } {
  try {
    const raw = JSON.parse(item.rawJson) as unknown;
    return raw && typeof raw === 'object' ? (raw as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** One customer's row from its licenses (deleted ones too: they name its accounts, and a lapsed customer). */
export function customerRowOf(domain: string, items: StoredLicense[], now: Date): CustomerRow {
  const at = now.getTime();
  const live = items.filter((l) => !l.deletedAt);
  const unexpired = (l: StoredLicense) => !l.expires || Date.parse(l.expires) > at;
  const production = live.filter((l) => rawOf(l).sandbox !== true && unexpired(l));
  const soonest = (list: StoredLicense[]) =>
    list
      .map((l) => l.expires)
      .filter((e): e is string => e !== undefined)
      .sort()[0];
  const nextExpiry = soonest(live.filter(unexpired));
  const productionExpiry = soonest(production);
  const trialEnding = live.some((l) => {
    const end = rawOf(l).trialEndDate;
    const t = typeof end === 'string' ? Date.parse(end) : Number.NaN;
    return t > at && t <= at + AT_RISK_TRIAL_DAYS * DAY_MS;
  });
  const status: CustomerStatus =
    production.length === 0
      ? 'lapsed'
      : (productionExpiry && Date.parse(productionExpiry) <= at + AT_RISK_EXPIRY_DAYS * DAY_MS) || trialEnding
        ? 'at-risk'
        : 'active';
  return {
    domain,
    licenses: live.length,
    installed: live.filter((l) => l.installed).length,
    sandbox: live.filter((l) => rawOf(l).sandbox === true).length,
    ...(nextExpiry ? { nextExpiry } : {}),
    accounts: [...new Set(items.map((l) => l.account))].sort(),
    status,
  };
}

export interface CustomersQuery {
  status?: CustomerStatus;
  domain?: string;
  account?: string;
  /** The configured partner accounts (an account filter must name one, or one a connector belongs to). */
  accounts?: readonly string[];
  limit?: number;
  cursor?: string;
}

type CustomersStore = Pick<ConnectorStore, 'listConnectors'> &
  Pick<LicenseStore, 'listLicenses' | 'expiryPage'> &
  Pick<PortfolioStore, 'customerLicenses'> & { now(): Date };

/** Every license of one domain, deleted ones too: one partition of the `lookup` index. */
async function domainLicenses(ledger: CustomersStore, domain: string, account?: string) {
  const items: StoredLicense[] = [];
  let cursor: string | undefined;
  do {
    const page = await ledger.customerLicenses({
      domain,
      includeDeleted: true,
      account,
      limit: 1000,
      cursor,
    });
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return items;
}

/**
 * Customers by e-mail domain, in domain order, paged. With `domain`, one partition of the `lookup` index. Without,
 * every connector's licenses are read (a Query per connector partition, a page at a time), since no index lists
 * the domains themselves: O(licenses) a request (see the README for what that costs).
 */
export async function listCustomers(
  ledger: CustomersStore,
  query: CustomersQuery = {},
): Promise<Page<CustomerRow>> {
  if (query.domain !== undefined && !isDomain(query.domain))
    throw new LedgerError('invalid_parameter', `domain ${DOMAIN_RULE}`, 'domain');
  const account = await checkAccount(ledger, query.account, query.accounts);
  const now = ledger.now();
  const limit = query.limit ?? 100;
  const scope = `customers|${query.status ?? '*'}|${query.domain ?? '*'}|${account ?? '*'}`;
  const after = cursorCodec.decode(query.cursor, scope, (p): p is string => typeof p === 'string');
  let rows: CustomerRow[];
  if (query.domain !== undefined) {
    const domain = query.domain.toLowerCase();
    const items = await domainLicenses(ledger, domain, account);
    rows = items.length ? [customerRowOf(domain, items, now)] : [];
  } else {
    const byDomain = new Map<string, StoredLicense[]>();
    const connectors = (await ledger.listConnectors()).filter((c) => !account || c.account === account);
    const reads = pLimit(CONNECTORS_IN_FLIGHT);
    await Promise.all(
      connectors.map((c) =>
        reads(async () => {
          let cursor: string | undefined;
          do {
            const page = await ledger.listLicenses(c.connectorId, {
              includeDeleted: true,
              limit: 1000,
              cursor,
            });
            for (const item of page.items) {
              const domain = domainOf(item.email);
              if (!domain || (account && item.account !== account)) continue;
              byDomain.set(domain, [...(byDomain.get(domain) ?? []), item]);
            }
            cursor = page.nextCursor;
          } while (cursor);
        }),
      ),
    );
    rows = [...byDomain].map(([domain, items]) => customerRowOf(domain, items, now));
  }
  const matching = rows
    .filter((r) => (!query.status || r.status === query.status) && (after === undefined || r.domain > after))
    .sort((a, b) => (a.domain < b.domain ? -1 : a.domain > b.domain ? 1 : 0));
  const items = matching.slice(0, limit);
  return {
    items,
    ...(matching.length > limit ? { nextCursor: cursorCodec.encode(scope, items.at(-1)!.domain) } : {}),
  };
}

/**
 * Customers at risk for the dashboard, soonest expiry first: candidates are the domains of live licenses expiring
 * within 30 days (the expiry index, one month partition or two), each then read whole from the `lookup` index. A
 * customer at risk only by a trial whose license expires later than that is not among them.
 */
export async function customersAtRisk(
  ledger: CustomersStore,
  options: { account?: string; limit?: number } = {},
): Promise<CustomerRow[]> {
  const now = ledger.now();
  const limit = options.limit ?? 25;
  const until = new Date(now.getTime() + AT_RISK_EXPIRY_DAYS * DAY_MS).toISOString();
  const domains = new Set<string>();
  let cursor: string | undefined;
  do {
    const page = await ledger.expiryPage({
      lower: now.toISOString(),
      upper: `${until}~`,
      limit: 1000,
      cursor,
      scope: 'customers-at-risk',
      account: options.account,
    });
    for (const item of page.items) {
      const domain = domainOf(item.email);
      if (domain) domains.add(domain);
    }
    cursor = page.nextCursor;
  } while (cursor);
  const reads = pLimit(CONNECTORS_IN_FLIGHT);
  const rows = await Promise.all(
    [...domains].map((domain) =>
      reads(async () => customerRowOf(domain, await domainLicenses(ledger, domain, options.account), now)),
    ),
  );
  return rows
    .filter((r) => r.status === 'at-risk')
    .sort(
      (a, b) => (a.nextExpiry ?? '').localeCompare(b.nextExpiry ?? '') || a.domain.localeCompare(b.domain),
    )
    .slice(0, limit);
}

/** Refuses a status that is not one of the three (the CLI's flag; HTTP checks it in its schema). */
export function parseStatus(text: string | undefined): CustomerStatus | undefined {
  if (text === undefined) return undefined;
  if (!(CUSTOMER_STATUSES as readonly string[]).includes(text))
    throw new LedgerError(
      'invalid_parameter',
      `status must be one of ${CUSTOMER_STATUSES.join(', ')}`,
      'status',
    );
  return text as CustomerStatus;
}
