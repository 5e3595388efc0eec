// What an alert is and what a sink must do with it: the port every alert destination implements.
import type { RuleName } from '#watch/rules';

export interface Alert {
  /** `<licenseId>#<rule>#<cycle>#<threshold>`: one alert per license, rule, expiry date (or deletion) and threshold. */
  alertId: string;
  rule: RuleName;
  licenseId: string;
  connectorId: string;
  /** The schedule threshold crossed (days), for `expiring`; the rule's window otherwise. */
  threshold?: number;
  expires?: string;
  daysToExpiry?: number;
  email?: string;
  edition?: string;
  deletedAt?: string;
  raisedAt: string;
  message: string;
}

export interface AlertSink {
  readonly name: string;
  /** Delivers alerts; resolves with the ids the destination accepted. Throwing means none were accepted. */
  deliver(alerts: Alert[]): Promise<string[]>;
}
