// Monthly figures of the portfolio: live, created, renewed, expired, installed, deleted, trials, the renewal rate.
import pLimit from 'p-limit';
import { z } from 'zod';
import { LedgerError } from '#ledger/errors';
import { checkAccount } from '#ledger/portfolio';
import type { ConnectorStore, PortfolioStore } from '#ledger/store/port';

export const DEFAULT_MONTHS = 12;
/** As far back as the change feed reaches (MAX_SINCE_DAYS): ten years. */
export const MAX_MONTHS = 120;
/** Months read at once (three Queries each: the news and baseline partitions of the feed, the expiry count). */
const MONTHS_IN_FLIGHT = 6;

const count = z.number().int().nonnegative();

export const monthlyFigures = z.object({
  month: z.string().meta({ description: 'YYYY-MM (UTC).', example: '2026-11' }),
  live: count.meta({ description: "Live licenses at the month's end (the current month: now)." }),
  created: count.meta({ description: 'Licenses first seen, or seen again after a deletion, that month.' }),
  renewed: count.meta({ description: 'Versions whose expiry moved later, that month.' }),
  expired: count.meta({
    description: 'Live licenses whose expiry passed that month and was not moved since.',
  }),
  installed: count,
  deleted: count,
  trialsStarted: count,
  converted: count,
  renewalRate: z
    .number()
    .nullable()
    .meta({ description: 'renewed / (renewed + expired); null when both are 0.' }),
});
export type MonthlyFigures = z.infer<typeof monthlyFigures>;

export interface MetricsQuery {
  months?: number;
  account?: string;
  connectorId?: string;
  /** The configured partner accounts (an account filter must name one, or one a connector belongs to). */
  accounts?: readonly string[];
}

type MetricsStore = Pick<ConnectorStore, 'listConnectors'> &
  Pick<PortfolioStore, 'changesPage' | 'expiriesCount'> & { now(): Date };

/** Version kinds counted, by the name the change feed gives them (trial kinds count once versions carry them). */
const COUNTED = {
  created: 'created',
  renewed: 'renewed',
  installed: 'installed',
  deleted: 'deleted',
  'trial-started': 'trialsStarted',
  converted: 'converted',
} as const;
type Counted = (typeof COUNTED)[keyof typeof COUNTED];

const monthStart = (year: number, month: number) => new Date(Date.UTC(year, month, 1));

/**
 * Figures per month, oldest first, the current month last. Each month reads its own versions from the change feed
 * (baseline included: a license first seen is created) and counts its expiries on byExpiry; `live` at a past month's
 * end is today's live count (the connectors' counts) less what was created and plus what was deleted since.
 */
export async function monthlyMetrics(
  ledger: MetricsStore,
  query: MetricsQuery = {},
): Promise<MonthlyFigures[]> {
  const months = query.months ?? DEFAULT_MONTHS;
  if (!Number.isInteger(months) || months < 1 || months > MAX_MONTHS)
    throw new LedgerError(
      'invalid_parameter',
      `months must be a whole number from 1 to ${MAX_MONTHS}`,
      'months',
    );
  const account = await checkAccount(ledger, query.account, query.accounts);
  const all = await ledger.listConnectors();
  if (query.connectorId && !all.some((c) => c.connectorId === query.connectorId))
    throw new LedgerError('not_found', `no connector ${query.connectorId} in the ledger`);
  const connectors = all.filter(
    (c) =>
      !c.deletedAt &&
      (!account || c.account === account) &&
      (!query.connectorId || c.connectorId === query.connectorId),
  );
  const liveNow = connectors.reduce((sum, c) => sum + (c.liveCount ?? 0), 0);

  const now = ledger.now();
  const windows = Array.from({ length: months }, (_, i) => {
    const start = monthStart(now.getUTCFullYear(), now.getUTCMonth() - (months - 1 - i));
    const next = monthStart(start.getUTCFullYear(), start.getUTCMonth() + 1);
    const end = next.getTime() > now.getTime() ? now : new Date(next.getTime() - 1);
    return { month: start.toISOString().slice(0, 7), since: start.toISOString(), until: end.toISOString() };
  });
  const filter = { account, connectorId: query.connectorId };
  const limit = pLimit(MONTHS_IN_FLIGHT);
  const counted = await Promise.all(
    windows.map((w) =>
      limit(async () => {
        const [kinds, expired] = await Promise.all([
          kindsIn(ledger, w.since, w.until, filter),
          ledger.expiriesCount({ lower: w.since, upper: w.until, ...filter }),
        ]);
        return { ...w, kinds, expired };
      }),
    ),
  );
  // Newest first: each month's end is the next month's end less what the next month created, plus what it deleted.
  let live = liveNow;
  const figures: MonthlyFigures[] = [];
  for (let i = counted.length - 1; i >= 0; i--) {
    const { month, kinds, expired } = counted[i]!;
    const renewed = kinds.renewed;
    figures.unshift({
      month,
      live: Math.max(0, live),
      created: kinds.created,
      renewed,
      expired,
      installed: kinds.installed,
      deleted: kinds.deleted,
      trialsStarted: kinds.trialsStarted,
      converted: kinds.converted,
      renewalRate: renewed + expired === 0 ? null : renewed / (renewed + expired),
    });
    live = live - kinds.created + kinds.deleted;
  }
  return figures;
}

/** Versions of [since, until] counted by kind: one pass over the month's change feed, a thousand at a time. */
async function kindsIn(
  ledger: Pick<PortfolioStore, 'changesPage'>,
  since: string,
  until: string,
  filter: { account?: string; connectorId?: string },
): Promise<Record<Counted, number>> {
  const counts: Record<Counted, number> = {
    created: 0,
    renewed: 0,
    installed: 0,
    deleted: 0,
    trialsStarted: 0,
    converted: 0,
  };
  let cursor: string | undefined;
  do {
    const page = await ledger.changesPage({
      since,
      until,
      includeBaseline: true,
      ...filter,
      limit: 1000,
      cursor,
    });
    for (const change of page.items) {
      const name = COUNTED[change.kind as keyof typeof COUNTED];
      if (name) counts[name]++;
    }
    cursor = page.nextCursor;
  } while (cursor);
  return counts;
}
