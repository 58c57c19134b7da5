// The whole default 48-hour plan on the time-skipping server, judged from the workflow's own record.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import pino from 'pino';
import { createActivities } from '../src/activities/index.js';
import { DEFAULT_PLAN_PATH, loadPlanFile } from '../src/plan/load.js';
import { deploymentMonitor } from '../src/workflows/deployment-monitor.js';
import { statusQuery } from '../src/workflows/messages.js';
import { withFixtureCommands } from './support/plans.js';
import { timeSkippingEnv, workflowBundle } from './support/temporal.js';

const HOUR = 3600;
let env: TestWorkflowEnvironment;

before(async () => {
  env = await timeSkippingEnv();
});
after(async () => {
  await env?.teardown();
});

test('the default plan runs all 51 checkpoints on time, each with its actions, despite a slow check', async () => {
  const slowAt = 3 * HOUR; // T+3h, inside the 15-minute phase
  const plan = withFixtureCommands(await loadPlanFile(DEFAULT_PLAN_PATH), { slowAtOffsetSeconds: slowAt, slowSeconds: 3 });
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue: 'monitor-48h',
    workflowBundle: await workflowBundle(),
    activities: createActivities({ logger: pino({ level: 'silent' }) }),
  });
  const deployedAt = new Date(await env.currentTimeMs()).toISOString();

  const { outcome, status } = await worker.runUntil(async () => {
    const handle = await env.client.workflow.start(deploymentMonitor, {
      workflowId: 'monitor-test-48h',
      taskQueue: 'monitor-48h',
      args: [{ deployment: { id: 'test-48h', version: '4.0.0', service: 'genesis-orchestration', deployedAt }, plan }],
    });
    const outcome = await handle.result();
    return { outcome, status: await handle.query(statusQuery) };
  });

  assert.equal(outcome.checkpointsRun, 51);
  const list = status.checklist;
  assert.equal(list.length, 51);

  // Offsets: T+0, every 15 min to T+6h, hourly T+7..24h, 3-hourly T+27..48h.
  const expectedOffsets = [
    0,
    ...Array.from({ length: 24 }, (_, i) => (i + 1) * 900),
    ...Array.from({ length: 18 }, (_, i) => (7 + i) * HOUR),
    ...Array.from({ length: 8 }, (_, i) => (27 + 3 * i) * HOUR),
  ];
  assert.deepEqual(list.map((c) => c.offsetSeconds), expectedOffsets);

  const deployedMs = Date.parse(deployedAt);
  for (const c of list) {
    assert.ok(c.startedAt && c.finishedAt, `${c.label} ran`);
    const lagMs = Date.parse(c.startedAt) - (deployedMs + c.offsetSeconds * 1000);
    // Every checkpoint, including those after the slow one, started at its planned time.
    assert.ok(lagMs >= 0 && lagMs < 2000, `${c.label} started ${lagMs} ms after its planned time`);
    assert.equal(c.evaluationTime, new Date(deployedMs + c.offsetSeconds * 1000).toISOString());
    assert.deepEqual(c.result?.commands.map((r) => r.id).sort(), [...c.actions].sort(), `${c.label} ran what it recorded`);
    assert.ok(c.result?.commands.every((r) => r.ok), `${c.label} commands passed`);
    assert.equal(c.status, 'passed');
  }

  const slow = list.find((c) => c.offsetSeconds === slowAt)!;
  assert.ok(Date.parse(slow.finishedAt!) - Date.parse(slow.startedAt!) >= 3000, 'the slow check really took 3 s');

  const ranAt = (command: string) => list.filter((c) => c.actions.includes(command)).map((c) => c.offsetSeconds / HOUR);
  assert.equal(ranAt('health-check').length, 51);
  assert.deepEqual(ranAt('production-tests'), expectedOffsets.slice(0, 25).map((s) => s / HOUR));
  assert.deepEqual(ranAt('full-suite'), [12, 18, 24, 30, 42]);
  assert.equal(ranAt('log-review').length, 25 + 18);

  const fullSuite = list.find((c) => c.offsetSeconds === 12 * HOUR)!.result!.commands.find((r) => r.id === 'full-suite')!;
  assert.deepEqual(fullSuite.tests && { passed: fullSuite.tests.passed, passRate: fullSuite.tests.passRate }, { passed: 50, passRate: 100 });

  assert.deepEqual(
    list.filter((c) => c.asserts.length > 0 || c.review).map((c) => c.offsetSeconds / HOUR).slice(0, 9),
    [0, 0.25, 0.5, 1, 2, 3, 4, 5, 6],
  );
  assert.equal(status.completed, true);
  assert.equal(status.nextCheckpoint, null);
});
