// Test helper: a fresh DynamoDB Local table holding licenses that raise a known set of alerts, written as a sync
// writes them (writeLicenses), and stores over it with clocks of their own.
import { contentHash } from '#ledger/hash';
import { createDynamoStore } from '#ledger/store/dynamo/index';
import type { LedgerStore, LicenseWrite } from '#ledger/store/port';
import { licenseFacts } from '#ledger/view';
import { type Meter, meter } from '#local/store/meter';
import type { Alert, AlertSink } from '#watch/alert';
import { freshTable } from './tables.ts';

export const NOW = Date.parse('2026-06-15T12:00:00.000Z');
export const DAY = 86_400_000;
const CID = 'c0ffee00c0ffee00c0ffee00';

export interface AlertLedger {
  /** The store at NOW. */
  ledger: LedgerStore;
  /** A store over the same table whose clock reads `at` (ms). */
  at(at: number): LedgerStore;
  /** A store whose clock starts at NOW when called and then runs. */
  running(): LedgerStore;
  meter: Meter;
  client: Awaited<ReturnType<typeof freshTable>>['client'];
  tableName: string;
  /** Adds licenses raising `notInstalled` more not-installed alerts; their ids. */
  add(notInstalled: number): Promise<string[]>;
}

let serial = 0;

/** A license created 60 days before NOW and never installed: one `not-installed` alert. */
function waiting(): LicenseWrite {
  serial++;
  const raw = {
    _id: `${serial.toString(16).padStart(8, '0')}${'e'.repeat(16)}`,
    expires: new Date(NOW + 300 * DAY).toISOString(),
    created: new Date(NOW - 60 * DAY).toISOString(),
    opts: { connectorEdition: 'standard', addonLicenses: [] },
    user: { email: `waiting${serial}@example.com` },
  };
  const observedAt = new Date(NOW - DAY).toISOString();
  return {
    connectorId: CID,
    licenseId: raw._id,
    account: 'default',
    change: 'created',
    kind: 'created',
    // As a connector's first walk records it.
    baseline: true,
    rev: 1,
    facts: licenseFacts(CID, raw),
    rawJson: JSON.stringify(raw),
    hash: contentHash(raw),
    changes: [],
    firstSeenAt: observedAt,
    observedAt,
  };
}

export async function alertLedger(notInstalled: number): Promise<AlertLedger> {
  const { client, tableName } = await freshTable('alerts');
  const m = meter(client);
  const at = (t: number) => createDynamoStore(client, tableName, { now: () => new Date(t) });
  const ledger = at(NOW);
  const add = async (n: number) => {
    const writes = Array.from({ length: n }, waiting);
    await ledger.writeLicenses(writes);
    return writes.map((w) => w.licenseId);
  };
  await add(notInstalled);
  const running = () => {
    const started = Date.now();
    return createDynamoStore(client, tableName, { now: () => new Date(NOW + Date.now() - started) });
  };
  return { ledger, at, running, meter: m, client, tableName, add };
}

/** A sink that accepts everything and remembers it. */
export function memorySink(id: string): AlertSink & { got: Alert[] } {
  const got: Alert[] = [];
  return {
    id,
    got,
    async deliver({ alerts, accepted }) {
      got.push(...alerts);
      accepted(alerts.map((a) => a.alertId));
    },
  };
}

/** The alert ids a sink received, each once, and whether any came twice. */
export const idsOf = (alerts: Alert[]) => alerts.map((a) => a.alertId).sort();
