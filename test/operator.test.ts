// Operator actions on a live monitor, through the `deploywatch` CLI, against a real dev server.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import pino from 'pino';
import { stringify } from 'yaml';
import { createActivities } from '../src/activities/index.js';
import { DEFAULT_PLAN_PATH, loadPlanFile } from '../src/plan/load.js';
import type { Plan } from '../src/plan/schema.js';
import { escalateSignal, rollbackSignal, statusQuery } from '../src/workflows/messages.js';
import { monitorWorkflowId, TASK_QUEUE } from '../src/temporal/ids.js';
import { devServerEnv } from './support/temporal.js';
import { teardown, withWorker } from './support/harness.js';
import { withFixtureCommands } from './support/plans.js';

const run = promisify(execFile);
const CLI = resolve(__dirname, '..', 'bin', 'deploywatch.js');

let env: TestWorkflowEnvironment;
let dir: string;
const activities = createActivities({ logger: pino({ level: 'silent' }) });

before(async () => {
  env = await devServerEnv();
  dir = await mkdtemp(join(tmpdir(), 'deploywatch-operator-'));
}, { timeout: 3 * 60_000 });
after(async () => {
  await teardown(env);
  if (dir) await rm(dir, { recursive: true, force: true });
}, { timeout: 3 * 60_000 });

async function cli(...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [CLI, ...args], { env: { ...process.env, TEMPORAL_ADDRESS: env.address, DEPLOYWATCH_ACTOR: 'test-operator' }, timeout: 60_000 });
  return stdout;
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

test('escalate, ack, resolve and rollback through the CLI; bad payloads are recorded, not fatal', { timeout: 3 * 60_000 }, async (t) => {
  await withWorker(t, env, { taskQueue: TASK_QUEUE, activities }, async (run) => {
    await cli('start', '--deployment-id', 'ops-1', '--version', '5.0.0', '--service', 'genesis-orchestration', '--plan', await quietPlanFile());

    assert.match(await cli('escalate', 'ops-1', '--priority', 'P1', '--reason', 'customers report errors'), /escalation sent to monitor-ops-1/);
    const handle = run.watch(env.client.workflow.getHandle(monitorWorkflowId('ops-1')));
    await handle.signal(escalateSignal, { priority: 'P9', reason: 'typo', actor: 'frank' } as never);
    await handle.signal(rollbackSignal, 'not an object' as never);

    let status = await run.waitFor('the manual incident to reach the commander', async () => {
      const s = await handle.query(statusQuery);
      return s.incidents[0]?.escalatedTo.length === 2 ? s : undefined;
    });
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

    const outcome = await run.result(handle, 'the monitor to end after the rollback');
    assert.equal(outcome.outcome, 'rolled-back');
    status = await handle.query(statusQuery);
    assert.ok(status.checklist.filter((c) => c.finishedAt).length < 51, 'the monitor stopped checking after the rollback');
    assert.equal(outcome.incidents[0]?.status, 'resolved');
  });
});
