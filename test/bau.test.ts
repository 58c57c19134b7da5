// Business-as-usual after graduation: Temporal Schedules on a real dev server.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { MockActivityEnvironment } from '@temporalio/testing';
import pino from 'pino';
import { createActivities } from '../src/activities/index.js';
import { bauScheduleId, createBauActivity } from '../src/activities/bau.js';
import { DEFAULT_PLAN_PATH, loadPlanFile } from '../src/plan/load.js';
import type { Plan } from '../src/plan/schema.js';
import { withFixtureCommands } from './support/plans.js';
import { startSlackReceiver, type SlackReceiver } from './support/receivers.js';
import { teardown, withWorker } from './support/harness.js';
import { devServerEnv } from './support/temporal.js';

let env: TestWorkflowEnvironment;
let slack: SlackReceiver;
let plan: Plan;

before(async () => {
  env = await devServerEnv();
  slack = await startSlackReceiver();
  plan = withFixtureCommands(await loadPlanFile(DEFAULT_PLAN_PATH));
}, { timeout: 3 * 60_000 });
after(async () => {
  await slack?.close();
  await teardown(env);
}, { timeout: 3 * 60_000 });

const KINDS = ['daily-health-check', 'weekly-performance-review', 'monthly-capacity-planning', 'quarterly-optimization'] as const;

test('graduation sets up the four BAU schedules idempotently, and they run', { timeout: 3 * 60_000 }, async (t) => {
  const webhookEnv = plan.channels.slackWebhookEnv['#genesis-monitoring']!;
  const activities = createActivities({ logger: pino({ level: 'silent' }), env: { [webhookEnv]: slack.url('/services/T1/B1/bau') } });
  await withWorker(t, env, { taskQueue: 'bau', activities }, async (run) => {
    const ensure = createBauActivity({ client: () => env.client, taskQueue: 'bau' });
    const deployment = { id: 'bau-1', version: '8.0.0', service: 'genesis-orchestration', deployedAt: new Date().toISOString() };
    const input = { deployment, plan: { name: plan.name, service: plan.service, channels: plan.channels, commands: plan.commands } };

    const first = await new MockActivityEnvironment().run(ensure, input);
    // A second graduation of the same service updates the schedules rather than failing or adding more.
    const second = await new MockActivityEnvironment().run(ensure, { ...input, deployment: { ...deployment, id: 'bau-2', version: '8.0.1' } });
    assert.deepEqual(first, KINDS.map((k) => bauScheduleId('genesis-orchestration', k)));
    assert.deepEqual(second, first);

    const listed: string[] = [];
    for await (const s of env.client.schedule.list()) listed.push(s.scheduleId);
    assert.deepEqual(listed.sort(), [...first].sort());

    const daily = await env.client.schedule.getHandle(bauScheduleId('genesis-orchestration', 'daily-health-check')).describe();
    assert.equal(daily.spec.calendars?.[0]?.hour?.[0]?.start, 6, 'daily at 06:00');
    assert.equal(daily.action.type, 'startWorkflow');
    assert.equal((daily.action.args?.[0] as { deploymentId: string }).deploymentId, 'bau-2', 'the newest graduation owns the schedule');

    // Triggered now, the daily health check runs the plan's health check and posts the result.
    await env.client.schedule.getHandle(bauScheduleId('genesis-orchestration', 'daily-health-check')).trigger();
    await run.waitFor("the daily health check's Slack post", async () => (slack.messages.length > 0 ? true : undefined));
    assert.equal(slack.messages.length, 1);
    assert.match(JSON.stringify(slack.messages[0]), /Daily health check passed for genesis-orchestration/);
  });
});
