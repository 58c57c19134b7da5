// The handoff's action items: final review, monitoring to adjust, documentation to update.
import { formatMinutes, formatValue, signedPercent } from './format.js';
import type { ActionItem, Baseline, KnownIssue, ReportIncident, ReportInput } from './model.js';
import { NOISE_MINUTES } from './known-issues.js';

/** Retention the Genesis monitoring plan asks for after the handoff (it runs with 7 days during the window). */
const TARGET_RETENTION_DAYS = 30;

export function actionItemsOf(input: ReportInput, incidents: ReportIncident[], baselines: Baseline[], knownIssues: KnownIssue[]): ActionItem[] {
  const noisy = new Map<string, number>();
  for (const i of incidents) {
    const selfCleared = i.resolvedBy === 'auto' || i.resolvedBy === 'ended-before-detection';
    if (selfCleared && i.acknowledgedBy === null && i.durationMinutes <= NOISE_MINUTES) noisy.set(i.alert, (noisy.get(i.alert) ?? 0) + 1);
  }
  const noisyAlerts = [...noisy].filter(([, n]) => n >= 2);
  const sensitivity: ActionItem = noisyAlerts.length
    ? {
        id: 'alert-sensitivity',
        group: 'adjust-monitoring',
        title: 'Reduce alert sensitivity',
        status: 'recommended',
        detail: `${noisyAlerts.map(([a, n]) => `${a}: ${n} incidents cleared by themselves within ${NOISE_MINUTES} min`).join('; ')}. Consider a longer \`for\` or a higher threshold for BAU.`,
      }
    : {
        id: 'alert-sensitivity',
        group: 'adjust-monitoring',
        title: 'Reduce alert sensitivity (if appropriate)',
        status: 'todo',
        detail: 'No alert raised repeated self-clearing incidents. Relax the deployment-window-only rules for BAU (e.g. 100% availability in the intensive phase).',
      };
  const newValues = baselines
    .filter((b) => b.value !== null)
    .map((b) => `${b.title} ${formatValue(b.value, b.unit)}${b.previous !== null ? ` (was ${formatValue(b.previous, b.unit)}, ${signedPercent(b.changePercent)})` : ''}`);
  const lessons = incidents.map(
    (i) => `#${i.number} ${i.alert}: detected after ${formatMinutes(i.minutesToDetect)}, ${i.status === 'resolved' ? `resolved after ${formatMinutes(i.durationMinutes)}` : 'still open'}${i.runbook ? ` (${i.runbook})` : ''}`,
  );
  const archive = input.archive ?? { status: 'not-configured', detail: '' };
  return [
    { id: 'summary-report', group: 'final-review', title: 'Generate 48-hour summary report', status: 'done', detail: 'This report.' },
    { id: 'document-incidents', group: 'final-review', title: 'Document incidents and resolutions', status: 'done', detail: `${incidents.length} incident${incidents.length === 1 ? '' : 's'} with timelines below.` },
    { id: 'known-issues', group: 'final-review', title: 'Update known issues list', status: 'done', detail: `${knownIssues.length} known issue${knownIssues.length === 1 ? '' : 's'} below.` },
    sensitivity,
    {
      id: 'metric-retention',
      group: 'adjust-monitoring',
      title: `Extend metric retention to ${TARGET_RETENTION_DAYS} days`,
      status: 'todo',
      detail: `Run Prometheus with --storage.tsdb.retention.time=${TARGET_RETENTION_DAYS}d (the plan ran with 7 days) so this window stays comparable for a month.`,
    },
    {
      id: 'baseline-metrics',
      group: 'adjust-monitoring',
      title: 'Update baseline metrics',
      status: 'todo',
      detail: newValues.length ? `Set the plan's baselines to the window averages: ${newValues.join('; ')}.` : 'No window averages were available: measure a baseline before the next deployment.',
    },
    { id: 'record-baseline', group: 'update-documentation', title: 'Record new baseline performance', status: 'todo', detail: 'Copy the "New baseline values" table into the performance documentation.' },
    {
      id: 'runbooks',
      group: 'update-documentation',
      title: 'Update runbooks with lessons learned',
      status: 'todo',
      detail: lessons.length ? lessons.join('; ') : 'No incidents: confirm the runbooks still match the deployed version.',
    },
    {
      id: 'archive-logs',
      group: 'update-documentation',
      title: 'Archive deployment logs',
      status: archive.status === 'done' ? 'done' : archive.status === 'failed' ? 'failed' : 'todo',
      detail: archive.status === 'not-configured' ? 'The plan has no handoff.archiveCommand: archive the logs by hand.' : archive.detail,
    },
  ];
}
