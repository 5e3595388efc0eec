// Zod schemas for Partner API records: validate what we rely on, keep every other field as sent.
import { z } from 'zod';

/**
 * What an id must be to key the ledger: non-empty, at most 64 characters, no `#` or `/` (they separate key parts
 * and paths), no whitespace or control characters. Celigo's are 24 hex characters, but nothing relies on that.
 */
export const ID_RULE = 'must be 1-64 characters without #, /, whitespace or control characters';
// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
const ID_PATTERN = /^[^#/\s\u0000-\u001f\u007f]{1,64}$/;
export const recordId = z.string().regex(ID_PATTERN, ID_RULE);
export const isRecordId = (value: unknown): value is string =>
  typeof value === 'string' && ID_PATTERN.test(value);

const isoDate = z.iso.datetime({ offset: true });

export const addonLicenseSchema = z.looseObject({
  type: z.string(),
  licenses: z.array(z.looseObject({ addOnEdition: z.string() })),
});

export const licenseOptsSchema = z.looseObject({
  connectorEdition: z.string().optional(),
  addonLicenses: z.array(addonLicenseSchema).optional(),
});

export const licenseUserSchema = z.looseObject({
  email: z.string(),
  _id: z.string().optional(),
  name: z.string().optional(),
});

/** A license as the Partner API returns it. Unknown fields pass through untouched. */
export const licenseSchema = z.looseObject({
  _id: z.string().min(1),
  expires: isoDate.optional(),
  created: isoDate.optional(),
  opts: licenseOptsSchema.optional(),
  user: licenseUserSchema.optional(),
  _integrationId: z.string().optional(),
});
export type License = z.infer<typeof licenseSchema>;

/** A connector as the Partner API returns it. Unknown fields pass through untouched. */
export const connectorSchema = z.looseObject({
  _id: z.string().min(1),
  name: z.string().optional(),
});
export type Connector = z.infer<typeof connectorSchema>;

/** Body of POST /connectors/{id}/licenses. */
export const createLicenseSchema = z.looseObject({
  email: z.email(),
  expires: isoDate,
  opts: licenseOptsSchema,
});
export type CreateLicense = z.infer<typeof createLicenseSchema>;

/** Body of PUT /connectors/{id}/licenses/{id}: no email, everything optional. */
export const updateLicenseSchema = z.looseObject({
  expires: isoDate.optional(),
  opts: licenseOptsSchema.optional(),
});
export type UpdateLicense = z.infer<typeof updateLicenseSchema>;
