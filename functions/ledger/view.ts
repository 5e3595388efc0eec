// A stored license as callers see it: the DESIGN.md license view, with expiry status derived at read time.
import { DAY_MS } from '#functions/config';
import type { LicenseView } from './schemas.ts';
import type { StoredLicense } from './store/records.ts';

// The facts are the write side's too (snapshot.ts); they live in facts.ts, read here by the views.
export { licenseFacts } from './facts.ts';
export type { LicenseFacts } from './store/records.ts';

export interface ViewOptions {
  now: Date;
  /** Days ahead at which a license counts as expiring (default 30). */
  expiringDays?: number;
  /** When the connector's last complete walk saw every live license (lastSeenAt is derived from it). */
  lastCompleteWalkAt?: string;
}

/** Whole days until expiry, floored: 0 during the last day, negative once expired. */
export function daysToExpiry(expires: string, now: Date): number {
  return Math.floor((Date.parse(expires) - now.getTime()) / DAY_MS);
}

export function expiryStatus(expires: string, now: Date, expiringDays = 30): 'ok' | 'expiring' | 'expired' {
  if (Date.parse(expires) <= now.getTime()) return 'expired';
  return daysToExpiry(expires, now) <= expiringDays ? 'expiring' : 'ok';
}

export function toLicenseView(item: StoredLicense, options: ViewOptions): LicenseView {
  const lastSeenAt =
    !item.deletedAt && options.lastCompleteWalkAt && options.lastCompleteWalkAt > item.lastSeenAt
      ? options.lastCompleteWalkAt
      : item.lastSeenAt;
  // Fields are set only when defined, in this order (a `delete` afterwards would leave V8 a slow object to serialize).
  const view = {} as Record<string, unknown>;
  const set = (name: keyof LicenseView, value: unknown) => {
    if (value !== undefined) view[name] = value;
  };
  set('id', item.licenseId);
  set('connectorId', item.connectorId);
  set('account', item.account);
  set('email', item.email);
  set('userId', item.userId);
  set('userName', item.userName);
  set('integrationId', item.integrationId);
  set('edition', item.edition);
  set('addonLicenses', item.addonLicenses ?? []);
  set('expires', item.expires);
  set('created', item.created);
  set('installed', item.installed);
  if (item.expires) {
    set('daysToExpiry', daysToExpiry(item.expires, options.now));
    set('expiry', expiryStatus(item.expires, options.now, options.expiringDays));
  }
  set('firstSeenAt', item.firstSeenAt);
  set('lastSeenAt', lastSeenAt);
  set('deletedAt', item.deletedAt);
  set('invalid', item.invalid);
  set('raw', JSON.parse(item.rawJson));
  return view as unknown as LicenseView;
}
