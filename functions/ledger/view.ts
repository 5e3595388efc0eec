// A stored license as callers see it: the DESIGN.md license view, with expiry status derived at read time.
import { licenseSchema } from '#celigo/schemas';
import { expiryMonth, FEED } from './keys.ts';

const DAY_MS = 86_400_000;

/** Attributes of a license item that are derived from its raw record (and indexed where it matters). */
export interface LicenseFacts {
  licenseId: string;
  connectorId: string;
  email?: string;
  userId?: string;
  userName?: string;
  integrationId?: string;
  edition?: string;
  addonLicenses: unknown[];
  expires?: string;
  created?: string;
  installed: boolean;
  invalid?: string[];
}

/** The current item of a license as stored. */
export interface LicenseItem extends LicenseFacts {
  PK: string;
  SK: string;
  rawJson: string;
  hash: string;
  rev: number;
  firstSeenAt: string;
  lastChangedAt: string;
  lastSeenAt: string;
  deletedAt?: string;
}

/** The DESIGN.md license view: the facts (with `id` for `licenseId`), the expiry status now, and the record as sent. */
export interface LicenseView extends Omit<LicenseFacts, 'licenseId'> {
  id: string;
  daysToExpiry?: number;
  expiry?: 'ok' | 'expiring' | 'expired';
  firstSeenAt: string;
  lastSeenAt: string;
  deletedAt?: string;
  raw: unknown;
}

const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
const obj = (v: unknown) =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

/** Derives the facts of a raw record; records that fail validation still yield what can be read, plus the issues. */
export function licenseFacts(connectorId: string, raw: Record<string, unknown>): LicenseFacts {
  const parsed = licenseSchema.safeParse(raw);
  const user = obj(raw.user);
  const opts = obj(raw.opts);
  const expires = str(raw.expires);
  const created = str(raw.created);
  const facts: LicenseFacts = {
    licenseId: String(raw._id),
    connectorId,
    email: str(user.email),
    userId: str(user._id),
    userName: str(user.name),
    integrationId: str(raw._integrationId),
    edition: str(opts.connectorEdition),
    addonLicenses: Array.isArray(opts.addonLicenses) ? opts.addonLicenses : [],
    expires: expires && !Number.isNaN(Date.parse(expires)) ? new Date(expires).toISOString() : undefined,
    created: created && !Number.isNaN(Date.parse(created)) ? new Date(created).toISOString() : undefined,
    installed: Boolean(str(user._id) || str(raw._integrationId)),
  };
  if (!parsed.success) {
    facts.invalid = parsed.error.issues.map((i) => `${i.path.join('.') || 'record'}: ${i.message}`);
  }
  return facts;
}

/** Index attributes of a live license: in the expiry index when it has an expiry date, in the not-installed feed when not installed. */
export function indexAttributes(facts: LicenseFacts): Record<string, string> {
  const attrs: Record<string, string> = {};
  if (facts.expires) {
    attrs.exp_pk = expiryMonth(facts.expires);
    attrs.exp_sk = `${facts.expires}#${facts.licenseId}`;
  }
  if (!facts.installed) {
    attrs.feed_pk = FEED.notInstalled;
    attrs.feed_sk = `${facts.created ?? '0000'}#${facts.licenseId}`;
  }
  return attrs;
}

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

export function toLicenseView(item: LicenseItem, options: ViewOptions): LicenseView {
  const lastSeenAt =
    !item.deletedAt && options.lastCompleteWalkAt && options.lastCompleteWalkAt > item.lastSeenAt
      ? options.lastCompleteWalkAt
      : item.lastSeenAt;
  const view: LicenseView = {
    id: item.licenseId,
    connectorId: item.connectorId,
    email: item.email,
    userId: item.userId,
    userName: item.userName,
    integrationId: item.integrationId,
    edition: item.edition,
    addonLicenses: item.addonLicenses ?? [],
    expires: item.expires,
    created: item.created,
    installed: item.installed,
    daysToExpiry: item.expires ? daysToExpiry(item.expires, options.now) : undefined,
    expiry: item.expires ? expiryStatus(item.expires, options.now, options.expiringDays) : undefined,
    firstSeenAt: item.firstSeenAt,
    lastSeenAt,
    deletedAt: item.deletedAt,
    invalid: item.invalid,
    raw: JSON.parse(item.rawJson),
  };
  for (const k of Object.keys(view) as (keyof LicenseView)[]) if (view[k] === undefined) delete view[k];
  return view;
}
