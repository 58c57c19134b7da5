// The deploywatch worker: monitor workflows and their activities on the `deploywatch` queue, and the
// activities that run plan commands on `deploywatch-commands`. DEPLOYWATCH_WORKER_ROLE picks which of
// these one process serves, so commands can run on the service's host and the rest elsewhere.
import { Client } from '@temporalio/client';
import { NativeConnection, Runtime, Worker, type WorkerOptions as TemporalWorkerOptions, type WorkflowBundle } from '@temporalio/worker';
import type { Logger } from 'pino';
import { createActivities } from './activities/index.js';
import { withEmbeddedBridge } from './bridge/main.js';
import { startCommandRunner, type CommandRunner } from './command-runner/command-runner.js';
import { createLogger, temporalLogger } from './logger.js';
import { connectWorkerConnection } from './temporal/connection.js';
import { commandsTaskQueue } from './temporal/task-queues.js';
import { WORKFLOWS_PATH } from './temporal/workflow-bundle.js';
import { TASK_QUEUE } from './temporal/ids.js';

/** workflows: monitor workflows; activities: the others (Prometheus, notifications, reports); commands: plan commands. */
export const WORKER_ROLES = ['workflows', 'activities', 'commands'] as const;
export type WorkerRole = (typeof WORKER_ROLES)[number];

/** DEPLOYWATCH_WORKER_ROLE: `all` (default), one role, or several joined by commas. */
export function parseWorkerRoles(value: string | undefined): Set<WorkerRole> {
  const names = (value ?? 'all').split(',').map((s) => s.trim()).filter(Boolean);
  if (names.length === 0 || names.includes('all')) return new Set(WORKER_ROLES);
  const unknown = names.filter((n) => !(WORKER_ROLES as readonly string[]).includes(n));
  if (unknown.length > 0) throw new Error(`DEPLOYWATCH_WORKER_ROLE: unknown role ${unknown.join(', ')} (use all, ${WORKER_ROLES.join(', ')}, or a comma-separated list)`);
  return new Set(names as WorkerRole[]);
}

/** Workers that run and stop together: the queue's own worker and its commands queue's. */
export class WorkerGroup {
  constructor(readonly workers: Worker[]) {}

  async run(): Promise<void> {
    const runs = this.workers.map((w) => w.run());
    try {
      await Promise.all(runs);
    } catch (err) {
      // One failed: stop the others, then report the failure.
      this.shutdown();
      await Promise.allSettled(runs);
      throw err;
    }
  }

  /** Runs every worker until `until` settles, then shuts them all down (as Worker.runUntil). */
  async runUntil<R>(until: Promise<R> | (() => Promise<R>)): Promise<R> {
    const [first, ...rest] = this.workers;
    if (!first) throw new Error('a worker group needs at least one worker');
    const inner = rest.reduce<Promise<R> | (() => Promise<R>)>((acc, w) => () => w.runUntil(acc), until);
    return await first.runUntil(inner);
  }

  shutdown(): void {
    for (const w of this.workers) if (w.getState() === 'RUNNING') w.shutdown();
  }
}

export type WorkerGroupOptions = TemporalWorkerOptions & { roles?: Set<WorkerRole> };

/**
 * A worker for `taskQueue` (workflows and/or activities) and one for its commands queue, as `roles`
 * says (default all). Workflows route activities that run plan commands to the commands queue.
 */
export async function createWorkerGroup(options: WorkerGroupOptions): Promise<WorkerGroup> {
  const { roles = new Set(WORKER_ROLES), ...common } = options;
  const { workflowsPath, workflowBundle, activities, ...shared } = common;
  const workers: Worker[] = [];
  if (roles.has('workflows') || roles.has('activities')) {
    workers.push(
      await Worker.create({
        ...shared,
        ...(roles.has('workflows') && workflowBundle ? { workflowBundle } : {}),
        ...(roles.has('workflows') && workflowsPath ? { workflowsPath } : {}),
        ...(roles.has('activities') ? { activities } : {}),
      }),
    );
  }
  if (roles.has('commands')) {
    workers.push(await Worker.create({ ...shared, taskQueue: commandsTaskQueue(options.taskQueue), activities }));
  }
  if (workers.length === 0) throw new Error('no worker role selected');
  return new WorkerGroup(workers);
}

export interface WorkerOptions {
  connection: NativeConnection;
  namespace: string;
  logger: Logger;
  taskQueue?: string;
  /** A prebuilt bundle (tests build it once per file); otherwise the workflows are bundled at start. */
  workflowBundle?: WorkflowBundle;
  /** Where commands run (default: this process's shared runner). */
  runner?: CommandRunner;
  /** What this process serves (default: everything). */
  roles?: Set<WorkerRole>;
}

export { WORKFLOWS_PATH } from './temporal/workflow-bundle.js';

export async function createWorker(options: WorkerOptions): Promise<WorkerGroup> {
  let client: Client | undefined;
  const taskQueue = options.taskQueue ?? TASK_QUEUE;
  const workflowSource = options.workflowBundle
    ? { workflowBundle: options.workflowBundle }
    : { workflowsPath: WORKFLOWS_PATH };
  return await createWorkerGroup({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue,
    roles: options.roles,
    ...workflowSource,
    activities: createActivities({
      logger: options.logger,
      taskQueue,
      runner: options.runner,
      // The worker's own connection serves the client that manages BAU Schedules.
      client: () => (client ??= new Client({ connection: options.connection, namespace: options.namespace })),
    }),
  });
}

async function main(): Promise<void> {
  const logger = createLogger('deploywatch-worker');
  const roles = parseWorkerRoles(process.env.DEPLOYWATCH_WORKER_ROLE);
  // SDK and deploywatch metrics on one Prometheus endpoint (job deploywatch-worker).
  const metricsBind = process.env.DEPLOYWATCH_METRICS_BIND ?? `127.0.0.1:${process.env.DEPLOYWATCH_METRICS_PORT ?? '9464'}`;
  Runtime.install({
    logger: temporalLogger(logger),
    telemetryOptions: { metrics: { prometheus: { bindAddress: metricsBind, useSecondsForDurations: true } } },
  });
  const { connection, namespace } = await connectWorkerConnection();
  // Commands are forked from a small process of their own, never from this one (see command-runner/).
  const runner = startCommandRunner();
  const worker = await createWorker({ connection, namespace, logger, runner, roles });
  const queues = worker.workers.map((w) => w.options.taskQueue);
  logger.info({ namespace, roles: [...roles], taskQueues: queues, metrics: `http://${metricsBind}/metrics` }, 'worker started');
  // Worker.run() drains and stops on SIGINT/SIGTERM; DEPLOYWATCH_BRIDGE_EMBED=1 runs the alert bridge beside it.
  await withEmbeddedBridge(logger, () => worker.run());
  await runner.close();
  await connection.close();
  logger.info('worker stopped');
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(`deploywatch worker: ${(err as Error).message}`);
    process.exit(1);
  });
}
