// The alerts the rules call for now: one per license, rule, cycle (expiry date or deletion) and threshold crossed.
import { DEFAULTS } from '#functions/config';
import type { LicenseView } from '#ledger/schemas';
import type { AlertClaim, ViewStore } from '#ledger/store/port';
import type { Alert, RuleName } from './alert.ts';
import { deletedWithin, expiredWithin, expiringWithin, notInstalled } from './rules.ts';

export interface WatchConfig {
  /** Alert schedule in days before expiry, e.g. [30, 14, 7, 1, 0]. */
  thresholds: number[];
  expiringDays: number;
  expiredWithinDays: number;
  notInstalledDays: number;
  /** How far back the deleted rule looks; each deletion still alerts once. */
  deletedWithinDays: number;
  /**
   * How long a claimed delivery is reserved for the evaluation that claimed it: longer than any evaluation may run
   * (the alerts Lambda's timeout), so a delivery is taken over only from an evaluation that is gone.
   */
  leaseMs: number;
}

export const DEFAULT_WATCH_CONFIG: WatchConfig = {
  thresholds: DEFAULTS.thresholds.split(',').map(Number),
  expiringDays: DEFAULTS.expiringDays,
  expiredWithinDays: DEFAULTS.expiredWithinDays,
  notInstalledDays: DEFAULTS.notInstalledDays,
  deletedWithinDays: DEFAULTS.deletedWithinDays,
  leaseMs: DEFAULTS.alertLeaseMs,
};

/** The tightest schedule threshold a license at `days` has crossed, or undefined when it crossed none. */
export function tightestThreshold(days: number, thresholds: number[]): number | undefined {
  return [...thresholds].sort((a, b) => a - b).find((t) => days <= t);
}

/** An alert with the key of its claim; the id is stable, so the same alert always has the same id. */
export interface Candidate {
  alert: Alert;
  key: AlertClaim['key'];
}

/** The alerts the rules call for now. */
export async function candidateAlerts(ledger: ViewStore, config: WatchConfig): Promise<Candidate[]> {
  const raisedAt = ledger.now().toISOString();
  const out: Candidate[] = [];
  const add = (
    rule: RuleName,
    view: LicenseView,
    cycle: string,
    threshold: number | undefined,
    message: string,
  ) => {
    const key = {
      licenseId: view.id,
      rule,
      cycle,
      threshold: threshold === undefined ? '-' : String(threshold),
    };
    out.push({
      key,
      alert: {
        alertId: `${key.licenseId}#${rule}#${cycle}#${key.threshold}`,
        rule,
        licenseId: view.id,
        connectorId: view.connectorId,
        threshold,
        expires: view.expires,
        daysToExpiry: view.daysToExpiry,
        email: view.email,
        edition: view.edition,
        deletedAt: view.deletedAt,
        raisedAt,
        message,
      },
    });
  };
  const who = (v: LicenseView) =>
    `${v.email ?? 'unknown user'} (license ${v.id}, connector ${v.connectorId})`;

  const horizon = Math.max(...config.thresholds);
  for (const view of await expiringWithin(ledger, horizon, { expiringDays: config.expiringDays })) {
    const threshold = tightestThreshold(view.daysToExpiry!, config.thresholds);
    if (threshold === undefined) continue;
    const when = view.daysToExpiry === 0 ? 'within a day' : `in ${view.daysToExpiry} day(s)`;
    add('expiring', view, view.expires!, threshold, `${who(view)} expires ${when}, on ${view.expires}`);
  }
  for (const view of await expiredWithin(ledger, config.expiredWithinDays)) {
    add('expired', view, view.expires!, undefined, `${who(view)} expired on ${view.expires}`);
  }
  for (const view of await notInstalled(ledger, config.notInstalledDays)) {
    const message = `${who(view)} was created on ${view.created} and is not installed yet`;
    add('not-installed', view, 'once', config.notInstalledDays, message);
  }
  for (const view of await deletedWithin(ledger, config.deletedWithinDays)) {
    add(
      'deleted',
      view,
      view.deletedAt!,
      undefined,
      `${who(view)} is gone upstream (noticed ${view.deletedAt})`,
    );
  }
  return out;
}
