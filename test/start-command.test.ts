// `deploywatch start` against a real dev server: starts one monitor, and only one, per deployment.
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
import { monitorWorkflowId, TASK_QUEUE } from '../src/temporal/ids.js';
import { statusQuery } from '../src/workflows/messages.js';
import { devServerEnv } from './support/temporal.js';
import { teardown, withWorker } from './support/harness.js';
import { withFixtureCommands } from './support/plans.js';

const run = promisify(execFile);
const CLI = resolve(__dirname, '..', 'bin', 'deploywatch.js');

let env: TestWorkflowEnvironment;
let dir: string;

before(async () => {
  env = await devServerEnv();
  dir = await mkdtemp(join(tmpdir(), 'deploywatch-start-'));
}, { timeout: 3 * 60_000 });
after(async () => {
  await teardown(env);
  if (dir) await rm(dir, { recursive: true, force: true });
}, { timeout: 3 * 60_000 });

async function cli(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return await run(process.execPath, [CLI, ...args], { env: { ...process.env, TEMPORAL_ADDRESS: env.address }, timeout: 60_000 });
}

test('start creates monitor-<id>, status answers, and a second start does not create a second run', { timeout: 3 * 60_000 }, async (t) => {
  const planFile = join(dir, 'plan.yaml');
  await writeFile(planFile, stringify(withFixtureCommands(await loadPlanFile(DEFAULT_PLAN_PATH))));
  const activities = createActivities({ logger: pino({ level: 'silent' }) });
  const startArgs = ['start', '--deployment-id', 'dep-42', '--version', '4.0.1', '--service', 'genesis-orchestration', '--plan', planFile];

  await withWorker(t, env, { taskQueue: TASK_QUEUE, activities }, async () => {
    const first = await cli(...startArgs);
    assert.match(first.stdout, /started monitor-dep-42 \(run [\w-]+\)/);
    assert.match(first.stdout, /http:\/\/localhost:8233\/namespaces\/default\/workflows\/monitor-dep-42/);

    const handle = env.client.workflow.getHandle(monitorWorkflowId('dep-42'));
    const status = await handle.query(statusQuery);
    assert.equal(status.deployment.version, '4.0.1');
    assert.equal(status.checklist.length, 51);
    assert.equal(status.phase, 'intensive');

    const second = JSON.parse((await cli(...startArgs, '--json')).stdout) as { runId: string; alreadyRunning: boolean };
    assert.equal(second.alreadyRunning, true);
    assert.equal(second.runId, (await handle.describe()).runId);

    const runs = [];
    for await (const wf of env.client.workflow.list({ query: `WorkflowId = '${monitorWorkflowId('dep-42')}'` })) runs.push(wf);
    assert.equal(runs.length, 1);
    assert.equal(runs[0]?.status.name, 'RUNNING');
    assert.equal(runs[0]?.typedSearchAttributes.get({ name: 'DeploymentId', type: 'KEYWORD' } as never), 'dep-42');

    const text = (await cli('status', 'dep-42')).stdout;
    assert.match(text, /phase intensive/);
    await handle.terminate('test over');
  });
});

test('status of an unknown deployment is a one-line error with its own exit code', { timeout: 3 * 60_000 }, async () => {
  await assert.rejects(cli('status', 'no-such-deployment'), (err: { code: number; stderr: string }) => {
    assert.equal(err.code, 4);
    assert.match(err.stderr, /^deploywatch: no monitor for deployment "no-such-deployment"\n$/);
    return true;
  });
});
