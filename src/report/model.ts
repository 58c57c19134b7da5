// The handoff report as data: everything the seed's "Handoff to BAU" asks for, built from the
// monitor's record and the window's series. Pure: the renderers and the activity share it.
import type { CriterionResult, WindowAverage } from '../plan/criteria/index.js';
import { formatDuration } from '../plan/duration.js';
import type { Health } from '../plan/results.js';
import type { AlertRule, Plan, Priority } from '../plan/schema.js';
import type { CheckpointRecord, CheckpointStatus, Deployment, IncidentSummary, RollbackRecord, TimelineEntry } from '../plan/records.js';
import { formatMinutes, formatValue, signedPercent, type Unit } from './format.js';

/** A criterion as the monitor stores it (its id typed as any string). */
export type ReportCriterion = Omit<CriterionResult, 'id'> & { id: string };

/** One judgement of the criteria: the 48-hour window (extension 0) or an extension period. */
export interface WindowJudgement {
  extension: number;
  from: string;
  to: string;
  passed: boolean;
  criteria: ReportCriterion[];
}

/** One line of a chart: [ISO time, value in the series' unit]. */
export interface SeriesLine {
  /** `sloKey(group, id)` of the SLO it plots. */
  key: string;
  title: string;
  unit: Unit;
  points: Array<[string, number]>;
  /** Why there are no points, when the query failed. */
  error?: string;
}

/** What fetchReportSeries (activities/report.ts) read from Prometheus for the report. */
export interface ReportSeries {
  from: string;
  to: string;
  stepSeconds: number;
  lines: SeriesLine[];
  /** Window averages of the performance and resource SLOs at the measurement window. */
  averages: WindowAverage[];
}

export interface ReportReview {
  at: string;
  label: string;
  text: string;
}

export interface ReportSignOff {
  role: string;
  actor: string;
  at: string;
  note?: string;
}

export interface ArchiveOutcome {
  status: 'done' | 'failed' | 'not-configured';
  detail: string;
}

export interface ReportInput {
  deployment: Deployment;
  planName: string;
  generatedAt: string;
  slos: Plan['slos'];
  criteria: Plan['criteria'];
  records: readonly CheckpointRecord[];
  incidents: readonly IncidentSummary[];
  rollback: RollbackRecord | null;
  /** Every judgement, oldest first; the last one is the verdict this report hands off on. */
  verdicts: readonly WindowJudgement[];
  knownFlakyTests: readonly string[];
  series: ReportSeries;
  alerts?: ReadonlyArray<Pick<AlertRule, 'name' | 'runbook'>>;
  runbookBaseUrl?: string;
  archive?: ArchiveOutcome;
  reviews?: readonly ReportReview[];
  signOffs?: readonly ReportSignOff[];
}

export interface HealthSpan {
  from: string;
  to: string;
  health: Health;
  checkpoints: number;
}

export interface ReportCheckpoint {
  index: number;
  label: string;
  title: string;
  phaseId: string;
  at: string;
  status: CheckpointStatus;
  health: Health | null;
  /** Findings and failed assertions, one line each. */
  notes: string[];
}

export interface ReportIncident {
  number: number;
  alert: string;
  priority: Priority;
  status: IncidentSummary['status'];
  summary: string;
  startedAt: string;
  detectedAt: string;
  resolvedAt: string | null;
  resolvedBy: string | null;
  acknowledgedBy: string | null;
  escalatedTo: string[];
  /** Start of the breach to its resolution (or the window's end while unresolved). */
  durationMinutes: number;
  minutesToDetect: number;
  resolution: string;
  runbook: string | null;
  timeline: TimelineEntry[];
}

export interface Baseline {
  group: 'performance' | 'resources';
  id: string;
  title: string;
  unit: Unit;
  /** The plan's baseline (performance only). */
  previous: number | null;
  /** The window average: the new baseline. */
  value: number | null;
  changePercent: number | null;
  coverage: number;
}

export type KnownIssueKind = 'unresolved-incident' | 'recurring-incident' | 'flaky-test' | 'failing-test' | 'criterion';

export interface KnownIssue {
  kind: KnownIssueKind;
  title: string;
  detail: string;
  since: string | null;
}

export type ActionGroup = 'final-review' | 'adjust-monitoring' | 'update-documentation';
export type ActionStatus = 'done' | 'todo' | 'recommended' | 'failed';

export interface ActionItem {
  id: string;
  group: ActionGroup;
  title: string;
  status: ActionStatus;
  detail: string;
}

export interface BauItem {
  id: string;
  title: string;
  cadence: 'daily' | 'weekly' | 'monthly' | 'quarterly';
  automated: boolean;
  detail: string;
}

export interface ChartMarker {
  at: string;
  value: number;
  label: string;
  ok: boolean;
}

export interface ReportChart {
  id: string;
  title: string;
  unit: Unit;
  lines: SeriesLine[];
  threshold: { value: number; label: string } | null;
  /** Fixed axis bounds in the series' unit, when the data should not choose them. */
  yMin: number | null;
  yMax: number | null;
  markers: ChartMarker[];
  /** Said instead of the chart when there is nothing to draw. */
  note: string | null;
}

export interface HandoffReport {
  schemaVersion: 1;
  title: string;
  generatedAt: string;
  deployment: Deployment;
  planName: string;
  allCriteriaPassed: boolean;
  headline: string;
  window: {
    from: string;
    to: string;
    hours: number;
    plannedHours: number;
    extensions: Array<{ extension: number; from: string; to: string; reason: string }>;
    /** The period the criteria table was judged over (the last extension, after one). */
    criteriaFrom: string;
    criteriaTo: string;
  };
  checkpoints: {
    planned: number;
    run: number;
    passed: number;
    failed: number;
    inconclusive: number;
    pending: number;
    list: ReportCheckpoint[];
  };
  healthTimeline: HealthSpan[];
  incidents: ReportIncident[];
  rollback: RollbackRecord | null;
  criteria: ReportCriterion[];
  earlierJudgements: Array<{ extension: number; from: string; to: string; passed: boolean; failed: string[] }>;
  baselines: Baseline[];
  knownIssues: KnownIssue[];
  actionItems: ActionItem[];
  bauSchedule: BauItem[];
  reviews: ReportReview[];
  signOff: {
    required: Array<{ role: string; title: string; signedBy: string | null; signedAt: string | null; note: string | null }>;
    complete: boolean;
  };
  charts: ReportChart[];
  chartStepSeconds: number;
}

/** The seed's BAU monitoring schedule. */
export const BAU_SCHEDULE: readonly BauItem[] = [
  { id: 'daily-health-check', title: 'Daily health checks', cadence: 'daily', automated: true, detail: 'Automated: the health check and the critical SLOs, once a day.' },
  { id: 'weekly-performance-review', title: 'Weekly performance reviews', cadence: 'weekly', automated: false, detail: 'Compare HTDAG, HALO, AOP and throughput with the new baseline below.' },
  { id: 'monthly-capacity-planning', title: 'Monthly capacity planning', cadence: 'monthly', automated: false, detail: 'CPU, memory and disk trends against their warning levels.' },
  { id: 'quarterly-optimization', title: 'Quarterly optimization cycles', cadence: 'quarterly', automated: false, detail: 'Pick the slowest component and the noisiest alert to improve.' },
];

/** "Sign-off Required: Engineering Lead + SRE Lead". */
export const SIGN_OFF_ROLES = [
  { role: 'engineering-lead', title: 'Engineering Lead' },
  { role: 'sre-lead', title: 'SRE Lead' },
] as const;

/** Retention the seed asks for after the handoff (it runs with 7 days during the window). */
const TARGET_RETENTION_DAYS = 30;
/** An incident that cleared by itself within this long, unacknowledged, is alert noise. */
const NOISE_MINUTES = 30;

const minutesBetween = (from: string, to: string): number => (Date.parse(to) - Date.parse(from)) / 60_000;

function windowOf(input: ReportInput): HandoffReport['window'] {
  const verdicts = input.verdicts;
  const first = verdicts[0];
  const last = verdicts[verdicts.length - 1];
  const lastRecord = input.records.filter((r) => r.status !== 'pending').at(-1);
  const from = first?.from ?? input.deployment.deployedAt;
  const to = last?.to ?? lastRecord?.evaluationTime ?? input.series.to;
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

function checkpointNotes(r: CheckpointRecord): string[] {
  const result = r.result;
  if (!result) return [];
  return [
    ...result.findings.map((f) => `${f.priority} ${f.alert}: ${f.summary}`),
    ...result.assertions.filter((a) => !a.passed).map((a) => `${a.assert}: ${a.detail}`),
    ...result.commands.filter((c) => !c.ok).map((c) => `${c.id} failed${c.error ? `: ${c.error}` : c.exitCode !== null ? ` (exit ${c.exitCode})` : ''}`),
    ...(result.inconclusive.length ? [`inconclusive: ${result.inconclusive.join(', ')}`] : []),
  ];
}

function checkpointsOf(records: readonly CheckpointRecord[]): HandoffReport['checkpoints'] {
  const count = (s: CheckpointStatus): number => records.filter((r) => r.status === s).length;
  return {
    planned: records.length,
    run: records.filter((r) => r.status !== 'pending').length,
    passed: count('passed'),
    failed: count('failed'),
    inconclusive: count('inconclusive'),
    pending: count('pending'),
    list: records.map((r) => ({
      index: r.index,
      label: r.label,
      title: r.title,
      phaseId: r.phaseId,
      at: r.evaluationTime,
      status: r.status,
      health: r.result?.health ?? null,
      notes: checkpointNotes(r),
    })),
  };
}

/** Each checkpoint's health covers the interval since the previous one; equal neighbours merge. */
function healthTimeline(records: readonly CheckpointRecord[], from: string): HealthSpan[] {
  const spans: HealthSpan[] = [];
  let previous = from;
  for (const r of records) {
    if (!r.result) continue;
    const health = r.result.health;
    const last = spans[spans.length - 1];
    if (last && last.health === health) {
      last.to = r.evaluationTime;
      last.checkpoints++;
    } else {
      spans.push({ from: previous, to: r.evaluationTime, health, checkpoints: 1 });
    }
    previous = r.evaluationTime;
  }
  return spans;
}

function runbookFor(alert: string, input: ReportInput): string | null {
  const anchor = input.alerts?.find((a) => a.name === alert)?.runbook;
  if (!anchor || !input.runbookBaseUrl) return null;
  return `${input.runbookBaseUrl}#${anchor}`;
}

function resolutionOf(i: IncidentSummary): string {
  if (i.status !== 'resolved') return `Unresolved (${i.status}${i.acknowledgedBy ? `, acknowledged by ${i.acknowledgedBy}` : ''}).`;
  const note = [...i.timeline].reverse().find((t) => t.event === 'resolved')?.detail;
  const after = i.resolvedAt ? ` after ${formatMinutes(minutesBetween(i.startedAt, i.resolvedAt))}` : '';
  if (i.resolvedBy === 'ended-before-detection') return `Had already ended when it was found${after}: recorded, nobody paged.`;
  if (i.resolvedBy === 'auto') return `Resolved automatically${after}: ${note?.replace(/^auto: /, '') ?? 'the condition cleared'}.`;
  return `Resolved by ${i.resolvedBy ?? 'unknown'}${after}${note ? `: ${note.replace(/^[^:]+: /, '')}` : ''}.`;
}

function incidentsOf(input: ReportInput, windowTo: string): ReportIncident[] {
  return [...input.incidents]
    .sort((a, b) => a.startedAt.localeCompare(b.startedAt) || a.number - b.number)
    .map((i) => ({
      number: i.number,
      alert: i.alert,
      priority: i.priority,
      status: i.status,
      summary: i.summary,
      startedAt: i.startedAt,
      detectedAt: i.detectedAt,
      resolvedAt: i.resolvedAt,
      resolvedBy: i.resolvedBy,
      acknowledgedBy: i.acknowledgedBy,
      escalatedTo: [...i.escalatedTo],
      durationMinutes: Math.max(0, minutesBetween(i.startedAt, i.resolvedAt ?? windowTo)),
      minutesToDetect: Math.max(0, minutesBetween(i.startedAt, i.detectedAt)),
      resolution: resolutionOf(i),
      runbook: runbookFor(i.alert, input),
      timeline: [...i.timeline],
    }));
}

function baselinesOf(input: ReportInput): Baseline[] {
  return (['performance', 'resources'] as const).flatMap((group) =>
    input.slos[group].map((slo): Baseline => {
      const avg = input.series.averages.find((a) => a.group === group && a.id === slo.id);
      const value = avg?.average ?? null;
      const previous = group === 'performance' ? (slo.baseline ?? null) : null;
      const changePercent = value !== null && previous ? ((value - previous) / previous) * 100 : null;
      return { group, id: slo.id, title: slo.title, unit: slo.unit, previous, value, changePercent, coverage: avg?.coverage ?? 0 };
    }),
  );
}

interface TestStats {
  command: string;
  name: string;
  failures: number;
  runs: number;
  firstFailedAt: string;
}

/** A test that fails in some runs of a command and passes in others is flaky; in every run, failing. */
function testStats(records: readonly CheckpointRecord[]): TestStats[] {
  const runs = new Map<string, number>();
  const stats = new Map<string, TestStats>();
  for (const r of records) {
    for (const c of r.result?.commands ?? []) {
      if (!c.tests) continue;
      runs.set(c.id, (runs.get(c.id) ?? 0) + 1);
      for (const name of new Set(c.tests.failing)) {
        const key = `${c.id}\u0000${name}`;
        const s = stats.get(key) ?? { command: c.id, name, failures: 0, runs: 0, firstFailedAt: r.evaluationTime };
        s.failures++;
        stats.set(key, s);
      }
    }
  }
  return [...stats.values()].map((s) => ({ ...s, runs: runs.get(s.command) ?? s.failures }));
}

function knownIssuesOf(input: ReportInput, incidents: ReportIncident[], criteria: ReportCriterion[]): KnownIssue[] {
  const issues: KnownIssue[] = [];
  for (const i of incidents.filter((x) => x.status !== 'resolved')) {
    issues.push({ kind: 'unresolved-incident', title: `#${i.number} ${i.alert} (${i.priority}) is ${i.status}`, detail: i.summary, since: i.startedAt });
  }
  const byAlert = new Map<string, ReportIncident[]>();
  for (const i of incidents) byAlert.set(i.alert, [...(byAlert.get(i.alert) ?? []), i]);
  for (const [alert, list] of byAlert) {
    if (list.length < 2) continue;
    issues.push({
      kind: 'recurring-incident',
      title: `${alert} opened ${list.length} incidents`,
      detail: `Incidents ${list.map((i) => `#${i.number}`).join(', ')}: a recurring cause to find rather than a one-off.`,
      since: list[0]!.startedAt,
    });
  }
  const flakyListed = new Set(input.knownFlakyTests);
  for (const s of testStats(input.records)) {
    const always = s.failures === s.runs && s.runs > 1;
    const listed = flakyListed.has(s.name) ? ' (listed in knownFlakyTests)' : '';
    issues.push({
      kind: always ? 'failing-test' : 'flaky-test',
      title: `${s.name}${listed}`,
      detail: `Failed in ${s.failures} of ${s.runs} ${s.command} runs${always ? ': failing, not flaky' : ''}.`,
      since: s.firstFailedAt,
    });
  }
  for (const name of input.knownFlakyTests) {
    if (issues.some((i) => i.title.startsWith(name))) continue;
    issues.push({ kind: 'flaky-test', title: `${name} (listed in knownFlakyTests)`, detail: 'Known flaky before the deployment; did not fail during the window.', since: null });
  }
  for (const c of criteria.filter((x) => !x.passed)) {
    issues.push({ kind: 'criterion', title: `${c.title}: ${c.inconclusive ? 'inconclusive' : 'not met'}`, detail: c.detail, since: c.worstAt });
  }
  return issues;
}

function actionItemsOf(input: ReportInput, incidents: ReportIncident[], baselines: Baseline[], knownIssues: KnownIssue[]): ActionItem[] {
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

function niceFloor(value: number): number {
  return Math.max(0, Math.floor(value));
}

function chartsOf(input: ReportInput): ReportChart[] {
  const { criteria, series } = input;
  const line = (key: string): SeriesLine[] => series.lines.filter((l) => l.key === key);
  const note = (lines: SeriesLine[]): string | null => {
    if (lines.length === 0) return 'not measured: the plan has no such SLO';
    if (lines.every((l) => l.points.length === 0)) return lines.map((l) => l.error ?? 'no data in the window').join('; ');
    return null;
  };
  const runs: ChartMarker[] = input.records.flatMap((r) =>
    (r.result?.commands ?? [])
      .filter((c) => c.tests && c.tests.passRate !== null)
      .map((c) => ({ at: r.evaluationTime, value: c.tests!.passRate!, label: `${c.id} at ${r.label}: ${c.tests!.passRate}%`, ok: c.tests!.passRate! >= criteria.testPassRatePercent })),
  );
  const passLines = line('critical/test-pass-rate');
  const passValues = [...passLines.flatMap((l) => l.points.map(([, v]) => v)), ...runs.map((r) => r.value), criteria.testPassRatePercent];
  const resources = series.lines.filter((l) => l.key.startsWith('resources/'));
  const errorLines = line('critical/error-rate');
  const p95Lines = line('critical/p95-latency');
  const worstOf = `worst ${criteria.measurementWindow} window in each ${formatDuration(series.stepSeconds)}`;
  return [
    {
      id: 'error-rate',
      title: `Error rate (${worstOf})`,
      unit: 'ratio',
      lines: errorLines,
      threshold: { value: criteria.errorRateRatio, label: `limit ${formatValue(criteria.errorRateRatio, 'ratio')}` },
      yMin: 0,
      yMax: null,
      markers: [],
      note: note(errorLines),
    },
    {
      id: 'p95-latency',
      title: `P95 latency (${worstOf})`,
      unit: 'seconds',
      lines: p95Lines,
      threshold: { value: criteria.p95LatencySeconds, label: `limit ${formatValue(criteria.p95LatencySeconds, 'seconds')}` },
      yMin: 0,
      yMax: null,
      markers: [],
      note: note(p95Lines),
    },
    {
      id: 'test-pass-rate',
      title: `Test pass rate (${worstOf}; dots: the monitor’s own test runs)`,
      unit: 'percent',
      lines: passLines,
      threshold: { value: criteria.testPassRatePercent, label: `limit ${criteria.testPassRatePercent}%` },
      yMin: niceFloor(Math.min(...passValues) - 1),
      yMax: 100,
      markers: runs,
      note: runs.length ? null : note(passLines),
    },
    {
      id: 'resources',
      title: 'Resources: CPU, memory, disk (busiest host or fullest filesystem)',
      unit: 'percent',
      lines: resources,
      threshold: null,
      yMin: 0,
      yMax: 100,
      markers: [],
      note: note(resources),
    },
  ];
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
