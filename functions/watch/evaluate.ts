// Alert evaluation: run the rules, claim each new alert once (conditional write), deliver, retry what failed.
import { DEFAULTS } from '#functions/config';
import type { LicenseView, Page } from '#ledger/schemas';
import type { AlertClaim, AlertDelivery, AlertLog, ViewStore } from '#ledger/store/port';
import { type Alert, type AlertRecord, type AlertSink, alertRecord, type RuleName } from './alert.ts';
import { deletedWithin, expiredWithin, expiringWithin, notInstalled } from './rules.ts';

export interface WatchConfig {
  /** Alert schedule in days before expiry, e.g. [30, 14, 7, 1, 0]. */
  thresholds: number[];
  expiringDays: number;
  expiredWithinDays: number;
  notInstalledDays: number;
  /** How far back the deleted rule looks; each deletion still alerts once. */
  deletedWithinDays: number;
  /** How long a claimed delivery is reserved for the evaluation that claimed it. */
  leaseMs: number;
}

export const DEFAULT_WATCH_CONFIG: WatchConfig = {
  thresholds: DEFAULTS.thresholds.split(',').map(Number),
  expiringDays: DEFAULTS.expiringDays,
  expiredWithinDays: DEFAULTS.expiredWithinDays,
  notInstalledDays: DEFAULTS.notInstalledDays,
  deletedWithinDays: DEFAULTS.deletedWithinDays,
  leaseMs: 120_000,
};

/** The tightest schedule threshold a license at `days` has crossed, or undefined when it crossed none. */
export function tightestThreshold(days: number, thresholds: number[]): number | undefined {
  return [...thresholds].sort((a, b) => a - b).find((t) => days <= t);
}

/** An alert with the key of its claim; the id is stable, so the same alert always has the same id. */
interface Candidate {
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
        account: view.account,
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

export interface EvaluationResult {
  /** Alerts raised by this evaluation (new), with the sinks that have not accepted them yet. */
  items: (Alert & { pendingSinks: string[] })[];
  /** Earlier alerts whose delivery was retried now. */
  retried: number;
  /** Alerts still waiting for a sink after this evaluation. */
  pending: number;
  errors: { sink: string; message: string }[];
}

/**
 * Evaluates the rules and delivers each new alert once. An alert is claimed with a conditional write (so two
 * evaluations at once raise it once) together with an outbox entry; the entry goes only when every sink
 * accepted it, and a later evaluation retries what is left.
 */
export async function evaluateAlerts(deps: {
  ledger: ViewStore & AlertDelivery;
  sinks: AlertSink[];
  config?: Partial<WatchConfig>;
}): Promise<EvaluationResult> {
  const { ledger, sinks } = deps;
  const config = { ...DEFAULT_WATCH_CONFIG, ...deps.config };
  const now = ledger.now().getTime();
  const sinkNames = sinks.map((s) => s.name);
  const lease = { leaseUntil: now + config.leaseMs, attempts: 0 };

  const claimed: AlertClaim[] = [];
  for (const { alert, key } of await candidateAlerts(ledger, config)) {
    const claim = { key, alertId: alert.alertId, raisedAt: alert.raisedAt, alert, pending: sinkNames };
    if (await ledger.claimAlert(claim, lease)) claimed.push(claim);
  }

  // Deliveries left over from earlier evaluations whose lease ran out (a failed sink, or a crash).
  const retries: AlertClaim[] = [];
  const claimedIds = new Set(claimed.map((c) => c.alertId));
  for await (const entry of ledger.pendingDeliveries()) {
    if (claimedIds.has(entry.alertId) || entry.lease.leaseUntil > now) continue;
    if (await ledger.takeDelivery(entry.alertId, entry.lease, lease)) retries.push(entry);
  }

  const work = [...claimed, ...retries];
  const errors: EvaluationResult['errors'] = [];
  const accepted = new Map<string, Set<string>>(); // alertId -> sinks that accepted it
  // Every sink gets its own try: one failing destination never blocks the others.
  await Promise.all(
    sinks.map(async (sink) => {
      const due = work.filter((w) => w.pending.includes(sink.name)).map((w) => w.alert as Alert);
      if (due.length === 0) return;
      try {
        for (const id of await sink.deliver(due)) {
          if (!accepted.has(id)) accepted.set(id, new Set());
          accepted.get(id)!.add(sink.name);
        }
      } catch (error) {
        errors.push({ sink: sink.name, message: (error as Error).message });
      }
    }),
  );

  let pending = 0;
  const items: EvaluationResult['items'] = [];
  const sentAt = new Date(now).toISOString();
  for (const entry of work) {
    const left = entry.pending.filter((s) => !accepted.get(entry.alertId)?.has(s));
    if (left.length === 0) await ledger.deliveryDone(entry, sentAt);
    else {
      pending++;
      const error = errors.map((e) => `${e.sink}: ${e.message}`).join('; ') || 'not accepted';
      await ledger.deliveryLeft(entry.alertId, left, error);
    }
    if (claimedIds.has(entry.alertId)) items.push({ ...(entry.alert as Alert), pendingSinks: left });
  }
  return { items, retried: retries.length, pending, errors };
}

/** Alerts raised, newest first, paged (GET /alerts). */
export async function listAlerts(
  ledger: AlertLog,
  options: { limit?: number; cursor?: string; account?: string } = {},
): Promise<Page<AlertRecord>> {
  const page = await ledger.listAlerts(options);
  return { ...page, items: page.items.map((item) => alertRecord.parse(item)) };
}
