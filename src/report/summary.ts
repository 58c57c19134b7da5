// The few lines the monitor posts to Slack when it hands off (Slack mrkdwn; the caller posts it).
import { formatTime, formatValue, signedPercent } from './format.js';
import type { HandoffReport } from './model.js';

export function renderSummary(report: HandoffReport, reportLocation?: string): string {
  const d = report.deployment;
  const cp = report.checkpoints;
  const passed = report.criteria.filter((c) => c.passed).length;
  const unresolved = report.incidents.filter((i) => i.status !== 'resolved').length;
  const incidents = report.incidents.length
    ? `${report.incidents.length} (${report.incidents.slice(0, 3).map((i) => `#${i.number} ${i.alert} ${i.priority} ${i.status}`).join(', ')}${report.incidents.length > 3 ? ', …' : ''}); ${unresolved} unresolved`
    : 'none';
  const baselines = report.baselines
    .filter((b) => b.group === 'performance' && b.value !== null)
    .map((b) => `${b.title} ${formatValue(b.value, b.unit)}${b.changePercent !== null ? ` (${signedPercent(b.changePercent)})` : ''}`);
  const failed = report.criteria.filter((c) => !c.passed).map((c) => c.title);
  const lines = [
    `*Handoff to BAU: ${d.service} ${d.version}* (deployment ${d.id})`,
    `${report.allCriteriaPassed ? ':white_check_mark:' : ':warning:'} ${report.headline}`,
    `Window: ${formatTime(report.window.from)} → ${formatTime(report.window.to)}`,
    `Success criteria: ${passed}/${report.criteria.length} met${failed.length ? ` (not met: ${failed.join(', ')})` : ''}`,
    `Checkpoints: ${cp.run} run, ${cp.passed} passed, ${cp.failed} failed, ${cp.inconclusive} inconclusive`,
    `Incidents: ${incidents}. Rollbacks: ${report.rollback ? 1 : 0}`,
    ...(baselines.length ? [`New baseline: ${baselines.join(', ')}`] : []),
    `Known issues: ${report.knownIssues.length}`,
    `Sign-off needed: ${report.signOff.required.filter((r) => !r.signedBy).map((r) => r.title).join(' + ') || 'none (complete)'}`,
    ...(reportLocation ? [`Report: ${reportLocation}`] : []),
  ];
  return lines.join('\n');
}
