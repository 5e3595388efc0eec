// What an alert is and what a sink must do with it: the shape every rule raises and the port every destination implements.
import { z } from 'zod';
import type { StoredAlert, AlertRecord as StoredAlertRecord } from '#ledger/store/records';

const timestamp = z.string().meta({ format: 'date-time' });

export const ruleName = z.enum([
  'expiring',
  'expired',
  'not-installed',
  'deleted',
  'trial-ending',
  'trial-ended',
  'update-stuck',
]);
export type RuleName = z.infer<typeof ruleName>;

export const alertSchema = z.object({
  alertId: z.string().meta({
    description:
      '`<licenseId>#<rule>#<cycle>#<threshold>`: one alert per license, rule, expiry date (trial end, or deletion) and threshold.',
  }),
  rule: ruleName,
  licenseId: z.string(),
  connectorId: z.string(),
  account: z
    .string()
    .optional()
    .meta({ description: "The connector's partner account (absent on older alerts)." }),
  threshold: z.number().int().optional().meta({
    description:
      'The schedule threshold crossed (days), for `expiring` and `trial-ending`; the rule window otherwise.',
  }),
  sandbox: z
    .boolean()
    .optional()
    .meta({ description: "A sandbox license's alert (absent on alerts raised before sandboxes were told)." }),
  expires: timestamp.optional(),
  daysToExpiry: z.number().int().optional(),
  trialEndDate: timestamp.optional(),
  daysToTrialEnd: z.number().int().optional(),
  email: z.string().optional(),
  edition: z.string().optional(),
  deletedAt: timestamp.optional(),
  raisedAt: timestamp,
  message: z.string(),
});
export type Alert = z.infer<typeof alertSchema>;

/** One sink's share of an alert's delivery, as listed. */
export const sinkDelivery = z.object({
  sink: z
    .string()
    .meta({ description: 'The sink: `sns:<topic arn>`, `webhook:<hash of the URL>` or `console`.' }),
  state: z.enum(['pending', 'accepted']),
  attempts: z.number().int().meta({ description: 'Deliveries tried and not accepted.' }),
  acceptedAt: timestamp.optional(),
  lastError: z.string().optional(),
});

/** An alert as listed: with its delivery status. */
export const alertRecord = alertSchema.extend({
  status: z.string().meta({
    description:
      '`pending` while a delivery to one of its sinks failed and was not accepted since, else `sent`.',
  }),
  sentAt: timestamp.optional(),
  deliveries: z.array(sinkDelivery).optional().meta({
    description: 'Per sink that accepted it or failed to (absent on alerts raised before sinks had ids).',
  }),
});
export type AlertRecord = z.infer<typeof alertRecord>;

// The store keeps and lists these shapes as records.ts declares them: the declarations here must say the same.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const _sameAlert: Same<Alert, StoredAlert> & Same<AlertRecord, StoredAlertRecord> = true;

/** One delivery to a sink: the alerts due to it in this evaluation, and where to report what it accepted. */
export interface Delivery {
  /** The evaluation delivering; alerts accepted are recorded as this evaluation's. */
  evaluationId: string;
  alerts: Alert[];
  /**
   * Reports alerts the destination accepted, as it accepts them (after each message or batch), so they are recorded
   * even when a later message fails. An alert never reported stays pending and is delivered again later.
   */
  accepted(alertIds: string[]): void;
}

/**
 * A destination for alerts. Its id names what it delivers to, and delivery state is kept per id: `sns:<topic arn>`,
 * `webhook:<first 16 hex of the URL's sha256>`, `console`. Delivery is at least once per sink: a message may be
 * sent again (after a crash, or a receiver that failed after accepting), and carries alert ids to drop repeats by.
 */
export interface AlertSink {
  readonly id: string;
  /** Delivers, reporting acceptance as it goes; throwing leaves whatever was not reported pending. */
  deliver(delivery: Delivery): Promise<void>;
  /** The rules whose alerts this sink gets; every rule's when absent. */
  readonly rules?: ReadonlySet<string>;
}
