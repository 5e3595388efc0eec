// Process hygiene for DynamoDB Local: wait/kill helpers, and no orphan on exit, crash or signal.
import type { ChildProcess } from 'node:child_process';
import { isAlive } from '#local/store/lock';

const KILL_GRACE_MS = 3_000;

export function hasExited(child: ChildProcess): boolean {
  return child.pid === undefined || child.exitCode !== null || child.signalCode !== null;
}

function waitExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (hasExited(child)) return Promise.resolve(true);
  return new Promise((resolvePromise) => {
    const timer = setTimeout(() => resolvePromise(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolvePromise(true);
    });
  });
}

/** SIGTERM, wait for exit, SIGKILL after 3 s. */
export async function killAndWait(child: ChildProcess): Promise<void> {
  if (hasExited(child)) return;
  child.kill('SIGTERM');
  if (await waitExit(child, KILL_GRACE_MS)) return;
  child.kill('SIGKILL');
  await waitExit(child, KILL_GRACE_MS);
}

/** Whether `pid` is gone, polled until `ms` pass (it may be no child of ours, so no 'exit' event to wait for). */
async function pidGone(pid: number, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (isAlive(pid)) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

/** SIGTERM a process that is not our child, wait for it to go, SIGKILL after `graceMs`; true once it is gone. */
export async function terminatePid(pid: number, graceMs = KILL_GRACE_MS): Promise<boolean> {
  const send = (signal: NodeJS.Signals) => {
    try {
      process.kill(pid, signal);
    } catch {
      // gone already
    }
  };
  send('SIGTERM');
  if (await pidGone(pid, graceMs)) return true;
  send('SIGKILL');
  return pidGone(pid, KILL_GRACE_MS);
}

export interface LiveEntry {
  child: ChildProcess;
  stop(): Promise<void>;
  releaseSync(): void;
}

const live = new Set<LiveEntry>();
const SIGNAL_EXIT_CODES = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const;
type HandledSignal = keyof typeof SIGNAL_EXIT_CODES;
let signalled = false;

function killAllSync(): void {
  for (const entry of live) {
    if (!hasExited(entry.child)) entry.child.kill('SIGTERM');
    entry.releaseSync();
  }
}

function onCrash(): void {
  // Only when the crash really ends the process (no uncaughtException handler keeps it alive).
  if (process.listenerCount('uncaughtException') === 0) killAllSync();
}

/** Stops the children (waiting, so no zombie remains), then exits as the signal would have unless others listen. */
function onSignal(signal: HandledSignal): void {
  const alone = process.listenerCount(signal) <= 1;
  const code = SIGNAL_EXIT_CODES[signal];
  if (signalled) {
    for (const entry of live) entry.child.kill('SIGKILL');
    killAllSync();
    if (alone) process.exit(code);
    return;
  }
  signalled = true;
  void Promise.allSettled([...live].map((entry) => entry.stop())).finally(() => {
    signalled = false;
    if (alone) process.exit(code);
  });
}

const signalHandlers = Object.fromEntries(
  Object.keys(SIGNAL_EXIT_CODES).map((s) => [s, () => onSignal(s as HandledSignal)]),
) as Record<HandledSignal, () => void>;

/** Registers a running child; the first one installs the exit/crash/signal handlers. */
export function track(entry: LiveEntry): void {
  if (live.size === 0) {
    process.on('exit', killAllSync);
    process.on('uncaughtExceptionMonitor', onCrash);
    for (const [signal, handler] of Object.entries(signalHandlers)) process.on(signal, handler);
  }
  live.add(entry);
}

/** Forgets a child; the last one removes the handlers, restoring default signal behaviour. */
export function untrack(entry: LiveEntry): void {
  if (!live.delete(entry) || live.size > 0) return;
  process.off('exit', killAllSync);
  process.off('uncaughtExceptionMonitor', onCrash);
  for (const [signal, handler] of Object.entries(signalHandlers)) process.off(signal, handler);
}
