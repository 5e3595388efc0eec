// The emulator's in-memory state: connectors, their licenses in creation order, and known users.
import { type ConnectorRecord, DAY_MS, type DataSet, type LicenseRecord } from './data.ts';
import { InstallBase, type InstallRecord } from './installs.ts';
import { createPrng, type Prng } from './prng.ts';

export interface Page<T> {
  items: T[];
  total: number;
}

/** What a valid POST body boils down to. */
export interface NewLicense {
  email: string;
  expires: string;
  opts: Record<string, unknown>;
}

/** A deep-partial record for test set-up; `undefined` in a patch removes that field. */
export type Patch<T> = {
  [K in keyof T]?: T[K] extends object ? Patch<T[K]> | undefined : T[K] | undefined;
} & {
  [key: string]: unknown;
};

export class UnknownRecordError extends Error {
  override readonly name = 'UnknownRecordError';
}

export class EmulatorStore {
  readonly tokenUserId: string;
  private readonly connectorList: ConnectorRecord[] = [];
  private readonly licenseLists = new Map<string, LicenseRecord[]>();
  private readonly users = new Set<string>();
  // Runtime ids come from their own stream so creating licenses never disturbs the generated data.
  private readonly ids: Prng;
  private createdCount = 0;
  /** Versions and updates of the integrations where this account's connectors are installed. */
  readonly installs: InstallBase;

  constructor(
    data: DataSet,
    private readonly clock: () => Date,
    seed: number | string = 42,
  ) {
    this.tokenUserId = data.tokenUserId;
    this.ids = createPrng(seed, 'runtime-ids');
    this.installs = new InstallBase(clock);
    for (const email of data.userEmails) this.addUser(email);
    for (const connector of data.connectors) {
      this.connectorList.push(connector);
      this.licenseLists.set(connector._id, data.licenses[connector._id] ?? []);
    }
  }

  now(): Date {
    return this.clock();
  }

  connectors(): ConnectorRecord[] {
    return this.connectorList;
  }

  connector(cid: string): ConnectorRecord | undefined {
    return this.connectorList.find((connector) => connector._id === cid);
  }

  licenses(cid: string): LicenseRecord[] | undefined {
    return this.licenseLists.get(cid);
  }

  license(cid: string, lid: string): LicenseRecord | undefined {
    return this.licenseLists.get(cid)?.find((license) => license._id === lid);
  }

  /** The connector's install base: one record per installed license; undefined for an unknown connector. */
  installBase(cid: string): InstallRecord[] | undefined {
    const connector = this.connector(cid);
    const licenses = this.licenseLists.get(cid);
    return connector && licenses ? this.installs.records(connector, licenses) : undefined;
  }

  /** Starts an update of these integrations; the ids not installed on the connector, refused, when there are any. */
  requestUpdate(cid: string, integrationIds: readonly string[]): string[] {
    const installed = new Set((this.installBase(cid) ?? []).map((r) => r._integrationId));
    const unknown = integrationIds.filter((iid) => !installed.has(iid));
    if (unknown.length === 0) this.installs.requestUpdate(integrationIds);
    return unknown;
  }

  isKnownUser(email: string): boolean {
    return this.users.has(email.trim().toLowerCase());
  }

  addUser(email: string): void {
    this.users.add(email.trim().toLowerCase());
  }

  /** A newly created license is not installed yet: its user is the email alone. */
  createLicense(cid: string, input: NewLicense): LicenseRecord {
    const license: LicenseRecord = {
      _id: this.ids.objectId(),
      expires: input.expires,
      created: this.now().toISOString(),
      opts: input.opts as LicenseRecord['opts'],
      user: { email: input.email },
    };
    this.listOf(cid).push(license);
    return license;
  }

  /** Only `expires` and `opts` can change through the API; `opts` is replaced whole, as PUT replaces. */
  updateLicense(
    cid: string,
    lid: string,
    change: { expires?: string; opts?: Record<string, unknown> },
  ): LicenseRecord {
    const license = this.licenseOf(cid, lid);
    if (change.expires !== undefined) license.expires = change.expires;
    if (change.opts !== undefined) license.opts = change.opts as LicenseRecord['opts'];
    return license;
  }

  deleteLicense(cid: string, lid: string): void {
    const list = this.listOf(cid);
    const index = list.findIndex((license) => license._id === lid);
    if (index < 0) throw new UnknownRecordError(`no license ${lid} in connector ${cid}`);
    list.splice(index, 1);
  }

  mutateLicense(cid: string, lid: string, patch: Patch<LicenseRecord>): LicenseRecord {
    const license = this.licenseOf(cid, lid);
    deepMerge(license, structuredClone(patch));
    return license;
  }

  /** Appends a license (defaults: not installed, expiring in a year); its email becomes a known user. */
  addLicense(cid: string, partial: Patch<LicenseRecord> = {}): LicenseRecord {
    const list = this.listOf(cid);
    const now = this.now().getTime();
    this.createdCount += 1;
    const license: LicenseRecord = {
      _id: this.ids.objectId(),
      expires: new Date(now + 365 * DAY_MS).toISOString(),
      created: new Date(now).toISOString(),
      opts: { addonLicenses: [], connectorEdition: 'standard' },
      user: { email: `added.license${this.createdCount}@example.com` },
    };
    deepMerge(license, structuredClone(partial));
    this.addUser(license.user.email);
    list.push(license);
    return license;
  }

  setLicenses(cid: string, records: LicenseRecord[]): void {
    this.listOf(cid);
    const copies = structuredClone(records);
    for (const record of copies) if (record.user?.email) this.addUser(record.user.email);
    this.licenseLists.set(cid, copies);
  }

  addConnector(partial: Patch<ConnectorRecord> = {}, licenses: LicenseRecord[] = []): ConnectorRecord {
    const connector: ConnectorRecord = {
      _id: this.ids.objectId(),
      name: `Test Connector ${this.connectorList.length + 1}`,
      description: 'Added by a test.',
      handle: `test-connector-${this.connectorList.length + 1}`,
      published: true,
      _integrationId: this.ids.objectId(),
      lastModified: this.now().toISOString(),
      applications: ['netsuite'],
    };
    deepMerge(connector, structuredClone(partial));
    if (this.licenseLists.has(connector._id)) throw new Error(`connector ${connector._id} already exists`);
    this.connectorList.push(connector);
    this.licenseLists.set(connector._id, []);
    this.setLicenses(connector._id, licenses);
    return connector;
  }

  private listOf(cid: string): LicenseRecord[] {
    const list = this.licenseLists.get(cid);
    if (!list) throw new UnknownRecordError(`no connector ${cid}`);
    return list;
  }

  private licenseOf(cid: string, lid: string): LicenseRecord {
    const license = this.listOf(cid).find((record) => record._id === lid);
    if (!license) throw new UnknownRecordError(`no license ${lid} in connector ${cid}`);
    return license;
  }
}

/** Slices before anything is serialized, so a page costs the same with 100 or 100,000 records. */
export function pageOf<T>(items: readonly T[], skip: number, limit: number): Page<T> {
  return { items: items.slice(skip, skip + limit), total: items.length };
}

function deepMerge(target: Record<string, unknown>, patch: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) {
      delete target[key];
    } else if (isPlainObject(value) && isPlainObject(target[key])) {
      deepMerge(target[key], value);
    } else {
      target[key] = value;
    }
  }
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
