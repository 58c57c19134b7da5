// The worker's Prometheus endpoint: the SDK's runtime metrics and deploywatch's own, side by side.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Worker } from '@temporalio/worker';
import pino from 'pino';
import { request } from 'undici';
import { createActivities } from '../src/activities/index.js';
import { DEFAULT_PLAN_PATH, loadPlanFile } from '../src/plan/load.js';
import { deploymentMonitor } from '../src/workflows/deployment-monitor/index.js';
import { escalateSignal, statusQuery } from '../src/workflows/messages.js';
import { freePort } from './support/prometheus.js';
import { withFixtureCommands } from './support/plans.js';
import { devServerEnv, testRuntime, workflowBundle } from './support/temporal.js';

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
});
after(async () => {
  await env?.teardown();
});

async function scrape(): Promise<string> {
  const res = await request(metricsUrl);
  assert.equal(res.statusCode, 200);
  return await res.body.text();
}

function value(text: string, pattern: RegExp): number {
  const line = text.split('\n').find((l) => !l.startsWith('#') && pattern.test(l));
  return line ? Number(line.split(' ').at(-1)) : NaN;
}

test('checkpoints, check duration, open incidents and notification attempts are exported', async () => {
  const plan = withFixtureCommands(await loadPlanFile(DEFAULT_PLAN_PATH));
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue: 'metrics',
    workflowBundle: await workflowBundle(),
    // No webhook variables are set: every Slack attempt fails, and is counted as failed.
    activities: createActivities({ logger: pino({ level: 'silent' }), env: {} }),
  });
  await worker.runUntil(async () => {
    const handle = await env.client.workflow.start(deploymentMonitor, {
      workflowId: 'monitor-metrics',
      taskQueue: 'metrics',
      args: [{ deployment: { id: 'metrics', version: '1', service: 'genesis-orchestration', deployedAt: new Date().toISOString() }, plan }],
    });
    await handle.signal(escalateSignal, { priority: 'P2', reason: 'watching the metrics', actor: 'test' });
    for (let i = 0; i < 100; i++) {
      const status = await handle.query(statusQuery);
      // The manual P2, and the P2 that announces the broken Slack channel (no webhook is set).
      if (status.checklist[0]?.finishedAt && status.incidents.length === 2) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    let text = await scrape();
    const p2Gauge = /^deploywatch_open_incidents\{.*deployment="metrics".*priority="P2"/;
    for (let i = 0; i < 50 && !(/deploywatch_notifications_total\{[^}]*outcome="failed"/.test(text) && value(text, p2Gauge) === 2); i++) {
      await new Promise((r) => setTimeout(r, 200));
      text = await scrape();
    }
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
