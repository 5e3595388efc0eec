// Test helper: a Partner API whose listing pages reach the walk only when the test lets them, so a test can act
// (an API write, an upstream change) while a page is on its way, deterministically.
import type { PartnerApi, RawPage } from '#celigo/client';

export interface Gate {
  api: PartnerApi;
  /** Resolves once the walk has fetched `count` results (pages, or the end of a listing) that are held. */
  fetched(count: number): Promise<void>;
  /** Lets every held result through, and every later one at once. */
  open(): void;
}

/** Results from the `holdFrom`-th on (1-based: pages, then the end of the listing) wait for `open()`. */
export function gatedApi(inner: PartnerApi, holdFrom = 1): Gate {
  let open = false;
  let fetched = 0;
  const held: (() => void)[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  const notify = () => {
    for (const w of waiters.splice(0)) {
      if (fetched >= w.count) w.resolve();
      else waiters.push(w);
    }
  };
  async function* gated(pages: AsyncGenerator<RawPage>): AsyncGenerator<RawPage> {
    for (;;) {
      const next = await pages.next(); // the request has been answered: the page is on its way
      fetched++;
      notify();
      if (!open && fetched >= holdFrom) await new Promise<void>((resolve) => held.push(resolve));
      if (next.done) return;
      yield next.value;
    }
  }
  const api = Object.create(inner) as PartnerApi;
  Object.defineProperty(api, 'licensePages', { value: (cid: string) => gated(inner.licensePages(cid)) });
  return {
    api,
    fetched: (count) =>
      new Promise<void>((resolve) => {
        waiters.push({ count, resolve });
        notify();
      }),
    open: () => {
      open = true;
      for (const release of held.splice(0)) release();
    },
  };
}
