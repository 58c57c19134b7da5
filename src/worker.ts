// The deploywatch worker: runs monitor workflows and their activities on the `deploywatch` queue.
import { Client } from '@temporalio/client';
import { NativeConnection, Runtime, Worker, type WorkflowBundle } from '@temporalio/worker';
import type { Logger } from 'pino';
import { createActivities } from './activities/index.js';
import { withEmbeddedBridge } from './bridge/main.js';
import { createLogger, temporalLogger } from './logger.js';
import { connectWorkerConnection } from './temporal/connection.js';
import { TASK_QUEUE } from './temporal/ids.js';

export interface WorkerOptions {
  connection: NativeConnection;
  namespace: string;
  logger: Logger;
  taskQueue?: string;
  /** A prebuilt bundle (tests build it once per file); otherwise the workflows are bundled at start. */
  workflowBundle?: WorkflowBundle;
}

export const WORKFLOWS_PATH = require.resolve('./workflows');

export async function createWorker(options: WorkerOptions): Promise<Worker> {
  let client: Client | undefined;
  const workflowSource = options.workflowBundle
    ? { workflowBundle: options.workflowBundle }
    : { workflowsPath: WORKFLOWS_PATH };
  return await Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue ?? TASK_QUEUE,
    ...workflowSource,
    activities: createActivities({
      logger: options.logger,
      taskQueue: options.taskQueue ?? TASK_QUEUE,
      // The worker's own connection serves the client that manages BAU Schedules.
      client: () => (client ??= new Client({ connection: options.connection, namespace: options.namespace })),
    }),
  });
}

async function main(): Promise<void> {
  const logger = createLogger('deploywatch-worker');
  // SDK and deploywatch metrics on one Prometheus endpoint (job deploywatch-worker).
  const metricsBind = process.env.DEPLOYWATCH_METRICS_BIND ?? `127.0.0.1:${process.env.DEPLOYWATCH_METRICS_PORT ?? '9464'}`;
  Runtime.install({
    logger: temporalLogger(logger),
    telemetryOptions: { metrics: { prometheus: { bindAddress: metricsBind, useSecondsForDurations: true } } },
  });
  const { connection, namespace } = await connectWorkerConnection();
  const worker = await createWorker({ connection, namespace, logger });
  logger.info({ namespace, taskQueue: TASK_QUEUE, metrics: `http://${metricsBind}/metrics` }, 'worker started');
  // Worker.run() drains and stops on SIGINT/SIGTERM; DEPLOYWATCH_BRIDGE_EMBED=1 runs the alert bridge beside it.
  await withEmbeddedBridge(logger, () => worker.run());
  await connection.close();
  logger.info('worker stopped');
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(`deploywatch worker: ${(err as Error).message}`);
    process.exit(1);
  });
}
