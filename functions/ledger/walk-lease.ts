// A walk's heartbeat: renews its connector's lease while the walk runs, and says when another walk took it over.
import type { WalkStore } from './store/port.ts';

/** Renews the lease every third of its length until stopped; `lost()` once another walk took it over. */
export function heartbeat(ledger: Pick<WalkStore, 'renewWalk'>, cid: string, owner: string, leaseMs: number) {
  let lost = false;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const tick = () => {
    timer = setTimeout(async () => {
      try {
        if (!(await ledger.renewWalk(cid, owner, leaseMs))) lost = true;
      } catch {
        // A failed renewal is retried at the next tick; the lease outlives two of them.
      }
      if (!stopped && !lost) tick();
    }, leaseMs / 3);
    timer.unref?.();
  };
  tick();
  return {
    lost: () => lost,
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
