// One walk's reading of its connector's listing: each page skipped when a trusted digest vouches for it, else
// compared with what is stored and its changes recorded; then the deletion pass, once the list is known whole.
import type { PartnerApi } from '#celigo/client';
import { isRecordId, licenseSchema } from '#celigo/schemas';
import { DEFAULT_ACCOUNT } from '#functions/config';
import { contentHash } from './hash.ts';
import { type ConnectorRun, type Counts, type SyncUnit, type Unidentifiable, zeroCounts } from './schemas.ts';
import { type LicenseChange, recordChanges, type WalkGuard, type WriteOutcome } from './snapshot.ts';
import type { LicenseState, PageDigest, WalkClaim } from './store/records.ts';
import { type DeletionContext, recordGone } from './walk-deletions.ts';
import { OUT_OF_TIME, type PauseAt, type PausePoint, type WalkDeps } from './walk-deps.ts';

const MAX_OFFSETS = 5;
const MAX_REFUSED = 20;

export class WalkFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export class Walk {
  readonly counts: Counts = zeroCounts();
  private pages = 0;
  private pagesUnchanged = 0;
  /** The latest epoch among the digests this walk skipped pages on (what they vouch for is that walk's reading). */
  private newestSkipped = 0;
  private pageCount = 0;
  private readonly seen = new Set<string>();
  private readonly unidentifiable: Unidentifiable = { count: 0, offsets: [] };
  private readonly refused: NonNullable<ConnectorRun['refused']> = { count: 0, licenses: [] };
  /** Set once the walk told its connector it is about to write licenses (the digest floor rose to its start). */
  private writing?: Promise<void>;
  /** Pages this walk cannot vouch for (a record repeated from an earlier page): their digests go. */
  private readonly untrusted = new Set<number>();
  private stored?: Map<string, LicenseState>;
  /** The Partner API client of the connector's account, once the walk runs. */
  private api?: PartnerApi;
  private complete = false;
  private proven = false;

  constructor(
    private readonly deps: WalkDeps,
    private readonly unit: SyncUnit,
    private readonly claim: WalkClaim,
    private readonly owner: string,
    private readonly observedAt: string,
    private readonly leaseLost: () => boolean,
  ) {}

  private get cid() {
    return this.unit.connectorId;
  }

  /** The account the planner last listed the connector under (its META), which every license write carries. */
  get account() {
    return this.claim.meta?.account ?? this.unit.account ?? DEFAULT_ACCOUNT;
  }

  /**
   * The guard of this walk's writes, all stamped with its start epoch; the first time, the connector's digest floor
   * rises to it (older digests stop counting until this walk completes).
   */
  private async guard(): Promise<WalkGuard> {
    this.writing ??= this.pause('beforeMeta', { transition: 'walkWriting' }).then(() =>
      this.deps.ledger.walkWriting(this.cid, this.owner, this.claim.epoch),
    );
    await this.writing;
    return {
      walkEpoch: this.claim.epoch,
      stamp: this.claim.epoch,
      owner: this.owner,
      baseline: !this.claim.walkedBefore,
    };
  }

  /** A stored license under another account than the connector's (the connector moved): it follows. */
  private movedAccount(state: LicenseState) {
    return state.account !== this.account;
  }

  /** Ids, hashes and revisions of the connector's licenses, loaded once a page differs, never whole records. */
  private async storedStates() {
    this.stored ??= await this.deps.ledger.licenseStates(this.cid);
    return this.stored;
  }

  async run(api: PartnerApi): Promise<void> {
    this.api = api;
    const { onPage } = this.deps;
    let offset = 0;
    for await (const page of api.licensePages(this.cid)) {
      await this.pause('fetched', { page: page.index });
      if (this.leaseLost())
        throw new WalkFailure('walk_lease_lost', `connector ${this.cid}: the walk lost its lease`);
      this.pageCount = page.index + 1;
      this.pages++;
      const last = this.claim.digests.get(page.index);
      // A digest counts only if stamped at or after the last write outside a walk and the digest floor (a walk that
      // wrote and did not complete), and for the account its licenses were written under (a connector that moved
      // accounts is compared again).
      const same =
        last !== undefined &&
        last.epoch >= this.claim.trustFrom &&
        last.account === this.account &&
        last.digest === page.digest;
      if (same) this.skipPage(page.index, page.records, last, offset);
      else await this.comparePage(page.index, page.records, page.digest, offset);
      offset += page.records.length;
      onPage?.({ connectorId: this.cid, page: page.index + 1, records: page.records.length });
      await this.pause('betweenPages', { page: page.index });
      this.checkTime();
    }
    this.complete = true;
    await this.markDeletions();
  }

  /** A record without a usable id, at `offset` in the listing when known (a skipped page keeps only five). */
  private noteUnidentifiable(offset?: number) {
    this.unidentifiable.count++;
    this.counts.skipped++;
    if (offset !== undefined && this.unidentifiable.offsets.length < MAX_OFFSETS)
      this.unidentifiable.offsets.push(offset);
  }

  /** A page identical to the one recorded under this epoch: its records are recorded already. */
  private skipPage(index: number, records: unknown[], digest: PageDigest, offset: number) {
    this.pagesUnchanged++;
    this.newestSkipped = Math.max(this.newestSkipped, digest.epoch);
    this.counts.invalid += digest.invalid;
    const { count, positions } = digest.unidentifiable;
    for (let i = 0; i < count; i++)
      this.noteUnidentifiable(i < positions.length ? offset + positions[i]! : undefined);
    for (const raw of records) {
      const id = (raw as { _id?: unknown } | null)?._id;
      if (!isRecordId(id)) continue;
      if (this.seen.has(id)) {
        // Recorded as an earlier page showed it, which may differ from what this page's digest vouches for.
        this.untrusted.add(index);
        continue;
      }
      this.seen.add(id);
      this.counts.seen++;
      this.counts.unchanged++;
    }
  }

  private async comparePage(index: number, records: unknown[], digest: string, offset: number) {
    await this.pause('beforeCompare', { page: index });
    const known = await this.storedStates();
    const changes: LicenseChange[] = [];
    const positions: number[] = [];
    let unidentified = 0;
    let invalid = 0;
    records.forEach((raw, i) => {
      const id = (raw as { _id?: unknown } | null)?._id;
      if (!isRecordId(id)) {
        unidentified++;
        if (positions.length < MAX_OFFSETS) positions.push(i);
        this.noteUnidentifiable(offset + i);
        return;
      }
      if (this.seen.has(id)) {
        // A record repeated across pages (the list moved while we walked): recorded as first seen, so this page's
        // digest would vouch for what the ledger may not hold.
        this.untrusted.add(index);
        return;
      }
      this.seen.add(id);
      this.counts.seen++;
      const record = raw as Record<string, unknown>;
      if (!licenseSchema.safeParse(record).success) invalid++;
      const hash = contentHash(record);
      const prev = known.get(id);
      const unchanged = prev && !prev.deleted && prev.hash === hash;
      if (unchanged && !this.movedAccount(prev)) this.counts.unchanged++;
      else
        changes.push({
          connectorId: this.cid,
          licenseId: id,
          account: this.account,
          raw: record,
          hash,
          prev,
          ...(unchanged ? { accountMove: true } : {}),
        });
    });
    this.counts.invalid += invalid;
    await this.pause('beforeWrite', { page: index });
    if (changes.length > 0) {
      const outcome = await recordChanges(this.deps.ledger, changes, this.observedAt, await this.guard());
      this.add(outcome);
      // A license the table refused is not recorded: no digest may say this page is, so the next walk tries again.
      if (outcome.refused.length > 0) this.untrusted.add(index);
    }
    if (this.untrusted.has(index)) return;
    await this.pause('beforeMeta', { page: index, transition: 'recordPageDigest' });
    // Only after the page's records are stored: a matching digest must always mean "already recorded". It carries
    // the walk's start epoch, so a write outside the walk since then (a later epoch) voids it.
    await this.deps.ledger.recordPageDigest(this.cid, this.owner, index, {
      digest,
      epoch: this.claim.epoch,
      records: records.length,
      invalid,
      unidentifiable: { count: unidentified, positions },
      account: this.account,
    });
  }

  private add(outcome: WriteOutcome) {
    for (const refused of outcome.refused) {
      this.refused.count++;
      if (this.refused.licenses.length < MAX_REFUSED) this.refused.licenses.push(refused);
    }
    this.counts.created += outcome.created;
    this.counts.updated += outcome.updated;
    this.counts.deleted += outcome.deleted;
    this.counts.unchanged += outcome.unchanged;
  }

  /**
   * The walk is complete. Deletions need proof the list is whole: records it could not identify withhold it (one of
   * them may be any license). A list unchanged page for page under a proof no later write voids proves there are none.
   */
  private async markDeletions() {
    await this.pause('beforeDeletions', {});
    if (this.unidentifiable.count > 0) return;
    // Nothing written, every page as a trusted digest vouches, no repeat, and a proof no write outside a walk (nor
    // an unfinished walk) came after: the ledger's live set is the one that walk proved. Every digest must be that
    // proof's or older: a later walk that recorded a page's digest and never completed read a list the proof does not
    // vouch for (a license deleted since, say), even when it had nothing to write.
    const { provenEpoch, trustFrom } = this.claim;
    const provablyUnchanged =
      this.writing === undefined &&
      this.pagesUnchanged === this.pages &&
      this.untrusted.size === 0 &&
      this.pageCount === (this.claim.pageCount ?? 0) &&
      provenEpoch !== undefined &&
      provenEpoch >= trustFrom &&
      this.newestSkipped <= provenEpoch;
    if (!provablyUnchanged) {
      const known = await this.storedStates();
      await recordGone(this.deletionContext(), known);
    }
    this.proven = true;
  }

  private deletionContext(): DeletionContext {
    return {
      connectorId: this.cid,
      account: this.account,
      api: this.api!,
      seen: this.seen,
      movedAccount: (state) => this.movedAccount(state),
      record: async (gone) =>
        this.add(await recordChanges(this.deps.ledger, gone, this.observedAt, await this.guard())),
      beforeChunk: (chunk) => this.pause('beforeDeletions', { chunk }),
      checkTime: (reserveMs) => this.checkTime(reserveMs),
      now: () => (this.deps.clock ?? Date.now)(),
    };
  }

  /** Leaves at the deadline: what is recorded stays, and the next attempt resumes from it. */
  private checkTime(reserveMs = 0) {
    const { deadline, clock } = this.deps;
    if (deadline !== undefined && (clock ?? Date.now)() + reserveMs >= deadline)
      throw new WalkFailure(
        OUT_OF_TIME,
        `connector ${this.cid}: the walk ran out of time; the next attempt resumes`,
      );
  }

  private async pause(
    point: PausePoint,
    where: { page?: number; chunk?: number; transition?: PauseAt['transition'] },
  ) {
    const { pauses } = this.deps;
    if (pauses) await pauses.at(point, { connectorId: this.cid, ...where });
  }

  /** A walk that read the whole list and then ran out of time: its digests are vouched for as after completion. */
  listedWhole() {
    return this.complete ? { completed: { ...this.completion().completed, proven: false } } : {};
  }

  completion() {
    const dropPages = [...new Set([...this.claim.digests.keys(), ...this.untrusted])].filter(
      (i) => i >= this.pageCount || this.untrusted.has(i),
    );
    return {
      outcome: {
        runId: this.unit.runId,
        at: this.observedAt,
        status: 'completed' as const,
        ...(this.unidentifiable.count > 0 ? { unidentifiable: this.unidentifiable } : {}),
      },
      completed: {
        epoch: this.claim.epoch,
        digestFloor: this.claim.digestFloor,
        proven: this.complete && this.proven,
        pageCount: this.pageCount,
        liveCount: this.counts.seen,
        dropPages,
      },
    };
  }

  result(): Partial<ConnectorRun> {
    return {
      counts: this.counts,
      pages: this.pages,
      pagesUnchanged: this.pagesUnchanged,
      ...(this.refused.count > 0 ? { refused: this.refused } : {}),
      ...(this.unidentifiable.count > 0
        ? {
            unidentifiable: this.unidentifiable,
            ...(this.complete ? { deletionsSkipped: true as const } : {}),
          }
        : {}),
    };
  }
}
