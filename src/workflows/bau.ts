// Business-as-usual monitoring after graduation, started by Temporal Schedules (see activities/bau.ts).
import { log, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { routeFor, slackWebhookEnv } from '../plan/routing.js';
import type { BauInput } from '../plan/bau.js';
import { ACTIVITY_OPTIONS } from '../temporal/activity-options.js';
import { onCommandsQueue } from './command-activities.js';

const { notifySlack } = proxyActivities<Activities>(ACTIVITY_OPTIONS.notify);

async function post(input: BauInput, text: string): Promise<void> {
  for (const channel of routeFor(input.channels, 'P3').slack) {
    await notifySlack({
      channel,
      webhookEnv: slackWebhookEnv(input.channels, channel),
      notification: {
        incidentId: `bau-${input.service}-${input.kind}`,
        deploymentId: input.deploymentId,
        service: input.service,
        priority: 'P3',
        alert: input.kind,
        event: 'notice',
        title: `${input.service}: ${input.kind.replace(/-/g, ' ')}`,
        summary: text,
        details: {},
      },
    }).catch((err: unknown) => log.warn('BAU post failed', { kind: input.kind, error: String(err) }));
  }
}

/** The Genesis monitoring plan's BAU schedule: daily automated health checks; weekly, monthly and quarterly reviews as reminders. */
export async function bauTask(input: BauInput): Promise<string> {
  if (input.kind !== 'daily-health-check' || !input.healthCheck) {
    const text = `Reminder: ${input.kind.replace(/-/g, ' ')} for ${input.service} is due.`;
    await post(input, text);
    return text;
  }
  const now = new Date(Date.now()).toISOString();
  const { runCheckpoint } = proxyActivities<Activities>({ ...ACTIVITY_OPTIONS.bauCheckpoint, ...onCommandsQueue([input.healthCheck]) });
  const observation = await runCheckpoint({
    deploymentId: input.deploymentId,
    service: input.service,
    checkpoint: { index: 0, label: 'BAU daily health check', offsetSeconds: 0 },
    evaluationTime: now,
    intervalStart: new Date(Date.now() - 24 * 3600 * 1000).toISOString(),
    commands: { 'health-check': input.healthCheck },
  });
  const check = observation.commands[0];
  const text = check?.ok ? `Daily health check passed for ${input.service}.` : `Daily health check FAILED for ${input.service}: ${check?.error ?? `exit ${check?.exitCode}`}`;
  await post(input, text);
  return text;
}
