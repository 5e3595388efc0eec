// Alert evaluation: run the rules, claim each new alert once (conditional write), deliver, retry what failed.
import { TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Alert, AlertSink } from '#alerts/types';
import { FEED, key } from '#ledger/keys';
import { feedPage, type Ledger, queryAll } from '#ledger/ledger';
import { stripKeys } from '#ledger/runs';
import { isConditionFailure } from '#ledger/snapshot';
import type { LicenseView } from '#ledger/view';
import { deletedWithin, expiredWithin, expiringWithin, notInstalled, type RuleName } from './rules.ts';

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
  thresholds: [30, 14, 7, 1, 0],
  expiringDays: 30,
  expiredWithinDays: 30,
  notInstalledDays: 7,
  deletedWithinDays: 7,
  leaseMs: 120_000,
};

const OUTBOX_PK = 'OUTBOX';

/** The tightest schedule threshold a license at `days` has crossed, or undefined when it crossed none. */
export function tightestThreshold(days: number, thresholds: number[]): number | undefined {
  return [...thresholds].sort((a, b) => a - b).find((t) => days <= t);
}

/** The alerts the rules call for now; each id is stable, so the same alert always has the same id. */
export async function candidateAlerts(ledger: Ledger, config: WatchConfig): Promise<Alert[]> {
  const raisedAt = ledger.now().toISOString();
  const alerts: Alert[] = [];
  const add = (
    rule: RuleName,
    view: LicenseView,
    cycle: string,
    threshold: number | undefined,
    message: string,
  ) =>
    alerts.push({
      alertId: `${view.id}#${rule}#${cycle}#${threshold ?? '-'}`,
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
    });
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
    add(
      'not-installed',
      view,
      'once',
      config.notInstalledDays,
      `${who(view)} was created on ${view.created} and is not installed yet`,
    );
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
  return alerts;
}

interface OutboxItem {
  alert: Alert;
  pending: string[];
  leaseUntil: number;
  attempts: number;
  lastError?: string;
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
  ledger: Ledger;
  sinks: AlertSink[];
  config?: Partial<WatchConfig>;
}): Promise<EvaluationResult> {
  const { ledger, sinks } = deps;
  const config = { ...DEFAULT_WATCH_CONFIG, ...deps.config };
  const now = ledger.now().getTime();
  const sinkNames = sinks.map((s) => s.name);

  const claimed: OutboxItem[] = [];
  for (const alert of await candidateAlerts(ledger, config)) {
    const [lid, rule, cycle, threshold] = alert.alertId.split('#') as [string, string, string, string];
    const entry: OutboxItem = { alert, pending: sinkNames, leaseUntil: now + config.leaseMs, attempts: 0 };
    try {
      await ledger.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: ledger.tableName,
                Item: {
                  ...key.alert(lid, rule, cycle, threshold),
                  type: 'alert',
                  feed_pk: FEED.alerts,
                  feed_sk: `${alert.raisedAt}#${alert.alertId}`,
                  ...alert,
                  status: 'pending',
                },
                ConditionExpression: 'attribute_not_exists(PK)',
              },
            },
            { Put: { TableName: ledger.tableName, Item: { PK: OUTBOX_PK, SK: alert.alertId, ...entry } } },
          ],
        }),
      );
      claimed.push(entry);
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  // Deliveries left over from earlier evaluations whose lease ran out (a failed sink, or a crash).
  const retries: OutboxItem[] = [];
  const claimedIds = new Set(claimed.map((c) => c.alert.alertId));
  for await (const item of queryAll<OutboxItem & { SK: string }>(ledger, {
    KeyConditionExpression: 'PK = :pk',
    ExpressionAttributeValues: { ':pk': OUTBOX_PK },
    ConsistentRead: true,
  })) {
    if (claimedIds.has(item.SK) || item.leaseUntil > now) continue;
    try {
      await ledger.doc.send(
        new UpdateCommand({
          TableName: ledger.tableName,
          Key: { PK: OUTBOX_PK, SK: item.SK },
          UpdateExpression: 'SET leaseUntil = :lease',
          ConditionExpression: 'leaseUntil = :seen',
          ExpressionAttributeValues: { ':lease': now + config.leaseMs, ':seen': item.leaseUntil },
        }),
      );
      retries.push(item);
    } catch (error) {
      if (!isConditionFailure(error)) throw error; // another evaluation took it
    }
  }

  const work = [...claimed, ...retries];
  const errors: EvaluationResult['errors'] = [];
  const accepted = new Map<string, Set<string>>(); // alertId -> sinks that accepted it
  // Every sink gets its own try: one failing destination never blocks the others.
  await Promise.all(
    sinks.map(async (sink) => {
      const due = work.filter((w) => w.pending.includes(sink.name)).map((w) => w.alert);
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
  for (const entry of work) {
    const left = entry.pending.filter((s) => !accepted.get(entry.alert.alertId)?.has(s));
    const [lid, rule, cycle, threshold] = entry.alert.alertId.split('#') as [string, string, string, string];
    if (left.length === 0) {
      await ledger.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: ledger.tableName,
                Key: key.alert(lid, rule, cycle, threshold),
                UpdateExpression: 'SET #status = :sent, sentAt = :at',
                ExpressionAttributeNames: { '#status': 'status' },
                ExpressionAttributeValues: { ':sent': 'sent', ':at': new Date(now).toISOString() },
              },
            },
            { Delete: { TableName: ledger.tableName, Key: { PK: OUTBOX_PK, SK: entry.alert.alertId } } },
          ],
        }),
      );
    } else {
      pending++;
      await ledger.doc.send(
        new UpdateCommand({
          TableName: ledger.tableName,
          Key: { PK: OUTBOX_PK, SK: entry.alert.alertId },
          // The lease is released at once so the next evaluation retries without waiting.
          UpdateExpression:
            'SET pending = :left, leaseUntil = :zero, attempts = attempts + :one, lastError = :err',
          ExpressionAttributeValues: {
            ':left': left,
            ':zero': 0,
            ':one': 1,
            ':err': errors.map((e) => `${e.sink}: ${e.message}`).join('; ') || 'not accepted',
          },
        }),
      );
    }
    if (claimedIds.has(entry.alert.alertId)) items.push({ ...entry.alert, pendingSinks: left });
  }
  return { items, retried: retries.length, pending, errors };
}

/** Alerts raised, newest first, paged (GET /alerts). */
export function listAlerts(ledger: Ledger, options: { limit?: number; cursor?: string } = {}) {
  return feedPage(ledger, FEED.alerts, options, (i) =>
    stripKeys<Alert & { status: string; sentAt?: string }>(i),
  );
}
