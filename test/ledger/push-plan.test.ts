// Versions compared as dotted numbers, batches planned (sandboxes first), and a push's states advanced from the
// install base: pure functions, no store.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareVersions, newestOf } from '#ledger/install-view';
import { advancePush, type InstallNow, markRequested, planBatches, STUCK_AFTER_MS } from '#ledger/pushes';
import type { StoredPush } from '#ledger/store/port';

const T0 = new Date('2026-06-15T12:00:00.000Z');

describe('compareVersions', () => {
  it('orders dotted numbers numerically, a suffix before its release, and falls back to string order', () => {
    expect(compareVersions('1.10.0', '1.9.2')).toBe(1);
    expect(compareVersions('1.9', '1.9.0')).toBe(0);
    expect(compareVersions('v2.0.1', '2.0.0')).toBe(1);
    expect(compareVersions('2.0.0-beta', '2.0.0')).toBe(-1);
    expect(compareVersions('next', '1.0.0')).toBe(1);
    expect(compareVersions('alpha', 'beta')).toBe(-1);
    expect(newestOf(['1.14.2', '2.0.1', '1.12.4', undefined])).toBe('2.0.1');
  });

  it('is a total order on dotted versions (antisymmetric, transitive)', () => {
    const version = fc.array(fc.nat(20), { minLength: 1, maxLength: 4 }).map((p) => p.join('.'));
    const seed = Date.now();
    console.info(`fast-check seed ${seed}`);
    fc.assert(
      fc.property(version, version, version, (a, b, c) => {
        expect(Math.sign(compareVersions(a, b)) + Math.sign(compareVersions(b, a))).toBe(0);
        if (compareVersions(a, b) <= 0 && compareVersions(b, c) <= 0)
          expect(compareVersions(a, c)).toBeLessThanOrEqual(0);
      }),
      { seed, numRuns: 300 },
    );
  });
});

const target = (i: number, sandbox: boolean) => ({ integrationId: `i${i}`, version: '1.0.0', sandbox });

function pushOf(
  targets: ReturnType<typeof target>[],
  options: { sandboxFirst?: boolean; batchSize?: number },
): StoredPush {
  return {
    id: 'p1',
    connectorId: 'c1',
    account: 'default',
    createdAt: T0.toISOString(),
    status: 'open',
    sandboxFirst: Boolean(options.sandboxFirst),
    integrations: planBatches(targets, options),
    rev: 1,
  };
}

describe('planBatches', () => {
  it('puts sandboxes in batches of their own before any production integration', () => {
    const plan = planBatches(
      [target(1, false), target(2, true), target(3, false), target(4, true), target(5, true)],
      {
        sandboxFirst: true,
        batchSize: 2,
      },
    );
    expect(plan.map((i) => [i.integrationId, i.batch])).toEqual([
      ['i2', 0],
      ['i4', 0],
      ['i5', 1],
      ['i1', 2],
      ['i3', 2],
    ]);
    expect(planBatches([target(1, false), target(2, true)], {}).map((i) => i.batch)).toEqual([0, 0]);
  });
});

describe('advancePush', () => {
  it('sends the first batch, waits while it updates, then sends the next', () => {
    let push = pushOf([target(1, true), target(2, false), target(3, false)], { sandboxFirst: true });
    const installs = new Map<string, InstallNow>([
      ['i1', { version: '1.0.0', updateInProgress: false }],
      ['i2', { version: '1.0.0', updateInProgress: false }],
      ['i3', { version: '1.0.0', updateInProgress: false }],
    ]);
    let step = advancePush(push, installs, T0);
    expect(step.send).toEqual(['i1']);
    push = markRequested(step.push, step.send, T0);
    installs.set('i1', { version: '1.0.0', updateInProgress: true });
    step = advancePush(push, installs, new Date(T0.getTime() + 60_000));
    expect(step.send).toEqual([]);
    expect(step.push.integrations[0]!.state).toBe('in-progress');
    installs.set('i1', { version: '2.0.0', updateInProgress: false });
    step = advancePush(step.push, installs, new Date(T0.getTime() + 120_000));
    expect(step.push.integrations[0]).toMatchObject({ state: 'updated', toVersion: '2.0.0' });
    expect(step.send).toEqual(['i2', 'i3']);
  });

  it('leaves an integration stuck 24 h after its request, and halts the push instead of sending the next batch', () => {
    const push = markRequested(pushOf([target(1, false), target(2, false)], { batchSize: 1 }), ['i1'], T0);
    const installs = new Map([['i1', { version: '1.0.0', updateInProgress: true }]]);
    const before = advancePush(push, installs, new Date(T0.getTime() + STUCK_AFTER_MS - 1));
    expect(before.push.integrations[0]!.state).toBe('in-progress');
    const after = advancePush(push, installs, new Date(T0.getTime() + STUCK_AFTER_MS));
    expect(after.push.integrations[0]!.state).toBe('stuck');
    expect(after.push.status).toBe('halted');
    expect(after.send).toEqual([]);
  });

  it('never sends a production integration before every sandbox one has updated (property)', () => {
    const seed = Date.now();
    console.info(`fast-check seed ${seed}`);
    fc.assert(
      fc.property(
        fc.array(fc.boolean(), { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 1, max: 5 }),
        fc.array(fc.tuple(fc.nat(11), fc.constantFrom('progress', 'done', 'none')), { maxLength: 40 }),
        (sandboxes, batchSize, events) => {
          let push = pushOf(
            sandboxes.map((s, i) => target(i, s)),
            { sandboxFirst: true, batchSize },
          );
          const installs = new Map<string, InstallNow>(
            sandboxes.map((_, i) => [`i${i}`, { version: '1.0.0', updateInProgress: false }]),
          );
          let at = T0.getTime();
          for (const [n, what] of events) {
            const iid = `i${n % sandboxes.length}`;
            if (what === 'progress') installs.set(iid, { version: '1.0.0', updateInProgress: true });
            if (what === 'done') installs.set(iid, { version: '2.0.0', updateInProgress: false });
            at += 3_600_000;
            const step = advancePush(push, installs, new Date(at));
            const sandboxOpen = step.push.integrations.some((i) => i.sandbox && i.state !== 'updated');
            if (sandboxOpen)
              for (const id of step.send)
                expect(step.push.integrations.find((i) => i.integrationId === id)!.sandbox).toBe(true);
            push = markRequested(step.push, step.send, new Date(at));
          }
        },
      ),
      { seed, numRuns: 200 },
    );
  });
});
