// What the dashboard shows, read from the ledger in one go: connectors, expiry windows, not installed, alerts, the chart.
import { DAY_MS } from '#functions/config';
import { listConnectors } from '#ledger/queries';
import type { ConnectorSummary, LicenseView } from '#ledger/schemas';
import type { AlertLog, ConnectorStore, ViewStore } from '#ledger/store/port';
import type { AlertRecord } from '#watch/alert';
import { listAlerts } from '#watch/evaluate';
import { expiringWithin, notInstalled } from '#watch/rules';
export const CHART_MONTHS = 12;
export const WINDOWS = [30, 60, 90] as const;
export const RECENT_ALERTS = 20;

export interface MonthBar {
  /** YYYY-MM (UTC). */
  month: string;
  count: number;
}

export interface DashboardData {
  now: Date;
  connectors: ConnectorSummary[];
  liveLicenses: number;
  /** Live licenses expiring in (previous window, window] days, per window of WINDOWS. */
  expiring: { upTo: number; from: number; items: LicenseView[] }[];
  notInstalled: LicenseView[];
  alerts: AlertRecord[];
  /** Live licenses by expiry month, this month and the next CHART_MONTHS - 1. */
  byMonth: MonthBar[];
}

const monthOf = (date: Date) => date.toISOString().slice(0, 7);

export async function dashboardData(
  ledger: ViewStore & Pick<ConnectorStore, 'listConnectors'> & AlertLog,
  options: { expiringDays?: number } = {},
): Promise<DashboardData> {
  const now = ledger.now();
  const months = Array.from({ length: CHART_MONTHS }, (_, i) =>
    monthOf(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + i, 1))),
  );
  const chartEnd = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + CHART_MONTHS, 1);
  // One query over the chart's year serves the chart and the 30/60/90-day windows alike.
  const withinDays = Math.floor((chartEnd - now.getTime()) / DAY_MS);
  const [connectors, upcoming, waiting, alerts] = await Promise.all([
    listConnectors(ledger),
    expiringWithin(ledger, withinDays, options),
    notInstalled(ledger, 0, options),
    listAlerts(ledger, { limit: RECENT_ALERTS }),
  ]);

  const counts = new Map(months.map((m) => [m, 0]));
  for (const view of upcoming) {
    if (!view.expires || Date.parse(view.expires) >= chartEnd) continue;
    const month = view.expires.slice(0, 7);
    counts.set(month, (counts.get(month) ?? 0) + 1);
  }

  let from = 0;
  const expiring = WINDOWS.map((upTo) => {
    const items = upcoming.filter((v) => (v.daysToExpiry ?? -1) >= from && (v.daysToExpiry ?? -1) <= upTo);
    const window = { from, upTo, items };
    from = upTo + 1;
    return window;
  });

  return {
    now,
    connectors,
    liveLicenses: connectors.reduce((sum, c) => sum + (c.deletedAt ? 0 : c.licenses), 0),
    expiring,
    notInstalled: waiting,
    alerts: alerts.items,
    byMonth: months.map((month) => ({ month, count: counts.get(month) ?? 0 })),
  };
}
