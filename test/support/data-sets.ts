// Emulator data sets for tests: one connector holding exactly the licenses a test places, and license records
// numbered in turn (ids that sort by creation, a user and an integration each).
import type { DataSet, LicenseRecord } from '#local/emulator/index';

/**
 * One connector (`cid`, `name`, its handle the name's first letter) whose licenses are copies of `records`; `now` (ms)
 * dates the connector.
 */
export function oneConnector(
  cid: string,
  name: string,
  records: readonly LicenseRecord[],
  now: number,
): DataSet {
  return {
    connectors: [
      {
        _id: cid,
        name,
        description: '',
        handle: name.slice(0, 1).toLowerCase(),
        published: true,
        _integrationId: 'x',
        lastModified: new Date(now).toISOString(),
        applications: [],
      },
    ],
    licenses: { [cid]: structuredClone([...records]) },
    userEmails: [],
    tokenUserId: 'u',
  };
}

/**
 * A maker of license records: the n-th gets id `<n in 8 hex digits><fill × 16>` (a fill of its own per file keeps ids
 * apart), user `<name>@example.com` and an integration; `base` and then `extra` override any field.
 */
export function licenseMaker(
  fill: string,
  base: Partial<LicenseRecord> & { expires: string; created: string },
): (name: string, extra?: Partial<LicenseRecord>) => LicenseRecord {
  const { expires, created, ...rest } = base;
  let serial = 0;
  return (name, extra = {}) => {
    serial++;
    const n = serial.toString(16).padStart(8, '0');
    // Keys in the order the records had when each test wrote its own: a spread keeps a key where it first stood.
    return {
      _id: `${n}${fill.repeat(16)}`,
      expires,
      created,
      opts: { connectorEdition: 'standard', addonLicenses: [] },
      user: { email: `${name}@example.com`, _id: `${'b'.repeat(16)}${n}`, name },
      _integrationId: `${'c'.repeat(16)}${n}`,
      ...rest,
      ...extra,
    } as LicenseRecord;
  };
}
