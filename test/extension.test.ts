// A failing window: extension by continue-as-new with state and open escalations carried, then
// the engineering lead's decision once the plan's extensions run out.
//
// On the dev server in real time, with the Genesis plan shortened (162 s window, one 36 s
// extension), not on the time-skipping server: there, under load, about one run in three stopped
// for good after the continue-as-new. The new run's history ended at its first TimerStarted with
// the escalation child's timer pending as well, the clock no longer advanced, and a status query
// never returned. That is the test server's known weakness around continue-as-new with running
// children and their signals (sdk-java #1540, reproduced upstream in #1539); the dev server is the
// real server's code and shows none of it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import pino from 'pino';
import { createActivities } from '../src/activities/index.js';
import type { Plan } from '../src/plan/schema.js';
import { deploymentMonitor } from '../src/workflows/deployment-monitor/index.js';
import { resolveSignal, signOffSignal, statusQuery, type MonitorStatus } from '../src/workflows/messages.js';
import { teardown, withWorker } from './support/harness.js';
import { startLiveGenesis, type LiveGenesis } from './support/live-genesis.js';
import { checkpointCount, shortPlan } from './support/short-plan.js';
import { devServerEnv } from './support/temporal.js';

const MINUTE = 60_000;
/** P95 latency regresses this long after the deployment and never recovers (the window is 162 s). */
const REGRESSION_AFTER_SECONDS = 100;

let env: TestWorkflowEnvironment;
let live: LiveGenesis;
let dir: string;
let deployedSec: number;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'deploywatch-extension-'));
  deployedSec = Math.floor(Date.now() / 1000) + 5;
  live = await startLiveGenesis({ p95Seconds: (t) => (t >= deployedSec + REGRESSION_AFTER_SECONDS ? 0.35 : 0.15) });
  env = await devServerEnv();
}, { timeout: 3 * MINUTE });
after(async () => {
  await teardown(env);
  await live?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
}, { timeout: 3 * MINUTE });

/**
 * The short plan with its latency alert and P1 response window on the same scale: the P95 alert
 * reads 20 s of rate and holds for 5 s (instead of 5 m and 5 m), and a P1 or P2 left
 * unacknowledged is reminded after 15 s (instead of 15 and 60 min). No notification channels: this
 * test is about the window.
 */
async function extensionPlan(): Promise<Plan> {
  const base = await shortPlan({ prometheusUrl: live.prometheus.url, reportDir: join(dir, 'reports') });
  return {
    ...base,
    alerts: base.alerts.map((a) => (a.name === 'HighLatencyP95' ? { ...a, for: '5s', expr: a.expr?.replaceAll('[5m]', '[20s]') } : a)),
    escalation: { ...base.escalation, responseMinutes: { ...base.escalation.responseMinutes, P1: 0.25, P2: 0.25 } },
    channels: { ...base.channels, slack: {}, pagerduty: [], email: [] },
  };
}

test('criteria fail: the window extends (continue-as-new), escalations carry on, then the engineering lead decides', { timeout: 10 * MINUTE }, async (t) => {
  const plan = await extensionPlan();
  const windowSeconds = plan.window.durationHours * 3600;
  const extensionCadence = plan.window.extension.cadenceMinutes * 60;
  const extensionOffsets = Array.from({ length: Math.round((plan.window.extension.hours * 3600) / extensionCadence) }, (_, i) => windowSeconds + (i + 1) * extensionCadence);
  const activities = createActivities({ logger: pino({ level: 'silent' }), client: () => env.client, taskQueue: 'extension' });
  const deployedAt = new Date(deployedSec * 1000).toISOString();

  await withWorker(t, env, { taskQueue: 'extension', activities }, async (run) => {
    const handle = run.watch(
      await env.client.workflow.start(deploymentMonitor, {
        workflowId: 'monitor-extension',
        taskQueue: 'extension',
        args: [{ deployment: { id: 'extension', version: '7.0.0', service: 'genesis-orchestration', deployedAt }, plan }],
      }),
    );
    const firstRunId = handle.firstExecutionRunId;
    const watchedIncidents = new Set<string>();
    const poll = (what: string, until: (s: MonitorStatus) => boolean): Promise<MonitorStatus> =>
      run.waitFor(
        what,
        async () => {
          const s = await handle.query(statusQuery);
          // The escalation children's histories go into the failure message too.
          for (const incident of s.incidents.filter((i) => !watchedIncidents.has(i.id))) {
            watchedIncidents.add(incident.id);
            run.watch(env.client.workflow.getHandle(incident.id));
          }
          return until(s) ? s : undefined;
        },
        { timeoutMs: 6 * MINUTE, everyMs: 250 },
      );

    const decision = await poll('the extension limit', (s) => s.incidents.some((i) => i.alert === 'ExtensionLimitReached'));
    const described = await handle.describe();
    assert.notEqual(described.runId, firstRunId, 'the extension continued as new');

    // Run 1's state came across: the window's checkpoints plus the extension's.
    const windowCount = checkpointCount(plan);
    assert.equal(decision.extensions, 1);
    assert.equal(decision.checklist.length, windowCount + extensionOffsets.length);
    assert.deepEqual(decision.checklist.slice(windowCount).map((c) => c.offsetSeconds), extensionOffsets);
    assert.ok(decision.checklist.every((c) => c.finishedAt), 'every checkpoint ran exactly once across both runs');
    assert.deepEqual(decision.verdicts.map((v) => [v.extension, v.passed]), [[0, false], [1, false]]);
    const p95 = (v: MonitorStatus['verdicts'][number]) => v.criteria.find((c) => c.id === 'p95-latency')?.passed;
    assert.equal(p95(decision.verdicts[0]!), false);
    assert.equal(p95(decision.verdicts[1]!), false, 'judged again over the extension period');
    assert.equal(decision.verdicts[1]!.from, new Date((deployedSec + windowSeconds) * 1000).toISOString());

    // The investigation incident opened in run 1 kept escalating on its timers and reported to run 2.
    const investigation = decision.incidents.find((i) => i.alert === 'CriteriaNotMet')!;
    assert.ok(investigation, JSON.stringify(decision.incidents.map((i) => i.alert)));
    assert.ok(investigation.timeline.some((e) => e.event === 'reminder'), JSON.stringify(investigation.timeline));
    assert.deepEqual(investigation.escalatedTo, ['on-call']);
    const latency = decision.incidents.find((i) => i.alert === 'HighLatencyP95')!;
    assert.ok(latency && latency.status !== 'resolved', JSON.stringify(decision.incidents.map((i) => [i.alert, i.status])));
    const limit = decision.incidents.find((i) => i.alert === 'ExtensionLimitReached')!;
    assert.equal(limit.priority, 'P1');

    // The lead decides to accept; both leads sign the handoff; the open P1s are resolved by hand.
    await handle.signal(signOffSignal, { role: 'engineering-lead', actor: 'lead' });
    await poll('the handoff report', (s) => s.handoff !== null);
    await handle.signal(signOffSignal, { role: 'sre-lead', actor: 'sre' });
    for (const incident of [latency, limit, investigation]) {
      await handle.signal(resolveSignal, { incident: incident.number, actor: 'lead', note: 'accepted with the regression' });
    }
    const outcome = await run.result(handle, 'the monitor to complete after the sign-offs', { timeoutMs: 3 * MINUTE });
    assert.equal(outcome.outcome, 'extend');
    assert.ok(outcome.handoff?.paths.some((p) => p.endsWith('.html')));
    assert.ok(outcome.incidents.filter((i) => i.priority === 'P0' || i.priority === 'P1').every((i) => i.status === 'resolved'));
  });
});
