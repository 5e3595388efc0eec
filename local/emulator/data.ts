// Builds the emulator's records: the demo data set (every license state, relative to "today") and benchmark sets.
import {
  type ConnectorProfile,
  companyDomains,
  demoCatalog,
  euDemoCatalog,
  extraUserEmails,
  generatedConnectorNames,
  personNames,
  type StateQuota,
} from './fixtures.ts';
import { createPrng, type Prng } from './prng.ts';

// Wire shapes as the real Partner API sends them. Deliberately not the client's zod types: the emulator
// stands in for Celigo, so it must not quietly agree with whatever the client happens to assume.
export interface LicenseRecord {
  _id: string;
  expires: string;
  created: string;
  opts: {
    addonLicenses: { type: string; licenses: { addOnEdition: string }[] }[];
    connectorEdition: string;
    [key: string]: unknown;
  };
  user: { email: string; _id?: string; name?: string };
  _integrationId?: string;
  [key: string]: unknown;
}

export interface ConnectorRecord {
  _id: string;
  name: string;
  description: string;
  handle: string;
  published: boolean;
  _integrationId: string;
  lastModified: string;
  applications: string[];
  [key: string]: unknown;
}

export interface DataSet {
  connectors: ConnectorRecord[];
  /** Licenses per connector id, in creation order (the order the list endpoint returns). */
  licenses: Record<string, LicenseRecord[]>;
  /** Emails of integrator.io users: POST accepts only these. */
  userEmails: string[];
  /** What GET /tokenInfo reports as `_userId`. */
  tokenUserId: string;
}

export type LicenseState = keyof StateQuota | 'healthy';

/** Size of a benchmark data set. */
export interface DataSetSpec {
  connectors: number;
  licensesPerConnector: number;
}

export const DAY_MS = 86_400_000;
// Celigo's samples expire at 18:29:59.999Z (end of day in IST); keeping it makes expiry days unambiguous.
const EXPIRY_TIME_MS = (18 * 3600 + 29 * 60 + 59) * 1000 + 999;
const editions = ['starter', 'standard', 'standard', 'standard', 'premium', 'premium', 'enterprise'] as const;
/**
 * Where the trials of Integration App licenses end, in days from today, in turn: some within every trial-ending
 * threshold (7, 3, 1, 0), some later, some ended recently (trial-ended) and some long ago. Placed by position, not
 * drawn, so every other value of the data set stays as it was.
 */
const TRIAL_END_DAYS = [3, -2, 6, 0, 12, -10, 1, 20, 45, -120, 9, -400];

/**
 * Dates are placed relative to `now` truncated to the UTC day, so two runs on the same day give the same
 * data; ids and every other draw depend on the seed only, so ids stay the same from one day to the next.
 */
export function demoDataSet(
  now: Date,
  seed: number | string = 42,
  catalog: readonly ConnectorProfile[] = demoCatalog,
): DataSet {
  const builder = new DataSetBuilder(now, seed);
  catalog.forEach((profile, index) => {
    builder.addConnector(profile, index, () => quotaStates(profile.quota, profile.licenseCount));
  });
  return builder.finish();
}

/** The EU demo account: its own connectors and customers (some of them also US customers), its own ids. */
export const euDemoDataSet = (now: Date) => demoDataSet(now, 'eu', euDemoCatalog);

/** Many connectors with many licenses in roughly the demo's mix of states, for benchmarks. */
export function generatedDataSet(spec: DataSetSpec, now: Date, seed: number | string = 42): DataSet {
  const builder = new DataSetBuilder(now, seed);
  for (let index = 0; index < spec.connectors; index++) {
    const base = generatedConnectorNames[index % generatedConnectorNames.length]!;
    const round = Math.floor(index / generatedConnectorNames.length);
    const profile: ConnectorProfile = {
      ...demoCatalog[0]!,
      name: round === 0 ? base : `${base} ${round + 1}`,
      handle: `generated-${index + 1}`,
      integrationApp: base.includes('Integration App'),
      licenseCount: spec.licensesPerConnector,
    };
    builder.addConnector(profile, index, (rng) =>
      Array.from({ length: spec.licensesPerConnector }, () => weightedState(rng)),
    );
  }
  return builder.finish();
}

export function emptyDataSet(seed: number | string = 42): DataSet {
  return new DataSetBuilder(new Date(0), seed).finish();
}

/** The UTC midnight starting the day `now` falls in. */
export function utcDay(now: Date): number {
  return Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
}

class DataSetBuilder {
  private readonly day: number;
  // Expiry dates repeat (a few hundred distinct days), so formatting each once keeps 100k licenses fast.
  private readonly expiryIso = new Map<number, string>();
  private readonly connectors: ConnectorRecord[] = [];
  private readonly licenses: Record<string, LicenseRecord[]> = {};
  private readonly emails: string[] = [];
  private readonly emailCounts = new Map<number, number>();

  constructor(
    now: Date,
    private readonly seed: number | string,
  ) {
    this.day = utcDay(now);
  }

  addConnector(profile: ConnectorProfile, index: number, states: (rng: Prng) => LicenseState[]): void {
    const ids = createPrng(this.seed, `connector-ids:${index}`);
    const rng = createPrng(this.seed, `connector:${index}`);
    const connector = connectorRecord(profile, ids, rng, this.day);
    const editionIds = Object.fromEntries(editions.map((edition) => [edition, ids.objectId()]));
    const licenses = rng.shuffle(states(rng)).map((state, i) => {
      const license = this.license(state, profile, ids, rng);
      if (profile.integrationApp) {
        // Integration App 2.0 fields, spread so some licenses have a trial and some are sandboxes.
        license.type = 'integrationApp';
        license.sandbox = i % 3 === 1;
        license._editionId = editionIds[license.opts.connectorEdition];
        // Every other license is on trial, so even the demo's six hold an active, an ended and a sandbox trial.
        if (i % 2 === 0) {
          const days = TRIAL_END_DAYS[(i / 2) % TRIAL_END_DAYS.length]!;
          license.trialEndDate = iso(this.day + days * DAY_MS + EXPIRY_TIME_MS);
        }
      }
      return license;
    });
    // Creation order is what the API pages by; ties cannot reorder between runs because sort is stable.
    licenses.sort((a, b) => (a.created < b.created ? -1 : a.created > b.created ? 1 : 0));
    this.connectors.push(connector);
    this.licenses[connector._id] = licenses;
  }

  finish(): DataSet {
    return {
      connectors: this.connectors,
      licenses: this.licenses,
      userEmails: [...this.emails, ...extraUserEmails],
      tokenUserId: createPrng(this.seed, 'token').objectId(),
    };
  }

  private license(state: LicenseState, profile: ConnectorProfile, ids: Prng, rng: Prng): LicenseRecord {
    const { expiresInDays, createdDaysAgo } = datesFor(state, rng);
    const created = this.day - createdDaysAgo * DAY_MS + rng.int(0, DAY_MS - 1);
    const edition = rng.pick(editions);
    const addons = rng.pick([0, 0, 0, 0, 0, 0, 1, 1, 1, 2, 3]);
    const personIndex = rng.int(0, personNames.length - 1);
    const person = personNames[personIndex]!;
    const email = this.uniqueEmail(personIndex, rng.int(0, companyDomains.length - 1));
    const installed = state !== 'notInstalledStale' && state !== 'notInstalledRecent';
    const license: LicenseRecord = {
      _id: ids.objectId(),
      expires: this.expiry(expiresInDays),
      created: iso(created),
      opts: {
        addonLicenses:
          addons === 0
            ? []
            : [
                {
                  type: profile.addonType,
                  licenses: Array.from({ length: addons }, () => ({ addOnEdition: edition })),
                },
              ],
        connectorEdition: edition,
      },
      user: installed ? { email, _id: ids.objectId(), name: person.name } : { email },
    };
    if (installed) license._integrationId = ids.objectId();
    return license;
  }

  private expiry(days: number): string {
    let text = this.expiryIso.get(days);
    if (text === undefined) {
      text = iso(this.day + days * DAY_MS + EXPIRY_TIME_MS);
      this.expiryIso.set(days, text);
    }
    return text;
  }

  /** Each license gets its own user, so a lookup by email finds exactly one license per connector. */
  private uniqueEmail(personIndex: number, domainIndex: number): string {
    // A numeric key: 100k string keys would cost more than the rest of the license together.
    const key = personIndex * companyDomains.length + domainIndex;
    const seen = this.emailCounts.get(key) ?? 0;
    this.emailCounts.set(key, seen + 1);
    const email = `${personNames[personIndex]!.emailStem}${seen === 0 ? '' : seen + 1}@${companyDomains[domainIndex]}`;
    this.emails.push(email);
    return email;
  }
}

function connectorRecord(profile: ConnectorProfile, ids: Prng, rng: Prng, day: number): ConnectorRecord {
  const [first, second] = profile.applications.map(title);
  return {
    _id: ids.objectId(),
    name: profile.name,
    description: `${profile.name} keeps orders, customers, fulfillments, items and inventory in sync between ${first} and ${second}.`,
    imageURL: `/images/company-logos/${profile.handle}.png`,
    websiteURL: `https://www.celigo.com/products/${profile.handle}/`,
    contactEmail: 'sales@celigo.com',
    handle: profile.handle,
    published: profile.published,
    managed: true,
    _integrationId: ids.objectId(),
    _stackId: ids.objectId(),
    installerFunction: 'installConnector',
    updateFunction: 'updateConnector',
    preUninstallFunction: 'preUninstallFunction',
    uninstallerFunction: 'uninstallConnector',
    externalInstallerFunction: 'installConnectorFromExternalApp',
    lastModified: iso(day - rng.int(20, 400) * DAY_MS + rng.int(0, DAY_MS - 1)),
    _sharedImportIds: [],
    _sharedExportIds: [],
    _iClientIdMap: [],
    applications: profile.applications,
  };
}

/**
 * Whole-day offsets from today's UTC midnight, chosen so each state holds for any `now` within the day,
 * e.g. "expiring within 7 days" is 1..6 days plus 18:29, which is 0.77..6.77 days away whatever the hour.
 */
function datesFor(state: LicenseState, rng: Prng): { expiresInDays: number; createdDaysAgo: number } {
  switch (state) {
    case 'expiringWithin7':
      return { expiresInDays: rng.int(1, 6), createdDaysAgo: rng.int(30, 1400) };
    case 'expiringWithin30':
      return { expiresInDays: rng.int(8, 29), createdDaysAgo: rng.int(30, 1400) };
    case 'expiredRecently': {
      const expiresInDays = -rng.int(1, 29);
      return { expiresInDays, createdDaysAgo: -expiresInDays + rng.int(90, 900) };
    }
    case 'expiredLongAgo': {
      const expiresInDays = -rng.int(60, 900);
      return { expiresInDays, createdDaysAgo: -expiresInDays + rng.int(90, 900) };
    }
    case 'notInstalledStale':
      return { expiresInDays: rng.int(300, 400), createdDaysAgo: rng.int(10, 60) };
    case 'notInstalledRecent':
      return { expiresInDays: rng.int(350, 370), createdDaysAgo: rng.int(1, 5) };
    case 'healthy':
      return { expiresInDays: rng.int(45, 700), createdDaysAgo: rng.int(30, 1500) };
  }
}

function quotaStates(quota: StateQuota, total: number): LicenseState[] {
  const states: LicenseState[] = [];
  for (const [state, count] of Object.entries(quota) as [keyof StateQuota, number][]) {
    for (let i = 0; i < count; i++) states.push(state);
  }
  if (states.length > total)
    throw new Error(`state quota (${states.length}) exceeds license count (${total})`);
  while (states.length < total) states.push('healthy');
  return states;
}

// Roughly the demo connector's mix: ~93% healthy.
const stateWeights: [LicenseState, number][] = [
  ['expiringWithin7', 0.007],
  ['expiringWithin30', 0.02],
  ['expiredRecently', 0.01],
  ['expiredLongAgo', 0.025],
  ['notInstalledStale', 0.006],
  ['notInstalledRecent', 0.003],
];

function weightedState(rng: Prng): LicenseState {
  let roll = rng.next();
  for (const [state, weight] of stateWeights) {
    if (roll < weight) return state;
    roll -= weight;
  }
  return 'healthy';
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function title(application: string | undefined): string {
  const names: Record<string, string> = { netsuite: 'NetSuite', amazonmws: 'Amazon' };
  if (!application) return '';
  return names[application] ?? application.charAt(0).toUpperCase() + application.slice(1);
}
