// Zod schemas for Partner API records: validate what we rely on, keep every other field as sent.
import { z } from 'zod';

/** Celigo object ids are 24 hex chars (Mongo ObjectIds). */
export const objectId = z.string().regex(/^[0-9a-fA-F]{24}$/, 'must be 24 hexadecimal characters');

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

/** The Partner API's error envelope. */
export const apiErrorBodySchema = z.object({
  errors: z.array(
    z.looseObject({ code: z.string(), message: z.string().optional(), field: z.string().optional() }),
  ),
});
