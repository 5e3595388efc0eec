// The deletion pass of a walk that read the whole list: licenses it did not see, confirmed gone by id and recorded
// chunk by chunk, so a walk that runs out of time keeps what it confirmed and the next attempt goes on from there.
import pLimit from 'p-limit';
import type { PartnerApi } from '#celigo/client';
import { PartnerApiError } from '#celigo/errors';
import type { LicenseChange } from './snapshot.ts';
import type { LicenseState } from './store/records.ts';

/** Licenses confirmed and recorded at once: a chunk is what a walk out of time can lose (it is asked again). */
export const DELETION_CHUNK = 250;
const LOOKUPS_IN_FLIGHT = 8;

export interface DeletionContext {
  connectorId: string;
  account: string;
  api: PartnerApi;
  /** Ids the walk's listing showed. */
  seen: ReadonlySet<string>;
  /** A stored license under another account than its connector's now (it follows). */
  movedAccount(state: LicenseState): boolean;
  /** Records changes under the walk's guard. */
  record(changes: LicenseChange[]): Promise<void>;
  beforeChunk(chunk: number): Promise<void>;
  /** Throws when the walk's deadline comes within `reserveMs` of its clock. */
  checkTime(reserveMs: number): void;
  /** The walk's clock (ms). */
  now(): number;
}

/** Confirms and records, chunk by chunk, the deletions of live stored licenses the listing did not show. */
export async function recordGone(ctx: DeletionContext, known: Map<string, LicenseState>): Promise<void> {
  const { connectorId, account } = ctx;
  const missing = [...known]
    .filter(([lid, state]) => !state.deleted && !ctx.seen.has(lid))
    .map(([lid]) => lid);
  // Gone before: no page shows it, so this is where a deleted license follows its connector to another account.
  const moves: LicenseChange[] = [];
  for (const [licenseId, prev] of known)
    if (prev.deleted && ctx.movedAccount(prev))
      moves.push({ connectorId, licenseId, account, prev, accountMove: true });
  // A chunk starts only if one as long as the last still ends before the deadline.
  let chunkMs = 0;
  for (let i = 0, chunk = 0; i < missing.length; i += DELETION_CHUNK, chunk++) {
    ctx.checkTime(chunkMs);
    await ctx.beforeChunk(chunk);
    const started = ctx.now();
    const gone = await confirmGone(ctx, missing.slice(i, i + DELETION_CHUNK));
    if (gone.length > 0)
      await ctx.record(
        gone.map((licenseId) => ({ connectorId, licenseId, account, prev: known.get(licenseId) })),
      );
    chunkMs = ctx.now() - started;
  }
  for (let i = 0; i < moves.length; i += DELETION_CHUNK) await ctx.record(moves.slice(i, i + DELETION_CHUNK));
}

/**
 * Of the licenses a whole walk did not see, those the Partner API confirms gone (404). A list paged by offset
 * shifts when a record before the cursor is deleted mid-walk, so a live license can slip between two pages:
 * only a lookup by id tells. Any other answer fails the walk, which then marks nothing more.
 */
async function confirmGone(ctx: DeletionContext, missing: string[]): Promise<string[]> {
  const limit = pLimit(LOOKUPS_IN_FLIGHT);
  const found = await Promise.all(
    missing.map((lid) =>
      limit(async () => {
        try {
          await ctx.api.getLicense(ctx.connectorId, lid);
          return undefined; // still there: it moved between pages while we walked
        } catch (error) {
          const status = error instanceof PartnerApiError ? error.status : undefined;
          if (status === 404) return lid;
          // It answered with the record, however malformed: it exists. Anything else is no answer.
          if (status !== undefined && status < 400) return undefined;
          throw error;
        }
      }),
    ),
  );
  return found.filter((lid): lid is string => lid !== undefined);
}
