// The defaults and plain values every edge shares (Lambda, infra, the CLI's flags), with no parser attached: the
// CLI declares its flags from these without loading zod, which `--help` cannot afford.
export const DAY_MS = 86_400_000;

export const REGION_URLS = {
  us: 'https://api.integrator.io/v1',
  eu: 'https://api.eu.integrator.io/v1',
} as const;

export const DEFAULTS = {
  apiUrl: REGION_URLS.us,
  tableName: 'licensewatch',
  /** Days before expiry at which an `expiring` alert fires. */
  thresholds: '30,14,7,1,0',
  expiringDays: 30,
  expiredWithinDays: 30,
  notInstalledDays: 7,
  /** How far back the deleted rule looks; each deletion still alerts once. */
  deletedWithinDays: 7,
  /** How a webhook gets alerts: one digest per evaluation (for people), or a message per alert (for machines). */
  alertFormat: 'digest',
  /**
   * How long an evaluation holds a sink (renewed while it runs): longer than the alerts Lambda may run (its timeout,
   * infra/constructs/alerting.ts), so a sink is taken over only from an evaluation that is gone.
   */
  alertLeaseMs: 15 * 60_000,
  /** The CLI's lease on its sinks (renewed while it runs): a run interrupted by Ctrl-C holds them this long at most. */
  cliAlertLeaseMs: 2 * 60_000,
  /** `changes --follow`: seconds between two polls of the change feed. */
  followIntervalSeconds: 5,
  /**
   * The change feed's settle window: how long a license write may be in flight (stamped, sent, retried, seen by
   * the index, writers' clocks against the reader's). The feed serves only versions older than this.
   */
  feedSettleSeconds: 30,
} as const;

export const ALERT_FORMATS = ['digest', 'each'] as const;
export type AlertFormat = (typeof ALERT_FORMATS)[number];

export const MAX_DAYS = 3650;

/** Resolves `us`, `eu` or any http(s) URL to a base URL without a trailing slash; undefined when it is neither. */
export function apiUrlOf(urlOrRegion: string): string | undefined {
  const url = REGION_URLS[urlOrRegion.trim().toLowerCase() as keyof typeof REGION_URLS] ?? urlOrRegion.trim();
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return undefined;
    return parsed.href.replace(/\/+$/, '');
  } catch {
    return undefined;
  }
}
