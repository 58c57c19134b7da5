// Escalation timelines on the time-skipping server: who is told what, and when.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import pino from 'pino';
import { createActivities } from '../src/activities/index.js';
import { DEFAULT_PLAN_PATH, loadPlanFile } from '../src/plan/load.js';
import type { Plan, Priority } from '../src/plan/schema.js';
import { incidentEscalation } from '../src/workflows/escalation.js';
import { incidentAckSignal, incidentQuery, incidentResolveSignal, notificationsQuery } from '../src/workflows/messages.js';
import type { EscalationInput } from '../src/workflows/inputs.js';
import type { NotificationRecord } from '../src/plan/records.js';
import { withFixtureCommands } from './support/plans.js';
import { teardown, withWorker } from './support/harness.js';
import { timeSkippingEnv } from './support/temporal.js';

const MINUTE = 60_000;
let env: TestWorkflowEnvironment;
let plan: Plan;
const activities = createActivities({ logger: pino({ level: 'silent' }) });
let seq = 0;

before(async () => {
  env = await timeSkippingEnv();
  plan = withFixtureCommands(await loadPlanFile(DEFAULT_PLAN_PATH));
}, { timeout: 3 * 60_000 });
after(async () => {
  await teardown(env);
}, { timeout: 3 * 60_000 });

function escalationInput(priority: Priority, overrides: Partial<EscalationInput['incident']> = {}): EscalationInput {
  const id = `monitor-esc-${++seq}/incident-1`;
  const now = new Date().toISOString();
  return {
    incident: {
      id,
      number: 1,
      alert: 'TestSuiteNotRunning',
      priority,
      summary: 'test incident',
      startedAt: now,
      detectedAt: now,
      evidence: {},
      straightToCommander: false,
      alreadyEnded: false,
      endedAt: null,
      openedBy: null,
      ...overrides,
    },
    deployment: { id: `esc-${seq}`, version: '1', service: 'genesis-orchestration', deployedAt: now },
    monitorWorkflowId: `monitor-esc-${seq}`,
    channels: plan.channels,
    escalation: plan.escalation,
    prometheus: plan.prometheus,
    rule: plan.alerts.find((a) => a.name === 'TestSuiteNotRunning') ?? null,
    runbookUrl: null,
    evalShiftMs: 0,
    dryRun: true,
    excludeChannels: [],
    triage: null,
  };
}

/** Minutes after the first notification at which each matching notification was made. */
function minutesOf(records: NotificationRecord[], match: (r: NotificationRecord) => boolean): number[] {
  const t0 = Date.parse(records[0]!.at);
  return records.filter(match).map((r) => Math.round((Date.parse(r.at) - t0) / MINUTE));
}

async function startEscalation(input: EscalationInput) {
  return await env.client.workflow.start(incidentEscalation, { workflowId: input.incident.id, taskQueue: 'escalation', args: [input] });
}

test('P1: on-call at once, incident commander at 30 min, engineering lead at 2 h; acknowledging does not stop the deadlines', { timeout: 3 * 60_000 }, async (t) => {
  await withWorker(t, env, { taskQueue: 'escalation', activities }, async (run) => {
    const handle = run.watch(await startEscalation(escalationInput('P1')));
    await env.sleep(10 * MINUTE);
    await handle.signal(incidentAckSignal, { actor: 'alice' });
    await env.sleep(3 * 60 * MINUTE);
    await handle.signal(incidentResolveSignal, { actor: 'alice', note: 'fixed' });
    const summary = await run.result(handle, 'the escalation to end');
    const records = await handle.query(notificationsQuery);

    assert.deepEqual(summary.escalatedTo, ['on-call', 'incident-commander', 'engineering-lead']);
    assert.equal(summary.status, 'resolved');
    assert.equal(summary.acknowledgedBy, 'alice');
    const pd = (role: string) => minutesOf(records, (r) => r.channel === 'pagerduty' && r.event === 'escalate' && r.role === role);
    assert.deepEqual(pd('on-call'), [0]);
    assert.deepEqual(pd('incident-commander'), [30]);
    assert.deepEqual(pd('engineering-lead'), [120]);
    assert.ok(records.some((r) => r.channel === 'slack' && r.target === '#genesis-alerts'));
    assert.ok(records.some((r) => r.channel === 'pagerduty' && r.event === 'acknowledge'));
    assert.ok(records.some((r) => r.channel === 'pagerduty' && r.event === 'resolve'));
    assert.ok(!records.some((r) => r.role === 'cto'), 'no CTO without a system-wide outage');
  });
});

test('P0 pages the incident commander at once', { timeout: 3 * 60_000 }, async (t) => {
  await withWorker(t, env, { taskQueue: 'escalation', activities }, async (run) => {
    const handle = run.watch(await startEscalation(escalationInput('P0')));
    await env.sleep(5 * MINUTE);
    const summary = await handle.query(incidentQuery);
    assert.deepEqual(summary.escalatedTo, ['on-call', 'incident-commander']);
    await handle.signal(incidentResolveSignal, { actor: 'bob' });
    await run.result(handle, 'the escalation to end');
  });
});

test('P2: notice, a reminder when the 1 h window ends unacknowledged, on-call paged after a second missed window', { timeout: 3 * 60_000 }, async (t) => {
  await withWorker(t, env, { taskQueue: 'escalation', activities }, async (run) => {
    const handle = run.watch(await startEscalation(escalationInput('P2', { alert: 'HighCPUUsage' })));
    await env.sleep(150 * MINUTE);
    await handle.signal(incidentResolveSignal, { actor: 'carol' });
    const summary = await run.result(handle, 'the escalation to end');
    const records = await handle.query(notificationsQuery);
    assert.deepEqual(minutesOf(records, (r) => r.channel === 'slack' && r.event === 'notice'), [0]);
    assert.deepEqual(minutesOf(records, (r) => r.channel === 'slack' && r.event === 'reminder'), [60]);
    assert.deepEqual(minutesOf(records, (r) => r.event === 'escalate' && r.role === 'on-call'), [120, 120]);
    assert.ok(records.every((r) => r.channel !== 'pagerduty' || r.role === 'on-call' || r.event === 'resolve'));
    assert.deepEqual(summary.escalatedTo, ['on-call']);
    assert.ok(records.every((r) => r.target !== '#genesis-alerts'), 'P2 goes to #genesis-monitoring');
  });
});

test('P2 acknowledged within its window: no reminder, nobody paged', { timeout: 3 * 60_000 }, async (t) => {
  await withWorker(t, env, { taskQueue: 'escalation', activities }, async (run) => {
    const handle = run.watch(await startEscalation(escalationInput('P2', { alert: 'HighMemoryUsage' })));
    await env.sleep(20 * MINUTE);
    await handle.signal(incidentAckSignal, { actor: 'dave' });
    await env.sleep(200 * MINUTE);
    await handle.signal(incidentResolveSignal, { actor: 'dave' });
    const summary = await run.result(handle, 'the escalation to end');
    const records = await handle.query(notificationsQuery);
    assert.deepEqual(summary.escalatedTo, []);
    assert.deepEqual(records.map((r) => r.event), ['notice', 'acknowledge', 'resolve']);
  });
});

test('P4 goes to the daily digest (email + #genesis-logs) only', { timeout: 3 * 60_000 }, async (t) => {
  await withWorker(t, env, { taskQueue: 'escalation', activities }, async (run) => {
    const handle = run.watch(await startEscalation(escalationInput('P4', { alert: 'IntermittentTestFailures' })));
    await env.sleep(26 * 60 * MINUTE);
    await handle.signal(incidentResolveSignal, { actor: 'erin' });
    await run.result(handle, 'the escalation to end');
    const records = await handle.query(notificationsQuery);
    const digests = records.filter((r) => r.event === 'digest');
    assert.deepEqual(digests.map((r) => r.channel).sort(), ['email', 'slack']);
    assert.equal(digests.find((r) => r.channel === 'slack')?.target, '#genesis-logs');
    assert.ok(!records.some((r) => r.channel === 'pagerduty'));
  });
});

test('a breach found after it ended is recorded as resolved with a notice: no page', { timeout: 3 * 60_000 }, async (t) => {
  await withWorker(t, env, { taskQueue: 'escalation', activities }, async (run) => {
    const handle = run.watch(await startEscalation(escalationInput('P1', { alreadyEnded: true, endedAt: new Date().toISOString() })));
    const summary = await run.result(handle, 'the escalation to end');
    const records = await handle.query(notificationsQuery);
    assert.equal(summary.status, 'resolved');
    assert.equal(summary.resolvedBy, 'ended-before-detection');
    assert.deepEqual(summary.escalatedTo, []);
    assert.ok(records.length > 0 && records.every((r) => r.event === 'notice' && r.channel === 'slack'));
  });
});
