// Operator actions on a live monitor, through the `deploywatch` CLI, against a real dev server.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import pino from 'pino';
import { stringify } from 'yaml';
import { createActivities } from '../src/activities/index.js';
import { DEFAULT_PLAN_PATH, loadPlanFile } from '../src/plan/load.js';
import type { Plan } from '../src/plan/schema.js';
import { escalateSignal, type MonitorStatus, rollbackSignal, statusQuery } from '../src/workflows/messages.js';
import { monitorWorkflowId, TASK_QUEUE } from '../src/temporal/ids.js';
import { devServerEnv, workflowBundle } from './support/temporal.js';
import { withFixtureCommands } from './support/plans.js';

const run = promisify(execFile);
const CLI = resolve(__dirname, '..', 'bin', 'deploywatch.js');

let env: TestWorkflowEnvironment;
let dir: string;
let worker: Worker;
let running: Promise<void>;

before(async () => {
  env = await devServerEnv();
  dir = await mkdtemp(join(tmpdir(), 'deploywatch-operator-'));
  worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue: TASK_QUEUE,
    workflowBundle: await workflowBundle(),
    activities: createActivities({ logger: pino({ level: 'silent' }) }),
  });
  running = worker.run();
});
after(async () => {
  worker?.shutdown();
  await running;
  await env?.teardown();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function cli(...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [CLI, ...args], { env: { ...process.env, TEMPORAL_ADDRESS: env.address, DEPLOYWATCH_ACTOR: 'test-operator' } });
  return stdout;
}

async function waitFor(id: string, what: string, until: (s: MonitorStatus) => boolean): Promise<MonitorStatus> {
  const handle = env.client.workflow.getHandle(monitorWorkflowId(id));
  for (let i = 0; i < 200; i++) {
    const status = await handle.query(statusQuery);
    if (until(status)) return status;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for: ${what}`);
}

/** The default plan with local commands and no notification channels: this test is about the monitor. */
async function quietPlanFile(): Promise<string> {
  const plan: Plan = withFixtureCommands(await loadPlanFile(DEFAULT_PLAN_PATH));
  plan.channels = { ...plan.channels, slack: {}, pagerduty: [], email: [] };
  plan.handoff = { ...plan.handoff, reportDir: dir };
  const file = join(dir, 'plan.yaml');
  await writeFile(file, stringify(plan));
  return file;
}

test('escalate, ack, resolve and rollback through the CLI; bad payloads are recorded, not fatal', async () => {
  await cli('start', '--deployment-id', 'ops-1', '--version', '5.0.0', '--service', 'genesis-orchestration', '--plan', await quietPlanFile());

  assert.match(await cli('escalate', 'ops-1', '--priority', 'P1', '--reason', 'customers report errors'), /escalation sent to monitor-ops-1/);
  const handle = env.client.workflow.getHandle(monitorWorkflowId('ops-1'));
  await handle.signal(escalateSignal, { priority: 'P9', reason: 'typo', actor: 'frank' } as never);
  await handle.signal(rollbackSignal, 'not an object' as never);

  let status = await waitFor('ops-1', 'the manual incident reaches the commander', (s) => s.incidents[0]?.escalatedTo.length === 2);
  const incident = status.incidents[0]!;
  assert.equal(incident.alert, 'ManualEscalation');
  assert.deepEqual(incident.escalatedTo, ['on-call', 'incident-commander'], 'manual escalation goes straight to the commander');
  assert.deepEqual(
    status.rejected.map((r) => r.reason),
    ['escalate.priority: must be one of P0, P1, P2, P3, P4', 'rollback: expected a JSON object, got string'],
  );

  assert.match(await cli('ack', 'ops-1', '1'), /incident 1 \(P1 ManualEscalation\): acknowledged/);
  assert.match(await cli('status', 'ops-1'), /#1 P1 ManualEscalation — acknowledged, escalated to incident-commander/);

  // A rollback while the P1 is open: the monitor stops checking and waits for the incident.
  assert.match(await cli('rollback', 'ops-1', '--reason', 'bad release'), /^rolled-back: rollback command succeeded: rolled back ops-1/);
  const again = JSON.parse(await cli('rollback', 'ops-1', '--reason', 'again', '--json')) as { status: string; detail: string };
  assert.equal(again.status, 'already-rolled-back');
  assert.match(again.detail, /test-operator/);

  await assert.rejects(cli('resolve', 'ops-1', '99'), (err: { code: number; stderr: string }) => {
    assert.equal(err.code, 1);
    assert.match(err.stderr, /^deploywatch: no incident 99 in monitor-ops-1\n$/);
    return true;
  });
  assert.match(await cli('resolve', 'ops-1', '1', '--note', 'rolled back'), /resolved/);

  const outcome = await handle.result();
  assert.equal(outcome.outcome, 'rolled-back');
  status = await handle.query(statusQuery);
  assert.ok(status.checklist.filter((c) => c.finishedAt).length < 51, 'the monitor stopped checking after the rollback');
  assert.equal(outcome.incidents[0]?.status, 'resolved');
});
