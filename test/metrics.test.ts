// The worker's Prometheus endpoint: the SDK's runtime metrics and deploywatch's own, side by side.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import pino from 'pino';
import { request } from 'undici';
import { createActivities } from '../src/activities/index.js';
import { DEFAULT_PLAN_PATH, loadPlanFile } from '../src/plan/load.js';
import { deploymentMonitor } from '../src/workflows/deployment-monitor/index.js';
import { escalateSignal, statusQuery } from '../src/workflows/messages.js';
import { freePort } from './support/prometheus.js';
import { withFixtureCommands } from './support/plans.js';
import { teardown, withWorker } from './support/harness.js';
import { devServerEnv, testRuntime } from './support/temporal.js';

let env: TestWorkflowEnvironment;
let metricsUrl: string;

before(async () => {
  const port = await freePort();
  metricsUrl = `http://127.0.0.1:${port}/metrics`;
  testRuntime({
    logger: new DefaultLogger('WARN'),
    telemetryOptions: { metrics: { prometheus: { bindAddress: `127.0.0.1:${port}`, useSecondsForDurations: true } } },
  });
  env = await devServerEnv();
}, { timeout: 3 * 60_000 });
after(async () => {
  await teardown(env);
}, { timeout: 3 * 60_000 });

async function scrape(): Promise<string> {
  const res = await request(metricsUrl);
  assert.equal(res.statusCode, 200);
  return await res.body.text();
}

function value(text: string, pattern: RegExp): number {
  const line = text.split('\n').find((l) => !l.startsWith('#') && pattern.test(l));
  return line ? Number(line.split(' ').at(-1)) : NaN;
}

test('checkpoints, check duration, open incidents and notification attempts are exported', { timeout: 3 * 60_000 }, async (t) => {
  const plan = withFixtureCommands(await loadPlanFile(DEFAULT_PLAN_PATH));
  // No webhook variables are set: every Slack attempt fails, and is counted as failed.
  const activities = createActivities({ logger: pino({ level: 'silent' }), env: {} });
  await withWorker(t, env, { taskQueue: 'metrics', activities }, async (run) => {
    const handle = run.watch(await env.client.workflow.start(deploymentMonitor, {
      workflowId: 'monitor-metrics',
      taskQueue: 'metrics',
      args: [{ deployment: { id: 'metrics', version: '1', service: 'genesis-orchestration', deployedAt: new Date().toISOString() }, plan }],
    }));
    await handle.signal(escalateSignal, { priority: 'P2', reason: 'watching the metrics', actor: 'test' });
    // The manual P2, and the P2 that announces the broken Slack channel (no webhook is set).
    await run.waitFor('the T+0 checkpoint and both P2 incidents', async () => {
      const status = await handle.query(statusQuery);
      return status.checklist[0]?.finishedAt && status.incidents.length === 2 ? true : undefined;
    }, { timeoutMs: 60_000 });
    const p2Gauge = /^deploywatch_open_incidents\{.*deployment="metrics".*priority="P2"/;
    const text = await run.waitFor('the failed notification and both P2s on the metrics endpoint', async () => {
      const scraped = await scrape();
      return /deploywatch_notifications_total\{[^}]*outcome="failed"/.test(scraped) && value(scraped, p2Gauge) === 2 ? scraped : undefined;
    }, { timeoutMs: 60_000, everyMs: 200 });
    assert.equal(value(text, /^deploywatch_checkpoints_total\{.*phase="intensive"/), 1, 'the T+0 checkpoint is counted');
    assert.ok(value(text, /^deploywatch_check_duration_count/) >= 1, 'the check duration histogram has a sample');
    const status = await handle.query(statusQuery);
    assert.deepEqual(status.incidents.map((i) => `${i.priority} ${i.alert} ${i.status}`).sort(), ['P2 ManualEscalation open', 'P2 NotificationChannelBroken open']);
    assert.equal(value(text, p2Gauge), 2);
    assert.equal(value(text, /^deploywatch_open_incidents\{.*deployment="metrics".*priority="P0"/), 0);
    assert.ok(value(text, /^deploywatch_notifications_total\{.*channel="slack".*outcome="failed"/) >= 1, 'a failed Slack notice is counted');
    assert.match(text, /^temporal_/m, "the SDK's own metrics are on the same endpoint");
    await handle.terminate('test over');
  });
});
