// The handoff report's activity: reads the window's series from Prometheus, runs the plan's log
// archive command, writes <reportDir>/<deploymentId>/handoff-report.{md,html,json} and returns
// the paths and a Slack-ready summary (the workflow posts it).
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { asyncLocalStorage } from '@temporalio/activity';
import type { Logger } from 'pino';
import { sloKey, windowAverages, type WindowData } from '../plan/criteria/index.js';
import { parseDurationSeconds } from '../plan/duration.js';
import type { CommandResult } from '../plan/results.js';
import { planSchema, type AlertRule, type CommandSpec, type Plan } from '../plan/schema.js';
import {
  buildReport,
  renderHtml,
  renderJson,
  renderMarkdown,
  renderSummary,
  reportSpan,
  type ArchiveOutcome,
  type ReportReview,
  type ReportSeries,
  type ReportSignOff,
  type SeriesLine,
  type WindowJudgement,
} from '../report/index.js';
import type { CheckpointRecord, Deployment, IncidentSummary, RollbackRecord } from '../plan/records.js';
import { sharedCommandRunner, type CommandRunner } from '../command-runner/command-runner.js';
import { runCommand } from './commands.js';
import { criteriaQueries, queryWindows, windowedExpr, type WindowQuery } from './criteria.js';
import { prometheusClientFactory, type PrometheusClient, type PrometheusClientFactory } from './prometheus.js';

/** About one point per 10 minutes over 48 h: enough to see a half-hour burst, small enough to draw. */
export const MAX_CHART_POINTS = 300;

export interface ReportSeriesInput {
  slos: Plan['slos'];
  criteria: Plan['criteria'];
  prometheus: Plan['prometheus'];
  from: string;
  to: string;
  maxChartPoints?: number;
}

/** The chart step: a whole number of measurement windows, so each point is the worst window in it. */
export function chartStepSeconds(fromMs: number, toMs: number, measurementSeconds: number, maxPoints = MAX_CHART_POINTS): number {
  const spanSeconds = (toMs - fromMs) / 1000;
  return measurementSeconds * Math.max(1, Math.ceil(spanSeconds / maxPoints / measurementSeconds));
}

function chartQuery(key: string, expr: string, worse: 'above' | 'below', step: number, measurement: number, scrape: number): WindowQuery {
  const windowed = windowedExpr(expr, measurement, scrape);
  if (step <= measurement) return { key, expr: windowed, stepSeconds: step };
  // A coarse point keeps the worst measurement window inside it, so no breach falls between points.
  const fn = worse === 'above' ? 'max_over_time' : 'min_over_time';
  return { key, expr: `${fn}((${windowed})[${step}s:${measurement}s])`, stepSeconds: step };
}

function lineOf(key: string, title: string, unit: SeriesLine['unit'], worse: 'above' | 'below', data: WindowData | undefined): SeriesLine {
  if (!data) return { key, title, unit, points: [], error: 'not queried' };
  if ('error' in data) return { key, title, unit, points: [], error: data.error };
  const merged = new Map<number, number>();
  for (const s of data.series) {
    for (const [t, v] of s.samples) {
      if (!Number.isFinite(v)) continue;
      // Several series (one per host): the chart shows the worst, like the criteria.
      const seen = merged.get(t);
      merged.set(t, seen === undefined ? v : worse === 'above' ? Math.max(seen, v) : Math.min(seen, v));
    }
  }
  const points = [...merged.entries()].sort(([a], [b]) => a - b).map(([t, v]): [string, number] => [new Date(t * 1000).toISOString(), Number(v.toPrecision(8))]);
  return { key, title, unit, points };
}

/** The charts' series (critical SLOs and resources, coarse step) and the window averages for the new baseline. */
export async function fetchReportSeries(client: PrometheusClient, input: ReportSeriesInput, signal?: AbortSignal): Promise<ReportSeries> {
  const fromMs = Date.parse(input.from);
  const toMs = Date.parse(input.to);
  const measurement = parseDurationSeconds(input.criteria.measurementWindow);
  const scrape = parseDurationSeconds(input.prometheus.scrapeInterval);
  const step = chartStepSeconds(fromMs, toMs, measurement, input.maxChartPoints);
  const charted = [
    ...input.slos.critical
      .filter((s) => ['test-pass-rate', 'error-rate', 'p95-latency'].includes(s.id))
      .map((s) => ({ key: sloKey('critical', s.id), title: s.title, unit: s.unit, expr: s.expr, worse: s.op.startsWith('>') ? ('below' as const) : ('above' as const) })),
    ...input.slos.resources.map((s) => ({ key: sloKey('resources', s.id), title: s.title, unit: s.unit, expr: s.expr, worse: s.worse })),
  ];
  const levelQueries = criteriaQueries(input).filter((q) => !q.key.startsWith('critical/'));
  const [charts, levels] = await Promise.all([
    queryWindows(client, charted.map((c) => chartQuery(c.key, c.expr, c.worse, step, measurement, scrape)), fromMs, toMs, signal),
    queryWindows(client, levelQueries, fromMs, toMs, signal),
  ]);
  return {
    from: input.from,
    to: input.to,
    stepSeconds: step,
    lines: charted.map((c) => lineOf(c.key, c.title, c.unit, c.worse, charts[c.key])),
    averages: windowAverages({ slos: input.slos, data: levels, from: input.from, to: input.to }),
  };
}

export interface HandoffReportInput {
  deployment: Deployment;
  planName: string;
  /** The plan's handoff.reportDir; the report goes to <reportDir>/<deployment.id>/. */
  reportDir: string;
  /** The command plan.handoff.archiveCommand names, already looked up; null when none. */
  archiveCommand: CommandSpec | null;
  prometheus: Plan['prometheus'];
  slos: Plan['slos'];
  /** The plan's criteria (thresholds and measurement window); the schema's defaults when absent. */
  criteria?: Plan['criteria'];
  records: CheckpointRecord[];
  incidents: IncidentSummary[];
  /** Every judgement of the criteria, oldest first. */
  verdicts: WindowJudgement[];
  rollback: RollbackRecord | null;
  knownFlakyTests: string[];
  /** For runbook links in the incidents. */
  alerts?: Array<Pick<AlertRule, 'name' | 'runbook'>>;
  runbookBaseUrl?: string;
  reviews?: ReportReview[];
  signOffs?: ReportSignOff[];
}

export interface HandoffReportResult {
  /** Absolute path of the deployment's report folder. */
  dir: string;
  /** The three files: Markdown, HTML, JSON. */
  paths: string[];
  files: { markdown: string; html: string; json: string };
  archive: CommandResult | null;
  allCriteriaPassed: boolean;
  /** Slack mrkdwn, a few lines. */
  summary: string;
}

export interface ReportDeps {
  logger?: Logger;
  prometheusClient?: PrometheusClientFactory;
  /** The report's generation time (default: the worker's clock; it is only a label). */
  now?: () => number;
  /** Where the archive command runs (default: this process's shared runner). */
  runner?: CommandRunner;
}

/** A deployment id as one path segment: never `..`, never a separator. */
export function folderName(deploymentId: string): string {
  const safe = deploymentId.replace(/[^A-Za-z0-9._-]/g, '_');
  return /^\.*$/.test(safe) ? `_${safe}` : safe;
}

/** Write then rename, so a reader (or a retried attempt) never sees half a report. */
async function writeAtomically(path: string, text: string): Promise<void> {
  const temporary = `${path}.tmp-${process.pid}`;
  await writeFile(temporary, text);
  await rename(temporary, path);
}

async function archiveLogs(runner: CommandRunner, spec: CommandSpec, dir: string, input: HandoffReportInput, window: { from: string; to: string }): Promise<CommandResult> {
  // Outside a worker (tests, scripts) there is no activity context to heartbeat or cancel.
  const ctx = asyncLocalStorage.getStore();
  return await runCommand(runner, 'archive-logs', spec, {
    placeholders: {
      reportDir: dir,
      deploymentId: input.deployment.id,
      service: input.deployment.service,
      version: input.deployment.version,
      deployedAt: input.deployment.deployedAt,
      from: window.from,
      to: window.to,
    },
    signal: ctx?.cancellationSignal,
    onTick: ctx ? () => ctx.heartbeat() : undefined,
  });
}

function archiveOutcome(spec: CommandSpec | null, result: CommandResult | null, dir: string): ArchiveOutcome {
  if (!spec || !result) return { status: 'not-configured', detail: '' };
  if (result.ok) return { status: 'done', detail: `${spec.title} archived the logs into ${dir}.` };
  const why = result.error ?? `exit code ${result.exitCode}`;
  const tail = result.outputTail.trim().split('\n').slice(-2).join(' ');
  return { status: 'failed', detail: `${spec.title} failed (${why})${tail ? `: ${tail}` : ''}. Archive the logs by hand.` };
}

export function createReportActivity(deps: ReportDeps = {}) {
  const clientFor = deps.prometheusClient ?? prometheusClientFactory({ logger: deps.logger });
  const now = deps.now ?? Date.now;
  const runner = deps.runner ?? sharedCommandRunner();
  return async function writeHandoffReport(input: HandoffReportInput): Promise<HandoffReportResult> {
    const log = deps.logger?.child({ deploymentId: input.deployment.id });
    const criteria = input.criteria ?? planSchema.shape.criteria.parse(undefined);
    const window = reportSpan(input, input.deployment.deployedAt);
    const dir = resolve(input.reportDir, folderName(input.deployment.id));
    const ctx = asyncLocalStorage.getStore();
    // Series first: if Prometheus is down the activity retries before anything has run or been written.
    const series = await fetchReportSeries(clientFor(input.prometheus.url), { slos: input.slos, criteria, prometheus: input.prometheus, ...window }, ctx?.cancellationSignal);
    await mkdir(dir, { recursive: true });
    const archive = input.archiveCommand ? await archiveLogs(runner, input.archiveCommand, dir, input, window) : null;
    if (archive && !archive.ok) log?.warn({ exitCode: archive.exitCode, error: archive.error }, 'log archive command failed');
    const report = buildReport({
      deployment: input.deployment,
      planName: input.planName,
      generatedAt: new Date(now()).toISOString(),
      slos: input.slos,
      criteria,
      records: input.records,
      incidents: input.incidents,
      rollback: input.rollback,
      verdicts: input.verdicts,
      knownFlakyTests: input.knownFlakyTests,
      series,
      alerts: input.alerts,
      runbookBaseUrl: input.runbookBaseUrl,
      archive: archiveOutcome(input.archiveCommand, archive, dir),
      reviews: input.reviews,
      signOffs: input.signOffs,
    });
    const files = {
      markdown: join(dir, 'handoff-report.md'),
      html: join(dir, 'handoff-report.html'),
      json: join(dir, 'handoff-report.json'),
    };
    await writeAtomically(files.markdown, renderMarkdown(report));
    await writeAtomically(files.html, renderHtml(report));
    await writeAtomically(files.json, renderJson(report));
    log?.info({ dir, allCriteriaPassed: report.allCriteriaPassed, incidents: report.incidents.length }, 'handoff report written');
    return {
      dir,
      paths: [files.markdown, files.html, files.json],
      files,
      archive,
      allCriteriaPassed: report.allCriteriaPassed,
      summary: renderSummary(report, files.html),
    };
  };
}
