// The alerts the rules call for now: one per license, rule, cycle (expiry date or deletion) and threshold crossed.
import { DEFAULTS } from '#functions/config';
import type { LicenseView } from '#ledger/schemas';
import type { AlertClaim } from '#ledger/store/port';
import type { Alert, RuleName } from './alert.ts';
import {
  deletedWithin,
  expiredWithin,
  expiringWithin,
  notInstalledPages,
  stuckUpdates,
  type WatchStore,
} from './rules.ts';
import { trialsEndedWithin, trialsEndingWithin } from './trial-rules.ts';

export interface WatchConfig {
  /** Alert schedule in days before expiry, e.g. [30, 14, 7, 1, 0]. */
  thresholds: number[];
  /** Alert schedule in days before a trial's end, e.g. [7, 3, 1, 0]. */
  trialThresholds: number[];
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
  trialThresholds: DEFAULTS.trialThresholds.split(',').map(Number),
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

/** The alerts the rules call for now, all together. */
export async function candidateAlerts(ledger: WatchStore, config: WatchConfig): Promise<Candidate[]> {
  const out: Candidate[] = [];
  await forEachCandidate(ledger, config, (chunk) => out.push(...chunk));
  return out;
}

/** Candidates in pages of about this many: what the caller can start on while the rules read on. */
const CHUNK = 1_000;

/**
 * The alerts the rules call for now, handed over in chunks as the rules read them (the rules run at once, the
 * not-installed one page by page), so the caller's reads of their claims overlap the rules' own reads.
 */
export async function forEachCandidate(
  ledger: WatchStore,
  config: WatchConfig,
  onChunk: (candidates: Candidate[]) => void,
  stop?: () => boolean,
): Promise<void> {
  const raisedAt = ledger.now().toISOString();
  const candidate = (
    rule: RuleName,
    view: LicenseView,
    cycle: string,
    threshold: number | undefined,
    message: string,
  ): Candidate => {
    const key = {
      licenseId: view.id,
      rule,
      cycle,
      threshold: threshold === undefined ? '-' : String(threshold),
    };
    return {
      key,
      alert: {
        alertId: `${key.licenseId}#${rule}#${cycle}#${key.threshold}`,
        rule,
        licenseId: view.id,
        connectorId: view.connectorId,
        account: view.account,
        threshold,
        sandbox: view.sandbox,
        expires: view.expires,
        daysToExpiry: view.daysToExpiry,
        trialEndDate: view.trialEndDate,
        daysToTrialEnd: view.daysToTrialEnd,
        email: view.email,
        edition: view.edition,
        deletedAt: view.deletedAt,
        raisedAt,
        message,
      },
    };
  };
  const who = (v: LicenseView) =>
    `${v.email ?? 'unknown user'} (license ${v.id}, connector ${v.connectorId})`;
  const horizon = Math.max(...config.thresholds);
  const trialHorizon = Math.max(...config.trialThresholds);

  await Promise.all([
    expiringWithin(ledger, horizon, { expiringDays: config.expiringDays, stop }).then((views) =>
      onChunk(
        views.flatMap((view) => {
          const threshold = tightestThreshold(view.daysToExpiry!, config.thresholds);
          if (threshold === undefined) return [];
          const when = view.daysToExpiry === 0 ? 'within a day' : `in ${view.daysToExpiry} day(s)`;
          const message = `${who(view)} expires ${when}, on ${view.expires}`;
          return [candidate('expiring', view, view.expires!, threshold, message)];
        }),
      ),
    ),
    expiredWithin(ledger, config.expiredWithinDays, { stop }).then((views) =>
      onChunk(
        views.map((view) =>
          candidate('expired', view, view.expires!, undefined, `${who(view)} expired on ${view.expires}`),
        ),
      ),
    ),
    notInstalledPages(
      ledger,
      config.notInstalledDays,
      CHUNK,
      (views) =>
        onChunk(
          views.map((view) => {
            const message = `${who(view)} was created on ${view.created} and is not installed yet`;
            return candidate('not-installed', view, 'once', config.notInstalledDays, message);
          }),
        ),
      { stop },
    ),
    // One alert per trial (its end date is the cycle: an extended trial alerts again) and threshold crossed; a trial
    // past several thresholds when first seen alerts once, at the tightest, as `expiring` does.
    trialsEndingWithin(ledger, trialHorizon, { stop }).then((views) =>
      onChunk(
        views.flatMap((view) => {
          const threshold = tightestThreshold(view.daysToTrialEnd!, config.trialThresholds);
          if (threshold === undefined) return [];
          const when = view.daysToTrialEnd === 0 ? 'within a day' : `in ${view.daysToTrialEnd} day(s)`;
          const message = `${who(view)}: the trial ends ${when}, on ${view.trialEndDate}`;
          return [candidate('trial-ending', view, view.trialEndDate!, threshold, message)];
        }),
      ),
    ),
    // Once per trial; trials that ended before the window (e.g. long before an upgrade) raise nothing.
    trialsEndedWithin(ledger, config.expiredWithinDays, { stop }).then((views) =>
      onChunk(
        views.map((view) =>
          candidate(
            'trial-ended',
            view,
            view.trialEndDate!,
            undefined,
            `${who(view)}: the trial ended on ${view.trialEndDate} and was not converted`,
          ),
        ),
      ),
    ),
    // A push is followed for a month: its stuck integrations alert once per push (the push id is the cycle).
    stuckUpdates(ledger, 30).then((stuck) =>
      onChunk(
        stuck.map(({ push, integration: i }) => {
          const key = {
            licenseId: i.licenseId ?? i.integrationId,
            rule: 'update-stuck',
            cycle: push.id,
            threshold: '-',
          };
          const message = `integration ${i.integrationId} (${i.email ?? 'unknown user'}, connector ${push.connectorId}) shows no new version 24 h after push ${push.id} asked to update it from ${i.fromVersion}`;
          return {
            key,
            alert: {
              alertId: `${key.licenseId}#update-stuck#${push.id}#-`,
              rule: 'update-stuck' as const,
              licenseId: key.licenseId,
              connectorId: push.connectorId,
              account: push.account,
              email: i.email,
              raisedAt,
              message,
            },
          };
        }),
      ),
    ),
    deletedWithin(ledger, config.deletedWithinDays, { stop }).then((views) =>
      onChunk(
        views.map((view) =>
          candidate(
            'deleted',
            view,
            view.deletedAt!,
            undefined,
            `${who(view)} is gone upstream (noticed ${view.deletedAt})`,
          ),
        ),
      ),
    ),
  ]);
}
