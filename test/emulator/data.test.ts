// The demo and benchmark data sets: deterministic, every license state present, shaped like the real API.
import { describe, expect, it } from 'vitest';
import { connectorSchema, licenseSchema } from '#celigo/schemas';
import {
  DAY_MS,
  type DataSet,
  demoDataSet,
  generatedDataSet,
  type LicenseRecord,
  startEmulator,
} from '#local/emulator/index';
import { call, NOW, walk } from '../support/emulator-http.ts';

type State =
  | 'expiringWithin7'
  | 'expiringWithin30'
  | 'expiredRecently'
  | 'expiredLongAgo'
  | 'notInstalledStale'
  | 'notInstalledRecent'
  | 'healthy';

/** The test's own reading of a license, independent of how the generator chose it. */
function stateOf(license: LicenseRecord, now: Date): State {
  const daysToExpiry = (Date.parse(license.expires) - now.getTime()) / DAY_MS;
  const ageDays = (now.getTime() - Date.parse(license.created)) / DAY_MS;
  if (!license.user._id) return ageDays > 7 ? 'notInstalledStale' : 'notInstalledRecent';
  if (daysToExpiry < -30) return 'expiredLongAgo';
  if (daysToExpiry < 0) return 'expiredRecently';
  if (daysToExpiry < 7) return 'expiringWithin7';
  if (daysToExpiry < 30) return 'expiringWithin30';
  return 'healthy';
}

function countStates(data: DataSet, now: Date): Record<string, Record<State, number>> {
  const result: Record<string, Record<State, number>> = {};
  for (const connector of data.connectors) {
    const counts = {} as Record<State, number>;
    for (const license of data.licenses[connector._id] ?? []) {
      const state = stateOf(license, now);
      counts[state] = (counts[state] ?? 0) + 1;
    }
    result[connector.name] = counts;
  }
  return result;
}

const allLicenses = (data: DataSet) => Object.values(data.licenses).flat();

describe('demo data set', () => {
  it('has a big, a middling, a small and an empty connector', () => {
    const data = demoDataSet(NOW);
    const sizes = data.connectors.map((c) => [c.name, data.licenses[c._id]?.length]);
    expect(sizes).toEqual([
      ['Shopify - NetSuite Connector', 1250],
      ['Salesforce - NetSuite Connector', 42],
      ['Amazon - NetSuite Integration App', 6],
      ['Walmart - NetSuite Connector', 0],
    ]);
  });

  it('holds every license state, at any hour of the day', () => {
    for (const hour of ['00:00:00.000', '10:30:00.000', '23:59:59.999']) {
      const now = new Date(`2025-06-15T${hour}Z`);
      const states = countStates(demoDataSet(now), now);
      expect(states['Shopify - NetSuite Connector']).toEqual({
        expiringWithin7: 9,
        expiringWithin30: 26,
        expiredRecently: 12,
        expiredLongAgo: 31,
        notInstalledStale: 7,
        notInstalledRecent: 4,
        healthy: 1161,
      });
      expect(states['Salesforce - NetSuite Connector']).toMatchObject({ expiringWithin7: 2, healthy: 30 });
      expect(states['Amazon - NetSuite Integration App']).toEqual({
        expiringWithin7: 1,
        expiredRecently: 1,
        notInstalledRecent: 1,
        healthy: 3,
      });
    }
  });

  it('is identical for the same seed within a day, and keeps its ids from day to day', () => {
    const morning = demoDataSet(new Date('2025-06-15T00:00:01Z'), 7);
    expect(demoDataSet(new Date('2025-06-15T23:59:59Z'), 7)).toEqual(morning);
    const nextDay = demoDataSet(new Date('2025-06-16T09:00:00Z'), 7);
    expect(allLicenses(nextDay).map((l) => l._id)).toEqual(allLicenses(morning).map((l) => l._id));
    expect(allLicenses(demoDataSet(NOW, 8))[0]?._id).not.toBe(allLicenses(morning)[0]?._id);
  });

  it('uses unique 24-hex ids and stays within what the client schemas accept', () => {
    const data = demoDataSet(NOW);
    const licenses = allLicenses(data);
    const ids = [...data.connectors.map((c) => c._id), ...licenses.map((l) => l._id)];
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{24}$/);
    expect(new Set(ids).size).toBe(ids.length);
    for (const connector of data.connectors) expect(connectorSchema.safeParse(connector).success).toBe(true);
    for (const license of licenses) expect(licenseSchema.safeParse(license).error).toBeUndefined();
  });

  it('marks installation by user._id, user.name and _integrationId together', () => {
    for (const license of allLicenses(demoDataSet(NOW))) {
      const installed = license.user._id !== undefined;
      expect(license.user.name !== undefined).toBe(installed);
      expect(license._integrationId !== undefined).toBe(installed);
      if (!installed) expect(Object.keys(license.user)).toEqual(['email']);
    }
  });

  it('carries 2.0 fields on the integration app and non-ASCII names', () => {
    const data = demoDataSet(NOW);
    const amazon = data.connectors.find((c) => c.name.startsWith('Amazon'))!;
    const appLicenses = data.licenses[amazon._id]!;
    for (const license of appLicenses) {
      expect(license).toMatchObject({
        type: 'integrationApp',
        sandbox: expect.any(Boolean),
        _editionId: expect.stringMatching(/^[0-9a-f]{24}$/),
      });
    }
    expect(appLicenses.some((l) => typeof l.trialEndDate === 'string')).toBe(true);
    expect(appLicenses.some((l) => l.sandbox === true)).toBe(true);
    const names = allLicenses(data).map((l) => l.user.name ?? '');
    expect(names).toContain('José Müller');
    expect(names).toContain('山田太郎');
  });

  it('is served identically by two emulators with the same seed and clock', async () => {
    const [a, b] = await Promise.all([
      startEmulator({ now: NOW, seed: 3 }),
      startEmulator({ now: NOW, seed: 3 }),
    ]);
    try {
      const cid = a.connectors()[0]!._id;
      expect(b.connectors()[0]!._id).toBe(cid);
      const [walkA, walkB] = await Promise.all([
        walk(a, `/connectors/${cid}/licenses`),
        walk(b, `/connectors/${cid}/licenses`),
      ]);
      expect(walkA.records).toEqual(walkB.records);
      expect(await (await call(a, '/tokenInfo')).json()).toEqual(await (await call(b, '/tokenInfo')).json());
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});

describe('benchmark data set', () => {
  // How fast is for the benchmark (bench/), not for a timed test: this checks the shape at that size.
  it('generates 100,000 licenses and serves pages of them', async () => {
    const emulator = await startEmulator({
      now: NOW,
      dataSet: { connectors: 10, licensesPerConnector: 10_000 },
    });
    try {
      const connectors = emulator.connectors();
      expect(connectors).toHaveLength(10);
      expect(new Set(connectors.map((c) => c.name)).size).toBe(10);
      const cid = connectors[9]!._id;
      const response = await call(emulator, `/connectors/${cid}/licenses?skip=9000`);
      expect(await response.json()).toHaveLength(1000);
      expect(response.headers.get('link')).toBeNull();
    } finally {
      await emulator.close();
    }
  });

  it('is deterministic and mixes license states', () => {
    const spec = { connectors: 2, licensesPerConnector: 3000 };
    const data = generatedDataSet(spec, NOW, 1);
    expect(generatedDataSet(spec, NOW, 1)).toEqual(data);
    const states = new Set(allLicenses(data).map((l) => stateOf(l, NOW)));
    expect(states.size).toBe(7);
  });
});
