// The load benchmark's worker, in its own process so its memory is its own (/proc/<pid>/status):
// the production activities and workflows, plus an activity interceptor that reports each
// checkpoint's timing to the parent over IPC. Started by bench/load.ts, never by hand.
import { DefaultLogger, NativeConnection, Runtime, type WorkerOptions } from '@temporalio/worker';
import pino from 'pino';
import { createActivities } from '../src/activities/index.js';
import { createWorkerGroup, type WorkerRole } from '../src/worker.js';
import { activityTiming, type ActivitySample } from './activity-timing.js';

/** The worker options a bench run may tune (see WorkerOptions). */
export type TunableWorkerOptions = Pick<
  WorkerOptions,
  | 'maxCachedWorkflows'
  | 'reuseV8Context'
  | 'workflowThreadPoolSize'
  | 'maxConcurrentWorkflowTaskExecutions'
  | 'maxConcurrentActivityTaskExecutions'
  | 'maxConcurrentWorkflowTaskPolls'
  | 'maxConcurrentActivityTaskPolls'
  | 'workflowTaskPollerBehavior'
  | 'activityTaskPollerBehavior'
  | 'nonStickyToStickyPollRatio'
  | 'stickyQueueScheduleToStartTimeout'
  | 'maxEagerActivityReservationsPerWorkflowTask'
>;

export interface LoadWorkerConfig {
  address: string;
  namespace: string;
  taskQueue: string;
  /** A prebuilt workflow bundle (bundleWorkflowCode's code, written to a file by the parent). */
  bundlePath: string;
  /** host:port for the SDK's Prometheus metrics (sticky cache, task latencies). */
  metricsBind: string;
  /** 'all' as production runs it; 'workflows' or 'activities' for a split into two processes. */
  role: 'all' | 'workflows' | 'activities';
  workerOptions: TunableWorkerOptions;
}

/** [workflowId, checkpoint index, planned, scheduled, started, ended] in epoch ms. */
export type CheckpointRow = [string, number, number, number, number, number];

export type WorkerMessage =
  | { type: 'ready'; pid: number; maxCachedWorkflows: number }
  | { type: 'samples'; checkpoints: CheckpointRow[]; otherActivities: number; failedActivities: number }
  | { type: 'flushed' }
  | { type: 'stopped' };

/** `flush`: send every sample taken so far, then `flushed`. */
export type ParentMessage = { type: 'stop' } | { type: 'flush' };

function send(message: WorkerMessage): void {
  process.send?.(message);
}

async function main(): Promise<void> {
  // The parent gone (crashed, killed): nothing to report to, so stop at once.
  process.on('disconnect', () => process.exit(1));
  const config = JSON.parse(process.argv[2] ?? '') as LoadWorkerConfig;
  Runtime.install({
    logger: new DefaultLogger('WARN'),
    telemetryOptions: { metrics: { prometheus: { bindAddress: config.metricsBind, useSecondsForDurations: true } } },
  });
  const connection = await NativeConnection.connect({ address: config.address });
  let checkpoints: CheckpointRow[] = [];
  let otherActivities = 0;
  let failedActivities = 0;
  const record = (s: ActivitySample): void => {
    if (!s.ok) failedActivities += 1;
    if (s.checkpoint) checkpoints.push([s.workflowId, s.checkpoint.index, s.checkpoint.plannedMs, s.scheduledMs, s.startedMs, s.endedMs]);
    else otherActivities += 1;
  };
  const flush = (): void => {
    if (checkpoints.length === 0 && otherActivities === 0 && failedActivities === 0) return;
    send({ type: 'samples', checkpoints, otherActivities, failedActivities });
    checkpoints = [];
    otherActivities = 0;
    failedActivities = 0;
  };
  // The activities process also serves the commands queue, where checkpoints with commands go.
  const roles: Record<LoadWorkerConfig['role'], WorkerRole[]> = { all: ['workflows', 'activities', 'commands'], workflows: ['workflows'], activities: ['activities', 'commands'] };
  const worker = await createWorkerGroup({
    roles: new Set(roles[config.role]),
    connection,
    namespace: config.namespace,
    taskQueue: config.taskQueue,
    ...(config.role === 'activities' ? {} : { workflowBundle: { codePath: config.bundlePath } }),
    ...(config.role === 'workflows'
      ? {}
      : {
          activities: createActivities({ logger: pino({ level: 'silent' }), taskQueue: config.taskQueue }),
          interceptors: { activity: [activityTiming(record)] },
        }),
    ...config.workerOptions,
  });
  process.on('message', (message: ParentMessage) => {
    if (message.type === 'stop') worker.shutdown();
    if (message.type === 'flush') {
      flush();
      send({ type: 'flushed' });
    }
  });
  const timer = setInterval(flush, 500);
  send({ type: 'ready', pid: process.pid, maxCachedWorkflows: worker.workers[0]!.options.maxCachedWorkflows });
  try {
    await worker.run();
  } finally {
    clearInterval(timer);
    flush();
    await connection.close();
  }
  send({ type: 'stopped' });
  process.disconnect();
}

main().catch((err: unknown) => {
  console.error(`load worker: ${(err as Error).stack ?? String(err)}`);
  process.exit(1);
});
