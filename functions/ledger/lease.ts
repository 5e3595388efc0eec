// The one renewing lease: a holder renews what it holds every third of the lease while it works, and hands it back
// only once no renewal is on its way (a late one would hold it for another lease). Walks and alert sinks use it.

export interface RenewingLease {
  /** True once a renewal said the lease was taken over by another holder. */
  lost(): boolean;
  /** Stops renewing; resolves when a renewal already sent has landed, so a release after it is the last write. */
  stop(): Promise<void>;
}

/**
 * Calls `renew` every `leaseMs / 3` until stopped or until it answers false (the lease was lost). A renewal that
 * throws is retried at the next tick: the lease outlives two of them. Renewals never overlap.
 */
export function renewing(renew: () => Promise<boolean>, leaseMs: number): RenewingLease {
  let lost = false;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> = Promise.resolve();
  const tick = () => {
    timer = setTimeout(() => {
      inFlight = renew()
        .then((held) => {
          if (!held) lost = true;
        })
        .catch(() => undefined)
        .then(() => {
          if (!stopped && !lost) tick();
        });
    }, leaseMs / 3);
    timer.unref?.();
  };
  tick();
  return {
    lost: () => lost,
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await inFlight;
    },
  };
}
