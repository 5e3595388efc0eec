// Builds the alerts benchmark's ledger fast: license items written through the store's writeLicenses (current item
// and version, as a sync writes them), in big batches, with a known number of standing alerts.
import { contentHash } from '#ledger/hash';
import type { LedgerStore, LicenseWrite } from '#ledger/store/port';
import { licenseFacts } from '#ledger/view';

const DAY = 86_400_000;
/** Celigo's end-of-day expiry time, as the emulator writes it. */
const EXPIRY_TIME = (18 * 3600 + 29 * 60 + 59) * 1000 + 999;

export interface LedgerSpec {
  licenses: number;
  connectors: number;
  /** Standing alerts: not installed (created 60 days ago), expiring within 30 days, expired within 30 days. */
  notInstalled: number;
  expiring: number;
  expired: number;
}

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');
const connectorId = (c: number) => `c0${hex(c, 22)}`;

/** The raw record of license `i` (a deterministic function of i, so a second build is the same ledger). */
function record(i: number, kind: 'notInstalled' | 'expiring' | 'expired' | 'healthy', day: number) {
  const expiresInDays =
    kind === 'expiring' ? 1 + (i % 29) : kind === 'expired' ? -1 - (i % 29) : 60 + (i % 600);
  const installed = kind !== 'notInstalled';
  const email = `user${i}@customer${i % 997}.example.com`;
  return {
    _id: `a1${hex(i, 22)}`,
    expires: new Date(day + expiresInDays * DAY + EXPIRY_TIME).toISOString(),
    created: new Date(day - (kind === 'notInstalled' ? 60 : 400) * DAY + (i % 86_400) * 1000).toISOString(),
    opts: { connectorEdition: ['starter', 'standard', 'premium'][i % 3]!, addonLicenses: [] },
    user: installed ? { email, _id: `b2${hex(i, 22)}`, name: `User ${i}` } : { email },
    ...(installed ? { _integrationId: `d3${hex(i, 22)}` } : {}),
  };
}

export function licenseWrite(i: number, spec: LedgerSpec, now: Date, first = 0): LicenseWrite {
  const n = i - first;
  const kind =
    n < spec.notInstalled
      ? 'notInstalled'
      : n < spec.notInstalled + spec.expiring
        ? 'expiring'
        : n < spec.notInstalled + spec.expiring + spec.expired
          ? 'expired'
          : 'healthy';
  const day = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const raw = record(i, kind, day);
  const cid = connectorId(i % spec.connectors);
  const observedAt = now.toISOString();
  return {
    connectorId: cid,
    licenseId: raw._id,
    account: 'default',
    change: 'created',
    kind: 'created',
    // As a connector's first walk records it.
    baseline: true,
    rev: 1,
    facts: licenseFacts(cid, raw),
    rawJson: JSON.stringify(raw),
    hash: contentHash(raw),
    changes: [],
    firstSeenAt: observedAt,
    observedAt,
  };
}

/** Writes licenses [first, first + count) in batches of 2,000, three batches at once. */
export async function writeLedger(
  ledger: LedgerStore,
  spec: LedgerSpec,
  now: Date,
  range: { first: number; count: number } = { first: 0, count: spec.licenses },
  progress: (done: number) => void = () => undefined,
): Promise<void> {
  for (let c = 0; c < spec.connectors && range.first === 0; c++) {
    const raw = { _id: connectorId(c), name: `Bench connector ${c + 1}` };
    await ledger.recordConnector({
      connectorId: raw._id,
      raw,
      hash: contentHash(raw),
      observedAt: now.toISOString(),
      change: 'created',
      account: 'default',
    });
  }
  const BATCH = 2_000;
  let next = range.first;
  let done = 0;
  const end = range.first + range.count;
  const worker = async () => {
    while (next < end) {
      const from = next;
      next = Math.min(end, next + BATCH);
      const writes = Array.from({ length: next - from }, (_, j) =>
        licenseWrite(from + j, spec, now, range.first),
      );
      const results = await ledger.writeLicenses(writes);
      if (results.some((r) => r !== 'written')) throw new Error('a benchmark license was not written');
      done += writes.length;
      progress(done);
    }
  };
  await Promise.all([worker(), worker(), worker()]);
}
