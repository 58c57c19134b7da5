// A failing window: extension by continue-as-new with state and open escalations carried, then
// the engineering lead's decision once the plan's extensions run out.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import pino from 'pino';
import { createActivities } from '../src/activities/index.js';
import { DEFAULT_PLAN_PATH, loadPlanFile } from '../src/plan/load.js';
import { deploymentMonitor } from '../src/workflows/deployment-monitor/index.js';
import { type MonitorStatus, resolveSignal, signOffSignal, statusQuery } from '../src/workflows/messages.js';
import { genesisHistory } from './support/genesis-history.js';
import { withFixtureCommands } from './support/plans.js';
import { openMetrics, startPrometheus, type RunningPrometheus } from './support/prometheus.js';
import { timeSkippingEnv, workflowBundle } from './support/temporal.js';

const HOUR = 3600;
let env: TestWorkflowEnvironment;
let prometheus: RunningPrometheus;
let startSec: number;

before(async () => {
  env = await timeSkippingEnv();
  // The time-skipping clock starts at real now. P95 latency regresses from T+40h and never recovers.
  startSec = Math.floor((await env.currentTimeMs()) / 60_000) * 60;
  const history = genesisHistory({
    fromSec: startSec - HOUR,
    toSec: startSec + 75 * HOUR,
    stepSec: 60,
    p95Seconds: (t) => (t >= startSec + 40 * HOUR ? 0.35 : 0.15),
  });
  prometheus = await startPrometheus({ history: openMetrics(history) });
});
after(async () => {
  await env?.teardown();
  await prometheus?.stop();
});

test('criteria fail: the window extends (continue-as-new), escalations carry on, then the engineering lead decides', async () => {
  const base = withFixtureCommands(await loadPlanFile(DEFAULT_PLAN_PATH), { prometheusUrl: prometheus.url });
  // No notification channels: this test is about the window, not the pages.
  const plan = {
    ...base,
    window: { ...base.window, extension: { ...base.window.extension, maxExtensions: 1 } },
    channels: { ...base.channels, slack: {}, pagerduty: [], email: [] },
  };
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue: 'extension',
    workflowBundle: await workflowBundle(),
    activities: createActivities({ logger: pino({ level: 'silent' }), client: () => env.client, taskQueue: 'extension' }),
  });
  const deployedAt = new Date(startSec * 1000).toISOString();

  await worker.runUntil(async () => {
    const handle = await env.client.workflow.start(deploymentMonitor, {
      workflowId: 'monitor-extension',
      taskQueue: 'extension',
      args: [{ deployment: { id: 'extension', version: '7.0.0', service: 'genesis-orchestration', deployedAt }, plan }],
    });
    const firstRunId = handle.firstExecutionRunId;
    const result = handle.result();
    const poll = async (what: string, until: (s: MonitorStatus) => boolean): Promise<MonitorStatus> => {
      for (let i = 0; i < 600; i++) {
        const s = await handle.query(statusQuery);
        if (until(s)) return s;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`timed out waiting for ${what}`);
    };

    const decision = await poll('the extension limit', (s) => s.incidents.some((i) => i.alert === 'ExtensionLimitReached'));
    const described = await handle.describe();
    assert.notEqual(described.runId, firstRunId, 'the extension continued as new');

    // Run 1's state came across: 51 checkpoints plus the extension's 8 (T+51h … T+72h, every 3 h).
    assert.equal(decision.extensions, 1);
    assert.equal(decision.checklist.length, 59);
    assert.deepEqual(decision.checklist.slice(51).map((c) => c.offsetSeconds / HOUR), [51, 54, 57, 60, 63, 66, 69, 72]);
    assert.ok(decision.checklist.every((c) => c.finishedAt), 'every checkpoint ran exactly once across both runs');
    assert.deepEqual(decision.verdicts.map((v) => [v.extension, v.passed]), [[0, false], [1, false]]);
    const p95 = (v: MonitorStatus['verdicts'][number]) => v.criteria.find((c) => c.id === 'p95-latency')?.passed;
    assert.equal(p95(decision.verdicts[0]!), false);
    assert.equal(p95(decision.verdicts[1]!), false, 'judged again over the extension period');
    assert.equal(decision.verdicts[1]!.from, new Date((startSec + 48 * HOUR) * 1000).toISOString());

    // The investigation incident opened in run 1 kept escalating on its timers and reported to run 2.
    const investigation = decision.incidents.find((i) => i.alert === 'CriteriaNotMet')!;
    assert.ok(investigation, JSON.stringify(decision.incidents.map((i) => i.alert)));
    assert.ok(investigation.timeline.some((t) => t.event === 'reminder'), JSON.stringify(investigation.timeline));
    assert.deepEqual(investigation.escalatedTo, ['on-call']);
    const latency = decision.incidents.find((i) => i.alert === 'HighLatencyP95')!;
    assert.ok(latency && latency.status !== 'resolved');
    const limit = decision.incidents.find((i) => i.alert === 'ExtensionLimitReached')!;
    assert.equal(limit.priority, 'P1');

    // The lead decides to accept; both leads sign the handoff; the open P1s are resolved by hand.
    await handle.signal(signOffSignal, { role: 'engineering-lead', actor: 'lead' });
    await poll('the handoff report', (s) => s.handoff !== null);
    await handle.signal(signOffSignal, { role: 'sre-lead', actor: 'sre' });
    for (const incident of [latency, limit, investigation]) {
      await handle.signal(resolveSignal, { incident: incident.number, actor: 'lead', note: 'accepted with the regression' });
    }
    const outcome = await result;
    assert.equal(outcome.outcome, 'extend');
    assert.ok(outcome.handoff?.paths.some((p) => p.endsWith('.html')));
    assert.ok(outcome.incidents.filter((i) => i.priority === 'P0' || i.priority === 'P1').every((i) => i.status === 'resolved'));
  });
});
