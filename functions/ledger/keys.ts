// Item keys and the derived, indexed attributes of the single table (see table.ts for the indexes).
export const key = {
  connector: (cid: string) => ({ PK: `CONNECTOR#${cid}`, SK: 'META' }),
  license: (cid: string, lid: string) => ({ PK: `CONNECTOR#${cid}`, SK: `LICENSE#${lid}` }),
  page: (cid: string, index: number) => ({
    PK: `CONNECTOR#${cid}`,
    SK: `PAGE#${String(index).padStart(6, '0')}`,
  }),
  /**
   * Versions are keyed by revision, not time: order is exact whatever the writers' clocks say, and two
   * writers racing to record the same revision collide on the key instead of both landing.
   */
  licenseVersion: (lid: string, rev: number) => ({
    PK: `LICENSE#${lid}`,
    SK: `V#${String(rev).padStart(8, '0')}`,
  }),
  connectorVersion: (cid: string, observedAt: string) => ({ PK: `CONNECTOR#${cid}`, SK: `V#${observedAt}` }),
  alert: (lid: string, rule: string, cycle: string, threshold: number | string) => ({
    PK: `LICENSE#${lid}`,
    SK: `ALERT#${rule}#${cycle}#${threshold}`,
  }),
  runSummary: (runId: string) => ({ PK: `RUN#${runId}`, SK: 'SUMMARY' }),
  runConnector: (runId: string, cid: string) => ({ PK: `RUN#${runId}`, SK: `CONNECTOR#${cid}` }),
};

export const PREFIX = {
  license: 'LICENSE#',
  page: 'PAGE#',
  version: 'V#',
  alert: 'ALERT#',
  connector: 'CONNECTOR#',
} as const;

/** Feed partitions of the `feed` index. */
export const FEED = {
  connectors: 'CONNECTORS',
  notInstalled: 'NOTINSTALLED',
  runs: 'RUNS',
  alerts: 'ALERTS',
  /** Deletion versions, by time: what the `deleted` rule reads. */
  deleted: 'DELETED',
} as const;

/** Partition of the byExpiry index holding licenses that expire in the given month: `EXP#2026-11`. */
export const expiryMonth = (iso: string) => `EXP#${iso.slice(0, 7)}`;
