// What a raw license record says, derived once when it is recorded: the facts both the writes and the views use.
import { licenseSchema } from '#celigo/schemas';
import type { LicenseFacts } from './store/records.ts';

const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
const obj = (v: unknown) =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
const isoOf = (v: string | undefined) =>
  v && !Number.isNaN(Date.parse(v)) ? new Date(v).toISOString() : undefined;

/** Derives the facts of a raw record; records that fail validation still yield what can be read, plus the issues. */
export function licenseFacts(connectorId: string, raw: Record<string, unknown>): LicenseFacts {
  const parsed = licenseSchema.safeParse(raw);
  const user = obj(raw.user);
  const opts = obj(raw.opts);
  const facts: LicenseFacts = {
    licenseId: String(raw._id),
    connectorId,
    email: str(user.email),
    userId: str(user._id),
    userName: str(user.name),
    integrationId: str(raw._integrationId),
    edition: str(opts.connectorEdition),
    addonLicenses: Array.isArray(opts.addonLicenses) ? opts.addonLicenses : [],
    expires: isoOf(str(raw.expires)),
    created: isoOf(str(raw.created)),
    installed: Boolean(str(user._id) || str(raw._integrationId)),
  };
  if (!parsed.success) {
    facts.invalid = parsed.error.issues.map((i) => `${i.path.join('.') || 'record'}: ${i.message}`);
  }
  return facts;
}
