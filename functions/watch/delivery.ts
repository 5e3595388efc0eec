// One sink's share of an evaluation: hand it the deliveries this evaluation holds, record what it accepts as it
// accepts it (coalesced per outbox batch while a write is in flight), and leave in the outbox what it did not accept.
import pLimit from 'p-limit';
import type { AlertDelivery, HeldDelivery } from '#ledger/store/port';
import type { AlertSink } from './alert.ts';

export interface SinkOutcome {
  sink: string;
  /** Alert ids handed to the sink. */
  due: string[];
  /** Recorded as accepted by this evaluation. */
  accepted: string[];
  /** Not accepted: left in the outbox, the next evaluation delivers them again. */
  pending: string[];
  /** Accepted, but another evaluation had taken the sink over (this one's lease ran out): that one records them. */
  lost: string[];
  error?: string;
}

/** A batch can take 99 deliveries beside its own item in one transaction. */
const GROUP = 99;

interface BatchProgress {
  /** Deliveries the batch lists (as this evaluation knows it). */
  size: number;
  recorded: number;
  /** Some delivery of it was not recorded here: the batch is not this evaluation's to remove. */
  partial: boolean;
  queue: HeldDelivery[];
  running?: Promise<void>;
}

/** Records acceptances as a sink reports them; one write per batch at a time, the next one taking all that queued. */
class AcceptanceLog {
  readonly reported = new Set<string>();
  readonly recorded: string[] = [];
  readonly lost: string[] = [];
  readonly errors: string[] = [];
  private readonly batches = new Map<string, BatchProgress>();
  private readonly byId: Map<string, HeldDelivery>;
  private readonly limit = pLimit(4);

  constructor(
    private readonly ledger: AlertDelivery,
    private readonly sinkId: string,
    private readonly owner: string,
    private readonly now: () => string,
    held: HeldDelivery[],
  ) {
    this.byId = new Map(held.map((d) => [d.alertId, d]));
  }

  accept(alertIds: string[]): void {
    const touched = new Set<string>();
    for (const id of alertIds) {
      const delivery = this.byId.get(id);
      if (!delivery || this.reported.has(id)) continue;
      this.reported.add(id);
      const progress = this.progress(delivery);
      progress.queue.push(delivery);
      touched.add(delivery.batch);
    }
    for (const batch of touched) this.kick(batch);
  }

  /** Resolves once every reported acceptance is written (or failed to be). */
  async drain(): Promise<void> {
    for (;;) {
      const running = [...this.batches.values()].flatMap((b) => b.running ?? []);
      if (running.length === 0) return;
      await Promise.all(running);
    }
  }

  private progress(d: HeldDelivery): BatchProgress {
    let p = this.batches.get(d.batch);
    if (!p) {
      p = { size: d.batchSize, recorded: 0, partial: false, queue: [] };
      this.batches.set(d.batch, p);
    }
    return p;
  }

  private kick(batch: string): void {
    const p = this.batches.get(batch)!;
    if (p.running || p.queue.length === 0) return;
    const group = p.queue.splice(0, GROUP);
    const closes = !p.partial && p.recorded + group.length === p.size;
    p.running = this.limit(() =>
      this.ledger.recordAccepted(this.sinkId, this.owner, group, closes, this.now()),
    )
      .then(
        (ids) => {
          p.recorded += ids.length;
          this.recorded.push(...ids);
          if (ids.length < group.length) {
            p.partial = true;
            const landed = new Set(ids);
            this.lost.push(...group.filter((d) => !landed.has(d.alertId)).map((d) => d.alertId));
          }
        },
        (error: Error) => {
          // Accepted but not recorded: still in the outbox, so delivered again later (at least once).
          p.partial = true;
          this.errors.push(`recording acceptance failed: ${error.message}`);
        },
      )
      .finally(() => {
        p.running = undefined;
        this.kick(batch);
      });
  }
}

export async function deliverToSink(
  ledger: AlertDelivery,
  sink: AlertSink,
  held: HeldDelivery[],
  run: { owner: string; now: () => string },
): Promise<SinkOutcome> {
  const outcome: SinkOutcome = {
    sink: sink.id,
    due: held.map((d) => d.alertId),
    accepted: [],
    pending: [],
    lost: [],
  };
  if (held.length === 0) return outcome;
  const log = new AcceptanceLog(ledger, sink.id, run.owner, run.now, held);
  let error: string | undefined;
  try {
    await sink.deliver({
      evaluationId: run.owner,
      alerts: held.map((d) => d.alert),
      accepted: (ids) => log.accept(ids),
    });
  } catch (e) {
    error = (e as Error).message;
  }
  await log.drain();
  const left = held.filter((d) => !log.reported.has(d.alertId));
  if (left.length > 0) {
    error ??= `${left.length} alert(s) not accepted`;
    await ledger.releaseDeliveries(sink.id, run.owner, left, error, run.now());
  }
  const errors = [error, ...log.errors].filter(Boolean);
  return {
    ...outcome,
    accepted: log.recorded,
    pending: left.map((d) => d.alertId),
    lost: log.lost,
    ...(errors.length ? { error: errors.join('; ') } : {}),
  };
}
