// What people see of the monitor: the status query, the Temporal UI's current details, search
// attributes, the open-incident gauge, and the team's messages on the SRE channel.
import { log, metricMeter, proxyActivities, setCurrentDetails, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../../activities/index.js';
import { PRIORITIES } from '../../plan/priorities.js';
import type { CheckpointRecord } from '../../plan/records.js';
import type { CheckpointResult, Health } from '../../plan/results.js';
import { routeFor, slackWebhookEnv } from '../../plan/routing.js';
import type { Checkpoint } from '../../plan/schedule.js';
import { ACTIVITY_OPTIONS } from '../../temporal/activity-options.js';
import type { MonitorStatus } from '../messages.js';
import { monitorHealthKey, monitorPhaseKey } from '../search-attributes.js';
import type { MonitorRun } from './state.js';

const notify = proxyActivities<Activities>(ACTIVITY_OPTIONS.notify);

function nextRecord(run: MonitorRun): CheckpointRecord | undefined {
  return run.completed ? undefined : run.state.records.find((r) => r.status === 'pending' || r.status === 'running');
}

export function status(run: MonitorRun): MonitorStatus {
  const { state } = run;
  const next = nextRecord(run);
  return {
    deployment: run.input.deployment,
    planName: run.input.plan.name,
    phase: run.phase,
    health: run.health,
    checklist: state.records,
    nextCheckpoint: next ? { index: next.index, label: next.label, plannedAt: next.plannedAt } : null,
    completed: run.completed,
    incidents: state.incidents,
    rollback: state.rollback,
    rejected: state.rejected,
    extensions: run.extensions,
    verdicts: state.verdicts,
    signOffs: state.signOffs,
    handoff: state.handoff,
    reviews: state.reviews,
  };
}

/** The Temporal UI's "current details": the checklist at a glance (and the incident gauge). */
export function showProgress(run: MonitorRun, note?: string): void {
  publishOpenIncidents(run);
  const { deployment } = run.input;
  const { state } = run;
  const done = state.records.filter((r) => r.finishedAt).length;
  const next = nextRecord(run);
  const open = state.incidents.filter((i) => i.status !== 'resolved');
  const lines = [
    `**${deployment.service} ${deployment.version}** — phase ${run.phase}, health ${run.health}`,
    `${done}/${state.records.length} checkpoints done`,
    next ? `next: ${next.label} at ${next.plannedAt}` : 'window complete',
    open.length ? `open incidents: ${open.map((i) => `${i.priority} ${i.alert} (${i.escalatedTo.at(-1) ?? 'new'})`).join(', ')}` : 'no open incidents',
  ];
  if (state.rollback) lines.push(`rollback: ${state.rollback.ok ? 'done' : 'not done'} — ${state.rollback.detail}`);
  if (note) lines.push(note);
  const details = lines.join('\n\n');
  if (details === run.details) return;
  run.details = details;
  setCurrentDetails(details);
}

/** deploywatch_open_incidents{deployment, priority}, refreshed whenever the monitor reports. */
function publishOpenIncidents(run: MonitorRun): void {
  // Replay drops metrics, so what was published is only known outside replay (a new worker republishes).
  if (workflowInfo().unsafe.isReplaying) return;
  const counts = PRIORITIES.map((priority) =>
    run.completed ? 0 : run.state.incidents.filter((i) => i.priority === priority && i.status !== 'resolved').length,
  );
  // Each set crosses from the workflow sandbox to the worker: only when a count changed.
  if (run.publishedOpen?.every((n, i) => n === counts[i])) return;
  run.publishedOpen = counts;
  const gauge = metricMeter.createGauge('deploywatch_open_incidents', 'int', 'incidents', 'Open incidents by priority');
  PRIORITIES.forEach((priority, i) => gauge.set(counts[i]!, { deployment: run.input.deployment.id, priority }));
}

export function enterPhase(run: MonitorRun, phase: string): void {
  run.phase = phase;
  if (phase === run.announcedPhase) return;
  run.announcedPhase = phase;
  upsertSearchAttributes([{ key: monitorPhaseKey, value: phase }]);
}

export function setHealth(run: MonitorRun, health: Health): void {
  if (health === run.health) return;
  run.health = health;
  upsertSearchAttributes([{ key: monitorHealthKey, value: health }]);
}

/** The Genesis monitoring plan's interim reviews (T+1h summary, T+12h, T+24h, T+36h, …): posted and kept. */
export function review(run: MonitorRun, checkpoint: Checkpoint, result: CheckpointResult): void {
  const { state } = run;
  const text = result.assertions.find((a) => a.assert === 'review')?.detail ?? `health ${result.health}`;
  const open = state.incidents.filter((i) => i.status !== 'resolved');
  const full = `${checkpoint.title} — ${text}; open incidents: ${open.length ? open.map((i) => `#${i.number} ${i.priority} ${i.alert}`).join(', ') : 'none'}`;
  state.reviews.push({ at: state.records[checkpoint.index]!.evaluationTime, label: `${checkpoint.label} ${checkpoint.review ?? 'review'}`, text: full });
  post(run, 'InterimReview', full);
}

/**
 * A message for the team on the SRE channel (the P3 route): reviews, handoff, reminders.
 * Never awaited by the checkpoint loop: a slow Slack must not delay the next check.
 */
export function post(run: MonitorRun, kind: string, text: string): void {
  if (run.input.dryRun) return;
  const { plan, deployment } = run.input;
  for (const channel of routeFor(plan.channels, 'P3').slack) {
    const sent = notify
      .notifySlack({
        channel,
        webhookEnv: slackWebhookEnv(plan.channels, channel),
        notification: {
          incidentId: `${run.workflowId}/${kind}`,
          deploymentId: deployment.id,
          service: deployment.service,
          priority: 'P3',
          alert: kind,
          event: 'notice',
          title: `${deployment.service} ${deployment.version}`,
          summary: text,
          details: {},
        },
      })
      .then(
        () => undefined,
        (err: unknown) => log.warn('could not post to Slack', { kind, error: String(err) }),
      );
    run.posting.push(sent);
  }
}
