// The handoff report as data: everything the Genesis monitoring plan's "Handoff to BAU" asks for.
// Types only, with the two fixed lists; build-report.ts builds it, the renderers and the activity share it.
import type { CriterionResult, WindowAverage } from '../plan/criteria/index.js';
import type { Health } from '../plan/results.js';
import type { AlertRule, Plan, Priority } from '../plan/schema.js';
import type { CheckpointRecord, CheckpointStatus, Deployment, IncidentSummary, ReviewRecord, RollbackRecord, SignOff, TimelineEntry } from '../plan/records.js';
import type { Unit } from './format.js';

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

export type ReportReview = ReviewRecord;
export type ReportSignOff = SignOff;

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

/** The Genesis monitoring plan's BAU monitoring schedule. */
export const BAU_SCHEDULE: readonly BauItem[] = [
  { id: 'daily-health-check', title: 'Daily health checks', cadence: 'daily', automated: true, detail: 'Automated: the health check and the critical SLOs, once a day.' },
  { id: 'weekly-performance-review', title: 'Weekly performance reviews', cadence: 'weekly', automated: false, detail: 'Compare HTDAG, HALO, AOP and throughput with the new baseline below.' },
  { id: 'monthly-capacity-planning', title: 'Monthly capacity planning', cadence: 'monthly', automated: false, detail: 'CPU, memory and disk trends against their warning levels.' },
  { id: 'quarterly-optimization', title: 'Quarterly optimization cycles', cadence: 'quarterly', automated: false, detail: 'Pick the slowest component and the noisiest alert to improve.' },
];

