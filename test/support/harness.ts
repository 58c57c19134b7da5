// The test harness: a worker per test that cannot outlive it, and waits that end with a reason.
// A wait that gives up names what it waited for and shows the tail of the workflow's history, so a
// hang in CI reads as a diagnosis, not as a run that stopped printing.
import { setMaxListeners } from 'node:events';
import type { TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { NativeConnection, WorkerOptions } from '@temporalio/worker';
import { createWorkerGroup, type WorkerGroup } from '../../src/worker.js';
import { workflowBundle } from './temporal.js';

/** Anything with a history to show: a workflow handle. */
type Watched = Pick<WorkflowHandle, 'workflowId' | 'fetchHistory'>;

export interface WaitOptions {
  /** A generous ceiling, not an expectation: the wait ends as soon as the probe answers. */
  timeoutMs?: number;
  everyMs?: number;
  /** Whose history tail to show when the wait gives up. */
  watch?: Watched | Watched[];
  /** The test's signal: a test that timed out stops waiting at once. */
  signal?: AbortSignal;
}

const HISTORY_TAIL = 12;

/** The last events of a workflow's history, one line each, for a failure message. */
export async function historyTail(handle: Watched, count = HISTORY_TAIL): Promise<string> {
  try {
    // Its own deadline: the server may be the thing that hangs.
    const history = await Promise.race([
      handle.fetchHistory(),
      sleep(10_000, undefined, { ref: false }).then(() => {
        throw new Error('no history within 10 s');
      }),
    ]);
    const events = history.events ?? [];
    const lines = events.slice(-count).map((e) => {
      const type = typeof e.eventType === 'number' ? eventTypeName(e.eventType) : String(e.eventType);
      const at = e.eventTime?.seconds ? new Date(Number(e.eventTime.seconds) * 1000).toISOString() : '';
      return `    #${String(e.eventId)} ${type} ${at}`;
    });
    return `  ${handle.workflowId}: ${events.length} events, the last ${lines.length}:\n${lines.join('\n')}`;
  } catch (err) {
    return `  ${handle.workflowId}: history unavailable (${err instanceof Error ? err.message : String(err)})`;
  }
}

/** An event type as the Temporal UI names it: EVENT_TYPE_TIMER_STARTED is TimerStarted. */
function eventTypeName(code: number): string {
  const name = temporal.api.enums.v1.EventType[code];
  if (!name) return `EventType(${code})`;
  return name
    .replace(/^EVENT_TYPE_/, '')
    .toLowerCase()
    .replace(/(^|_)([a-z])/g, (_, _sep: string, c: string) => c.toUpperCase());
}

export class WaitTimeoutError extends Error {
  override name = 'WaitTimeoutError';
}

async function giveUp(what: string, why: string, watch: WaitOptions['watch']): Promise<never> {
  const watched = watch === undefined ? [] : Array.isArray(watch) ? watch : [watch];
  const tails = await Promise.all(watched.map((h) => historyTail(h)));
  throw new WaitTimeoutError([`${why} waiting for ${what}`, ...tails].join('\n'));
}

/**
 * Polls `probe` until it returns a value other than undefined. Gives up after `timeoutMs` (or when
 * `signal` aborts) with what it waited for and the tail of each watched workflow's history.
 */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, options: WaitOptions = {}): Promise<T> {
  const { timeoutMs = 30_000, everyMs = 100, watch, signal } = options;
  const deadline = Date.now() + timeoutMs;
  const expired = Symbol('expired');
  for (;;) {
    if (signal?.aborted) return await giveUp(what, 'the test was aborted (timed out?) while', watch);
    // A probe that never answers (a query to a stuck server) must not outlast the deadline.
    const timer = new AbortController();
    const value = await Promise.race([probe(), sleep(Math.max(0, deadline - Date.now()), expired, { signal: timer.signal }).catch(() => undefined)]);
    timer.abort();
    if (value !== undefined && value !== expired) return value as T;
    if (Date.now() >= deadline) return await giveUp(what, `timed out after ${timeoutMs} ms`, watch);
    await sleep(everyMs);
  }
}

/**
 * A workflow's result within `timeoutMs`. The result call itself is cancelled at the deadline (a
 * long poll that never returns would otherwise hold the test), then the history tail explains why.
 */
export async function resultOf<H extends WorkflowHandle>(
  handle: H,
  what: string,
  options: { timeoutMs?: number; signal?: AbortSignal; watch?: Watched[] } = {},
): Promise<Awaited<ReturnType<H['result']>>> {
  const { timeoutMs = 5 * 60_000, signal } = options;
  const expired = AbortSignal.timeout(timeoutMs);
  const stop = signal ? AbortSignal.any([signal, expired]) : expired;
  try {
    return (await handle.client.withAbortSignal(stop, () => handle.result())) as Awaited<ReturnType<H['result']>>;
  } catch (err) {
    if (!stop.aborted) throw err;
    const why = expired.aborted ? `timed out after ${timeoutMs} ms` : 'the test was aborted (timed out?) while';
    return await giveUp(what, why, [handle, ...(options.watch ?? [])]);
  }
}

export interface WorkerSetup {
  taskQueue: string;
  /** Workflows of a test fixture instead of deploywatch's own. */
  workflowsPath?: string;
  activities?: WorkerOptions['activities'];
  /** Other Worker options (interceptors, limits). */
  options?: Partial<WorkerOptions>;
}

/** Where a worker connects: a test environment, or a connection of the test's own. */
type WorkerConnection = { nativeConnection: NativeConnection; namespace?: string | undefined };

/**
 * Workers on the test server, running the bundle this file built once: one on `setup.taskQueue`
 * and, given activities, one on its commands queue, where monitors send the activities that run
 * plan commands (as a deployed worker with every role serves both).
 */
export async function testWorker(env: WorkerConnection, setup: WorkerSetup): Promise<WorkerGroup> {
  return await createWorkerGroup({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue: setup.taskQueue,
    workflowBundle: await workflowBundle(setup.workflowsPath),
    ...(setup.activities ? { activities: setup.activities } : { roles: new Set(['workflows'] as const) }),
    ...setup.options,
  });
}

/**
 * What a test does with its worker running: start workflows and `watch` them, and wait through
 * `waitFor`/`result`, which name what they wait for. If the test's own timeout strikes first, the
 * harness prints the test's name, the wait it was in and the watched histories' tails.
 */
export interface TestRun {
  signal: AbortSignal;
  watch<H extends Watched>(handle: H): H;
  waitFor<T>(what: string, probe: () => Promise<T | undefined>, options?: Omit<WaitOptions, 'signal' | 'watch'>): Promise<T>;
  result<H extends WorkflowHandle>(handle: H, what: string, options?: { timeoutMs?: number }): Promise<Awaited<ReturnType<H['result']>>>;
}

/**
 * Runs `fn` with a worker polling `setup.taskQueue`, then shuts the worker down. When the test's
 * signal aborts (its timeout), the worker shuts down and every client call inside `fn` is cancelled,
 * so a timed-out test ends instead of holding its file open.
 */
export async function withWorker<T>(
  t: Pick<TestContext, 'signal' | 'name'>,
  env: TestWorkflowEnvironment,
  setup: WorkerSetup,
  fn: (run: TestRun) => Promise<T>,
): Promise<T> {
  const worker = await testWorker(env, setup);
  const watched: Watched[] = [];
  let waitingFor = 'nothing (the test was not in a harness wait)';
  const during = async <R>(what: string, wait: () => Promise<R>): Promise<R> => {
    const before = waitingFor;
    waitingFor = what;
    try {
      return await wait();
    } finally {
      waitingFor = before;
    }
  };
  const run: TestRun = {
    signal: t.signal,
    watch: (handle) => {
      watched.push(handle);
      return handle;
    },
    waitFor: (what, probe, options = {}) => during(what, () => waitFor(what, probe, { ...options, watch: watched, signal: t.signal })),
    result: (handle, what, options = {}) => during(what, () => resultOf(handle, what, { ...options, watch: watched.filter((h) => h !== handle), signal: t.signal })),
  };
  const onAbort = (): void => {
    worker.shutdown();
    const what = waitingFor;
    const report = Promise.all(watched.map((h) => historyTail(h))).then((tails) =>
      console.error([`${t.name}: the test timed out while waiting for ${what}`, ...tails].join('\n')),
    );
    track(report);
  };
  t.signal.addEventListener('abort', onAbort, { once: true });
  // The client listens on the signal for each call it makes with it, and a polling test makes many.
  setMaxListeners(0, t.signal);
  const running = worker.runUntil(() => env.client.withAbortSignal(t.signal, () => fn(run)));
  track(running);
  try {
    return await running;
  } finally {
    t.signal.removeEventListener('abort', onAbort);
  }
}

// What a timed-out test leaves running (node:test does not wait for its body): workers shutting
// down, hang reports being written. The environment is torn down only after them.
const inFlight = new Set<Promise<unknown>>();
function track(work: Promise<unknown>): void {
  const settled = work.then(
    () => undefined,
    () => undefined,
  );
  inFlight.add(settled);
  void settled.then(() => inFlight.delete(settled));
}

/** Tears down a test environment once the harness's workers have stopped (at most `graceMs`). */
export async function teardown(env: TestWorkflowEnvironment | undefined, graceMs = 30_000): Promise<void> {
  await Promise.race([Promise.all(inFlight), sleep(graceMs, undefined, { ref: false })]);
  await env?.teardown();
}

/**
 * A worker that runs for the whole file (started in `before`, stopped in `after`), for files whose
 * tests share one, or for a test that stops and starts workers itself: `stop()` is safe to call
 * twice and waits for the worker to finish.
 */
export async function fileWorker(env: WorkerConnection, setup: WorkerSetup): Promise<{ worker: WorkerGroup; stop: () => Promise<void> }> {
  const worker = await testWorker(env, setup);
  const running = worker.run();
  return {
    worker,
    stop: async () => {
      worker.shutdown();
      await running;
    },
  };
}
