// A walk's heartbeat: renews its connector's lease while the walk runs, and says when another walk took it over.
import { type RenewingLease, renewing } from './lease.ts';
import type { WalkStore } from './store/port.ts';

/** Renews the walk's lease every third of its length until stopped; `lost()` once another walk took it over. */
export function heartbeat(
  ledger: Pick<WalkStore, 'renewWalk'>,
  cid: string,
  owner: string,
  leaseMs: number,
): RenewingLease {
  return renewing(() => ledger.renewWalk(cid, owner, leaseMs), leaseMs);
}
