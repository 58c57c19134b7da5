// Benchmark (not a test): the whole default 48-hour plan, healthy, on the time-skipping server, as
// test/monitor-48h.test.ts runs it (without its deliberately slow check): wall time from start to
// graduation (both leads sign off when the handoff appears), the median of a few runs, and the
// events in that run's history, counted by type.
import { performance } from 'node:perf_hooks';
import { temporal } from '@temporalio/proto';
import pino from 'pino';
import { createActivities } from '../src/activities/index.js';
import { createWorkerGroup } from '../src/worker.js';
import { DEFAULT_PLAN_PATH, loadPlanFile } from '../src/plan/load.js';
import { deploymentMonitor } from '../src/workflows/deployment-monitor/index.js';
import type { Plan } from '../src/plan/schema.js';
import { signOffSignal, statusQuery } from '../src/workflows/messages.js';
import type { MonitorOutcome } from '../src/workflows/inputs.js';
import { genesisHistory } from '../test/support/genesis-history.js';
import { withFixtureCommands } from '../test/support/plans.js';
import { openMetrics, startPrometheus } from '../test/support/prometheus.js';
import { startSlackReceiver } from '../test/support/receivers.js';
import { timeSkippingEnv, workflowBundle } from '../test/support/temporal.js';
import { median } from '../src/plan/anomaly.js';
import { activityTiming, summariseByType, type ActivitySample } from './activity-timing.js';
import { onCleanup } from './cleanup.js';
import { cpuMeter, type CpuShare } from './cpu.js';

const HOUR = 3600;
const TASK_QUEUE = 'bench-window';

export interface WindowBenchResult {
  /** Start → graduation (the workflow's result), wall clock: the median run. */
  wallSeconds: number;
  /** Every run's wall time, in order. */
  runsSeconds: number[];
  /** Every run's CPU: the bench's processes, and the rest of the (shared) machine meanwhile. */
  cpuByRun: CpuShare[];
  /** Start → the handoff report appears in the status query (the 48 h of checkpoints and the verdict). */
  toHandoffSeconds: number;
  outcome: string;
  checkpointsRun: number;
  historyEvents: number;
  /** Event type → count, most first. */
  eventsByType: Record<string, number>;
  /** Activity type → ActivityTaskScheduled count. */
  activitiesByType: Record<string, number>;
  /** Where the wall time went: activity type → executions and time spent running them (worker side). */
  activityTime: ReturnType<typeof summariseByType>;
  /** Posts the team channel received over all runs (interim reviews, handoff). */
  slackPosts: number;
  /**
   * Between one checkpoint activity's end and the next one's start: two workflow tasks and a timer
   * the server skips (median, and the sum over the window).
   */
  betweenCheckpoints: { medianMs: number; totalSeconds: number };
}



function eventTypeName(type: temporal.api.enums.v1.EventType | null | undefined): string {
  const name = temporal.api.enums.v1.EventType[type ?? 0] ?? `EVENT_TYPE_${type}`;
  return name.replace(/^EVENT_TYPE_/, '');
}

function countBy<T>(items: T[], key: (item: T) => string): Record<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return Object.fromEntries([...counts].sort(([, a], [, b]) => b - a));
}

interface OneRun {
  wall: number;
  toHandoff: number;
  outcome: MonitorOutcome;
  history: temporal.api.history.v1.IHistory;
  samples: ActivitySample[];
  cpu: CpuShare;
}

/** One window on a fresh time-skipping server, whose clock starts at real now. */
async function runWindow(plan: Plan, slackUrl: string): Promise<OneRun> {
  const env = await timeSkippingEnv();
  const releaseEnv = onCleanup('time-skipping server', () => env.teardown());
  try {
    const samples: ActivitySample[] = [];
    // The monitor schedules ensureBauSchedules only once the handoff is recorded: the moment to sign
    // off, seen from the worker without polling the status query (a poll adds its interval to the time).
    let handoffSeen: () => void = () => undefined;
    const handoff = new Promise<number>((resolve) => (handoffSeen = () => resolve(performance.now())));
    const worker = await createWorkerGroup({
      connection: env.nativeConnection,
      taskQueue: TASK_QUEUE,
      workflowBundle: await workflowBundle(),
      activities: createActivities({
        logger: pino({ level: 'silent' }),
        env: Object.fromEntries(Object.values(plan.channels.slackWebhookEnv).map((name) => [name, slackUrl])),
        client: () => env.client,
        taskQueue: TASK_QUEUE,
      }),
      interceptors: {
        activity: [
          (ctx) => {
            if (ctx.info.activityType === 'ensureBauSchedules') handoffSeen();
            return {};
          },
          activityTiming((s) => samples.push(s)),
        ],
      },
    });
    const deployedAt = new Date(await env.currentTimeMs()).toISOString();
    return await worker.runUntil(async () => {
      const cpu = cpuMeter();
      const started = performance.now();
      const handle = await env.client.workflow.start(deploymentMonitor, {
        workflowId: 'monitor-bench-window',
        taskQueue: TASK_QUEUE,
        args: [{ deployment: { id: 'bench-window', version: '4.0.0', service: plan.service, deployedAt }, plan }],
      });
      // Waiting on the result is what lets the test server skip time.
      const result = handle.result();
      const toHandoff = (await Promise.race([handoff, result.then(() => performance.now())])) - started;
      await handle.signal(signOffSignal, { role: 'engineering-lead', actor: 'bench' });
      await handle.signal(signOffSignal, { role: 'sre-lead', actor: 'bench' });
      const outcome = await result;
      const wall = performance.now() - started;
      const share = cpu();
      if (!(await handle.query(statusQuery)).handoff) throw new Error('the window ended without a handoff');
      return { wall, toHandoff, outcome, history: await handle.fetchHistory(), samples, cpu: share };
    });
  } finally {
    await releaseEnv();
  }
}

/** `runs` windows (median wall time reported); each on its own server, all against one Prometheus. */
export async function measureSimulatedWindow(options: { runs?: number; print?: (line: string) => void } = {}): Promise<WindowBenchResult> {
  const runs = options.runs ?? 3;
  const print = options.print ?? console.log;
  // As in the 48 h test: a healthy service over the next 50 hours (the skipping clock starts at now).
  const now = Math.floor(Date.now() / 60_000) * 60;
  const prometheus = await startPrometheus({
    history: openMetrics(genesisHistory({ fromSec: now - HOUR, toSec: now + 50 * HOUR, stepSec: 60 })),
  });
  const releasePrometheus = onCleanup('prometheus (window)', () => prometheus.stop());
  // The team channel answers, as it would in production: reviews and the handoff are posted.
  const slack = await startSlackReceiver();
  const releaseSlack = onCleanup('slack receiver (window)', () => slack.close());
  try {
    const plan = withFixtureCommands(await loadPlanFile(DEFAULT_PLAN_PATH), { prometheusUrl: prometheus.url });
    const all: OneRun[] = [];
    for (let i = 0; i < runs; i++) {
      const run = await runWindow(plan, slack.url());
      all.push(run);
      print(
        `window: run ${i + 1}: ${run.outcome.outcome} in ${Math.round(run.wall) / 1000} s (handoff at ${Math.round(run.toHandoff) / 1000} s), ` +
          `${run.history.events?.length ?? 0} history events; CPU cores: bench ${run.cpu.benchCores}, rest of the machine ${run.cpu.otherCores}`,
      );
    }
    const run = [...all].sort((a, b) => a.wall - b.wall)[Math.floor(all.length / 2)]!;
    const events = run.history.events ?? [];
    const checkpoints = run.samples.filter((s) => s.type === 'runCheckpoint');
    const gaps = checkpoints.slice(1).map((s, i) => s.startedMs - checkpoints[i]!.endedMs);
    const result: WindowBenchResult = {
      wallSeconds: Math.round(run.wall) / 1000,
      runsSeconds: all.map((r) => Math.round(r.wall) / 1000),
      cpuByRun: all.map((r) => r.cpu),
      toHandoffSeconds: Math.round(run.toHandoff) / 1000,
      outcome: run.outcome.outcome,
      checkpointsRun: run.outcome.checkpointsRun,
      historyEvents: events.length,
      eventsByType: countBy(events, (e) => eventTypeName(e.eventType)),
      activitiesByType: countBy(
        events.filter((e) => e.activityTaskScheduledEventAttributes),
        (e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? '?',
      ),
      activityTime: summariseByType(run.samples),
      slackPosts: slack.messages.length,
      betweenCheckpoints: { medianMs: Math.round(median(gaps)), totalSeconds: Math.round(gaps.reduce((a, b) => a + b, 0)) / 1000 },
    };
    print(
      `window: median ${result.wallSeconds} s of ${runs}; in it, checkpoint activities ${(result.activityTime.runCheckpoint?.totalMs ?? 0) / 1000} s, ` +
        `between checkpoints ${result.betweenCheckpoints.totalSeconds} s (median ${result.betweenCheckpoints.medianMs} ms)`,
    );
    return result;
  } finally {
    await releaseSlack();
    await releasePrometheus();
  }
}
