// The whole default 48-hour plan on the time-skipping server, judged from the workflow's own record.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import pino from 'pino';
import { createActivities } from '../src/activities/index.js';
import { DEFAULT_PLAN_PATH, loadPlanFile } from '../src/plan/load.js';
import { deploymentMonitor } from '../src/workflows/deployment-monitor/index.js';
import { signOffSignal, statusQuery } from '../src/workflows/messages.js';
import { genesisHistory } from './support/genesis-history.js';
import { withFixtureCommands } from './support/plans.js';
import { openMetrics, startPrometheus, type RunningPrometheus } from './support/prometheus.js';
import { teardown, withWorker } from './support/harness.js';
import { timeSkippingEnv } from './support/temporal.js';

const HOUR = 3600;
/** The slow check's own duration, and the most any checkpoint may start late (well under it). */
const SLOW_SECONDS = 20;
const MAX_LAG_MS = 10_000;
let env: TestWorkflowEnvironment;
let prometheus: RunningPrometheus | undefined;

before(async () => {
  env = await timeSkippingEnv();
  // The time-skipping clock starts at real now: a healthy service over the next 49 hours, backfilled
  // (Prometheus answers for future times too). 60 s samples keep the backfill small; the plan's
  // 15 s query steps read them through Prometheus's lookback.
  const now = Math.floor(Date.now() / 60_000) * 60;
  prometheus = await startPrometheus({ history: openMetrics(genesisHistory({ fromSec: now - HOUR, toSec: now + 49 * HOUR, stepSec: 60 })) });
}, { timeout: 3 * 60_000 });
after(async () => {
  await teardown(env);
  await prometheus?.stop();
}, { timeout: 3 * 60_000 });

test('the default plan runs all 51 checkpoints on time, each with its actions, despite a slow check', { timeout: 10 * 60_000 }, async (t) => {
  const slowAt = 3 * HOUR; // T+3h, inside the 15-minute phase
  const plan = withFixtureCommands(await loadPlanFile(DEFAULT_PLAN_PATH), { slowAtOffsetSeconds: slowAt, slowSeconds: SLOW_SECONDS, prometheusUrl: prometheus!.url });
  const activities = createActivities({ logger: pino({ level: 'silent' }), client: () => env.client, taskQueue: 'monitor-48h' });
  let deployedAt = '';

  const { outcome, status } = await withWorker(t, env, { taskQueue: 'monitor-48h', activities }, async (run) => {
    deployedAt = new Date(await env.currentTimeMs()).toISOString();
    const handle = run.watch(await env.client.workflow.start(deploymentMonitor, {
      workflowId: 'monitor-test-48h',
      taskQueue: 'monitor-48h',
      args: [{ deployment: { id: 'test-48h', version: '4.0.0', service: 'genesis-orchestration', deployedAt }, plan }],
    }));
    // Signing off before there is anything to sign is refused (and recorded, not fatal).
    await handle.signal(signOffSignal, { role: 'sre-lead', actor: 'too-early' });
    // Waiting on the result is what lets the time-skipping server skip ahead; the handoff is then
    // seen through queries.
    const result = run.result(handle, 'the window to end after the sign-offs', { timeoutMs: 8 * 60_000 });
    result.catch(() => undefined);
    // The window graduates: wait for the handoff report, then both leads sign off.
    await run.waitFor('the handoff report', async () => ((await handle.query(statusQuery)).handoff ? true : undefined), { timeoutMs: 6 * 60_000, everyMs: 200 });
    await handle.signal(signOffSignal, { role: 'engineering-lead', actor: 'erin' });
    await handle.signal(signOffSignal, { role: 'sre-lead', actor: 'sam' });
    const outcome = await result;
    return { outcome, status: await handle.query(statusQuery) };
  });

  assert.equal(outcome.outcome, 'graduated');
  assert.deepEqual(outcome.verdicts.map((v) => [v.extension, v.passed]), [[0, true]]);
  assert.deepEqual(outcome.verdicts[0]!.criteria.map((c) => c.id).sort(), [
    'error-rate', 'no-unresolved-p1', 'p95-latency', 'performance-baseline', 'resource-stability', 'test-pass-rate', 'uptime', 'zero-rollbacks',
  ]);
  assert.deepEqual(outcome.signOffs.map((s) => s.role).sort(), ['engineering-lead', 'sre-lead']);
  assert.deepEqual(outcome.handoff?.paths.map((p) => p.split('.').pop()).sort(), ['html', 'json', 'md']);
  for (const path of outcome.handoff!.paths) assert.ok((await stat(path)).size > 1000, `${path} was written`);
  assert.match(status.rejected[0]?.reason ?? '', /nothing to sign off yet/);
  // Interim reviews, kept in the state (and posted, where a Slack webhook is configured).
  assert.deepEqual(status.reviews.map((r) => r.label.split(' ')[0]), ['T+1h', 'T+12h', 'T+18h', 'T+24h', 'T+36h', 'T+48h']);
  assert.match(status.reviews[0]!.text, /open incidents: none/);
  // The time-skipping server has no Schedules: the failure is recorded, the graduation stands.
  assert.notEqual(outcome.handoff?.bauError, null);

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
    // Every checkpoint, including those after the slow one, started at its planned time: a schedule
    // that drifted would add the slow check's 20 s. The ceiling leaves room for a busy machine.
    assert.ok(lagMs >= 0 && lagMs < MAX_LAG_MS, `${c.label} started ${lagMs} ms after its planned time`);
    assert.equal(c.evaluationTime, new Date(deployedMs + c.offsetSeconds * 1000).toISOString());
    assert.deepEqual(c.result?.commands.map((r) => r.id).sort(), [...c.actions].sort(), `${c.label} ran what it recorded`);
    assert.ok(c.result?.commands.every((r) => r.ok), `${c.label} commands passed`);
    assert.deepEqual(c.result?.inconclusive, [], `${c.label} judged every alert`);
    assert.equal(c.status, 'passed', `${c.label}: ${JSON.stringify({ findings: c.result?.findings, failed: c.result?.assertions.filter((a) => !a.passed) })}`);
  }

  const slow = list.find((c) => c.offsetSeconds === slowAt)!;
  assert.ok(Date.parse(slow.finishedAt!) - Date.parse(slow.startedAt!) >= SLOW_SECONDS * 1000, `the slow check really took ${SLOW_SECONDS} s`);

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
