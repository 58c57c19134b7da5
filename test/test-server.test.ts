// Smoke test for the locally provisioned Java time-skipping test server
// (scripts/test-server/provision.sh); the SDK's own binary download can't work offline here.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { defineSearchAttributeKey, SearchAttributeType, type SearchAttributePair } from '@temporalio/common';
import type { sleepyWorkflow } from './fixtures/sleepy-workflow';

const REPO = path.resolve(__dirname, '..');
// Same resolution as provision.sh.
const WRAPPER = path.join(
  process.env.DEPLOYWATCH_CACHE ?? path.join(REPO, '.cache'),
  'temporal/test-server/temporal-test-server',
);
const TWO_DAYS_MS = 2 * 24 * 60 * 60 * 1000;
const DeploymentId = defineSearchAttributeKey('DeploymentId', SearchAttributeType.KEYWORD);

// Timeout: a leaked time-skipping lock would otherwise stall the 2-day timer forever.
describe('Java time-skipping test server', { timeout: 60_000 }, () => {
  let env: TestWorkflowEnvironment | undefined;
  let workflowBundle: WorkflowBundleWithSourceMap;
  // Fail every test loudly (no skip, no download fallback) when the server isn't provisioned.
  const requireEnv = (): TestWorkflowEnvironment => {
    assert.ok(
      env,
      `Temporal test server not found at ${WRAPPER}. Run \`bash scripts/test-server/provision.sh\` first.`,
    );
    return env;
  };

  before(async () => {
    if (!existsSync(WRAPPER)) return;
    env = await TestWorkflowEnvironment.createTimeSkipping({
      server: { executable: { type: 'existing-path', path: WRAPPER } },
    });
    workflowBundle = await bundleWorkflowCode({ workflowsPath: require.resolve('./fixtures/sleepy-workflow') });
  });

  after(async () => {
    await env?.teardown();
  });

  // Runs sleepyWorkflow to completion on a fresh worker. Workflows must actually complete:
  // terminating one that no worker ever picked up leaves the Java server's time skipping
  // locked, which stalls every later timer.
  async function runSleepy(
    testEnv: TestWorkflowEnvironment,
    opts: { ms: number; workflowId: string; typedSearchAttributes?: SearchAttributePair[] },
  ) {
    const taskQueue = `tq-${opts.workflowId}`;
    const worker = await Worker.create({ connection: testEnv.nativeConnection, taskQueue, workflowBundle });
    return worker.runUntil(async () => {
      const handle = await testEnv.client.workflow.start<typeof sleepyWorkflow>('sleepyWorkflow', {
        taskQueue,
        workflowId: opts.workflowId,
        args: [opts.ms],
        typedSearchAttributes: opts.typedSearchAttributes,
      });
      const desc = await handle.describe();
      // The test env's client unlocks time skipping while awaiting the result.
      return { desc, result: await handle.result() };
    });
  }

  test('addSearchAttributes registers a KEYWORD attribute', { timeout: 60_000 }, async () => {
    const testEnv = requireEnv();
    const typedSearchAttributes: SearchAttributePair[] = [{ key: DeploymentId, value: 'deploy-123' }];
    // The Java test server implements AddSearchAttributes but not ListSearchAttributes
    // (UNIMPLEMENTED), so check registration by using the attribute: before registering,
    // a workflow start carrying it is rejected; afterwards it is accepted and visible.
    await assert.rejects(
      testEnv.client.workflow.start('sleepyWorkflow', {
        taskQueue: 'unused',
        workflowId: `sa-rejected-${Date.now()}`,
        args: [0],
        typedSearchAttributes,
      }),
      (err: Error) => /DeploymentId is not defined/.test(String(err.cause)),
    );
    await testEnv.connection.operatorService.addSearchAttributes({
      namespace: 'default',
      searchAttributes: { DeploymentId: 2 /* KEYWORD */ },
    });
    const { desc, result } = await runSleepy(testEnv, {
      ms: 1_000,
      workflowId: `sa-${Date.now()}`,
      typedSearchAttributes,
    });
    assert.equal(desc.typedSearchAttributes.get(DeploymentId), 'deploy-123');
    assert.equal(result, 'awake');
  });

  test('a 2-day sleep completes via time skipping', { timeout: 60_000 }, async () => {
    const testEnv = requireEnv();
    const startMs = await testEnv.currentTimeMs();
    const { result } = await runSleepy(testEnv, { ms: TWO_DAYS_MS, workflowId: `sleepy-${Date.now()}` });
    assert.equal(result, 'awake');
    const advanced = (await testEnv.currentTimeMs()) - startMs;
    assert.ok(advanced >= TWO_DAYS_MS, `test server clock advanced only ${advanced} ms`);
  });
});
