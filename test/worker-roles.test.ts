// Worker roles: a monitor's plan commands run on the worker that serves the commands queue (the
// service's host), its workflow and Prometheus-side activities on the others.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import pino from 'pino';
import { createActivities } from '../src/activities/index.js';
import { DEFAULT_PLAN_PATH, loadPlanFile } from '../src/plan/load.js';
import { createWorkerGroup, parseWorkerRoles, type WorkerRole } from '../src/worker.js';
import { deploymentMonitor } from '../src/workflows/deployment-monitor/index.js';
import { statusQuery } from '../src/workflows/messages.js';
import { waitFor } from './support/harness.js';
import { genesisHistory } from './support/genesis-history.js';
import { withFixtureCommands } from './support/plans.js';
import { openMetrics, startPrometheus, type RunningPrometheus } from './support/prometheus.js';
import { timeSkippingEnv, workflowBundle } from './support/temporal.js';

const HOUR = 3600;
const QUEUE = 'roles';

test('DEPLOYWATCH_WORKER_ROLE: all by default, one role or a comma-separated list, nothing unknown', { timeout: 10_000 }, () => {
  assert.deepEqual([...parseWorkerRoles(undefined)], ['workflows', 'activities', 'commands']);
  assert.deepEqual([...parseWorkerRoles('all')], ['workflows', 'activities', 'commands']);
  assert.deepEqual([...parseWorkerRoles('commands')], ['commands']);
  assert.deepEqual([...parseWorkerRoles('workflows, activities')], ['workflows', 'activities']);
  assert.throws(() => parseWorkerRoles('workflows,scripts'), /unknown role scripts/);
});

let env: TestWorkflowEnvironment;
let prometheus: RunningPrometheus;
after(async () => {
  await env?.teardown();
  await prometheus?.stop();
}, { timeout: 60_000 });

test('checkpoint commands run on the commands worker; the workflow and the rest elsewhere', { timeout: 90_000 }, async () => {
  env = await timeSkippingEnv();
  // The time-skipping clock starts at real now: history around it, the deployment on the minute.
  const deployedSec = Math.floor((await env.currentTimeMs()) / 60_000) * 60;
  prometheus = await startPrometheus({ history: openMetrics(genesisHistory({ fromSec: deployedSec - HOUR, toSec: deployedSec + HOUR, stepSec: 60 })) });
  const plan = withFixtureCommands(await loadPlanFile(DEFAULT_PLAN_PATH), { prometheusUrl: prometheus.url });
  const ran: Record<string, string[]> = { front: [], host: [] };
  const recordOn = (name: string): ActivityInterceptorsFactory => (ctx) => {
    ran[name]!.push(`${ctx.info.activityType}@${ctx.info.taskQueue}`);
    return {};
  };
  const group = async (name: string, roles: WorkerRole[]) =>
    await createWorkerGroup({
      connection: env.nativeConnection,
      taskQueue: QUEUE,
      roles: new Set(roles),
      workflowBundle: await workflowBundle(),
      activities: createActivities({ logger: pino({ level: 'silent' }) }),
      interceptors: { activity: [recordOn(name)] },
    });
  // As docker-compose runs them: workflows and Prometheus-side activities in a container, commands on the host.
  const front = await group('front', ['workflows', 'activities']);
  const host = await group('host', ['commands']);
  assert.deepEqual(host.workers.map((w) => w.options.taskQueue), ['roles-commands']);

  const first = await front.runUntil(
    host.runUntil(async () => {
      const handle = await env.client.workflow.start(deploymentMonitor, {
        workflowId: 'monitor-roles',
        taskQueue: QUEUE,
        args: [{ deployment: { id: 'roles', version: '1.0.0', service: plan.service, deployedAt: new Date(deployedSec * 1000).toISOString() }, plan }],
      });
      // The first checkpoint is due at once; the monitor is stopped before the workers are.
      const checkpoint = await waitFor(
        'the first checkpoint to finish',
        async () => {
          const first = (await handle.query(statusQuery)).checklist[0]!;
          return first.finishedAt ? first : undefined;
        },
        { timeoutMs: 2 * 60_000, watch: handle },
      );
      await handle.terminate('test over');
      return checkpoint;
    }),
  );
  assert.ok(first.actions.length > 0, 'the first checkpoint runs commands');
  assert.equal(first.result?.commands.filter((c) => c.ok).length, first.actions.length);
  assert.deepEqual(ran.host, ['runCheckpoint@roles-commands']);
  assert.ok(!ran.front!.some((a) => a.startsWith('runCheckpoint')), `the front worker ran no checkpoint: ${ran.front!.join(', ')}`);
});
