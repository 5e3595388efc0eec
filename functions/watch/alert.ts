// What an alert is and what a sink must do with it: the shape every rule raises and the port every destination implements.
import { z } from 'zod';

const timestamp = z.string().meta({ format: 'date-time' });

export const ruleName = z.enum(['expiring', 'expired', 'not-installed', 'deleted']);
export type RuleName = z.infer<typeof ruleName>;

export const alertSchema = z.object({
  alertId: z.string().meta({
    description:
      '`<licenseId>#<rule>#<cycle>#<threshold>`: one alert per license, rule, expiry date (or deletion) and threshold.',
  }),
  rule: ruleName,
  licenseId: z.string(),
  connectorId: z.string(),
  account: z
    .string()
    .optional()
    .meta({ description: "The connector's partner account (absent on older alerts)." }),
  threshold: z.number().int().optional().meta({
    description: 'The schedule threshold crossed (days), for `expiring`; the rule window otherwise.',
  }),
  expires: timestamp.optional(),
  daysToExpiry: z.number().int().optional(),
  email: z.string().optional(),
  edition: z.string().optional(),
  deletedAt: timestamp.optional(),
  raisedAt: timestamp,
  message: z.string(),
});
export type Alert = z.infer<typeof alertSchema>;

/** An alert as listed: with its delivery status. */
export const alertRecord = alertSchema.extend({
  status: z.string().meta({ description: '`pending` until every sink accepted it, then `sent`.' }),
  sentAt: timestamp.optional(),
});
export type AlertRecord = z.infer<typeof alertRecord>;

export interface AlertSink {
  readonly name: string;
  /** Delivers alerts; resolves with the ids the destination accepted. Throwing means none were accepted. */
  deliver(alerts: Alert[]): Promise<string[]>;
}
