// Builds the handoff report from the monitor's record and the window's series. Pure.
import { minutesBetween } from './format.js';
import type { HandoffReport, ReportInput } from './model.js';
import { SIGN_OFF_ROLES } from '../plan/records.js';
import { BAU_SCHEDULE } from './model.js';
import { actionItemsOf } from './action-items.js';
import { chartsOf } from './charts.js';
import { checkpointsOf, healthTimeline } from './checkpoints.js';
import { incidentsOf } from './incidents.js';
import { baselinesOf, knownIssuesOf } from './known-issues.js';

/** What a report covers: the first judgement's start to the last one's end, else to the last checkpoint run. */
export function reportSpan(input: Pick<ReportInput, 'verdicts' | 'records' | 'deployment'>, fallbackTo: string): { from: string; to: string } {
  const lastRecord = input.records.filter((r) => r.status !== 'pending').at(-1);
  return {
    from: input.verdicts[0]?.from ?? input.deployment.deployedAt,
    to: input.verdicts.at(-1)?.to ?? lastRecord?.evaluationTime ?? fallbackTo,
  };
}

function windowOf(input: ReportInput): HandoffReport['window'] {
  const verdicts = input.verdicts;
  const first = verdicts[0];
  const last = verdicts[verdicts.length - 1];
  const { from, to } = reportSpan(input, input.series.to);
  const extensions = verdicts
    .filter((v) => v.extension > 0)
    .map((v) => {
      const before = verdicts.find((p) => p.extension === v.extension - 1);
      const failed = before?.criteria.filter((c) => !c.passed).map((c) => c.id) ?? [];
      return { extension: v.extension, from: v.from, to: v.to, reason: failed.length ? `criteria not met: ${failed.join(', ')}` : 'extended' };
    });
  return {
    from,
    to,
    hours: minutesBetween(from, to) / 60,
    plannedHours: first ? minutesBetween(first.from, first.to) / 60 : minutesBetween(from, to) / 60,
    extensions,
    criteriaFrom: last?.from ?? from,
    criteriaTo: last?.to ?? to,
  };
}

function headlineOf(report: Pick<HandoffReport, 'allCriteriaPassed' | 'criteria' | 'window' | 'deployment'>): string {
  const hours = `${Number(report.window.hours.toFixed(1))} h`;
  const extended = report.window.extensions.length ? ` (incl. ${report.window.extensions.length} extension${report.window.extensions.length === 1 ? '' : 's'})` : '';
  if (report.allCriteriaPassed) {
    return `All ${report.criteria.length} success criteria met over ${hours}${extended}: ${report.deployment.service} ${report.deployment.version} is ready for business-as-usual.`;
  }
  const failed = report.criteria.filter((c) => !c.passed).map((c) => c.title);
  return `${failed.length} of ${report.criteria.length} success criteria not met over ${hours}${extended} (${failed.join(', ')}): handed off by decision, see the known issues.`;
}

export function buildReport(input: ReportInput): HandoffReport {
  const window = windowOf(input);
  const last = input.verdicts[input.verdicts.length - 1];
  const criteria = last ? last.criteria.map((c) => ({ ...c })) : [];
  const allCriteriaPassed = criteria.length > 0 && criteria.every((c) => c.passed);
  const incidents = incidentsOf(input, window.to);
  const baselines = baselinesOf(input);
  const knownIssues = knownIssuesOf(input, incidents, criteria);
  const signOffs = input.signOffs ?? [];
  const required = SIGN_OFF_ROLES.map(({ role, title }) => {
    const s = signOffs.find((x) => x.role === role);
    return { role, title, signedBy: s?.actor ?? null, signedAt: s?.at ?? null, note: s?.note ?? null };
  });
  const base = {
    allCriteriaPassed,
    criteria,
    window,
    deployment: { ...input.deployment },
  };
  return {
    schemaVersion: 1,
    title: `Handoff report: ${input.deployment.service} ${input.deployment.version} (${input.deployment.id})`,
    generatedAt: input.generatedAt,
    deployment: base.deployment,
    planName: input.planName,
    allCriteriaPassed,
    headline: headlineOf(base),
    window,
    checkpoints: checkpointsOf(input.records),
    healthTimeline: healthTimeline(input.records, window.from),
    incidents,
    rollback: input.rollback,
    criteria,
    earlierJudgements: input.verdicts.slice(0, -1).map((v) => ({
      extension: v.extension,
      from: v.from,
      to: v.to,
      passed: v.passed,
      failed: v.criteria.filter((c) => !c.passed).map((c) => c.id),
    })),
    baselines,
    knownIssues,
    actionItems: actionItemsOf(input, incidents, baselines, knownIssues),
    bauSchedule: BAU_SCHEDULE.map((b) => ({ ...b })),
    reviews: [...(input.reviews ?? [])],
    signOff: { required, complete: required.every((r) => r.signedBy !== null) },
    charts: chartsOf(input),
    chartStepSeconds: input.series.stepSeconds,
  };
}
