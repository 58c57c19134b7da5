// The seed's success criteria, judged over the whole window from Prometheus samples and the
// monitor's own record. Pure: no I/O, no Temporal; activities/criteria.ts fetches the samples.
// Every time in a result is an ISO-8601 string; samples carry Prometheus's epoch seconds.
import type { IncidentSummary, RollbackRecord } from './records.js';
import type { Sample, SeriesSamples } from './breaches.js';
import { formatDuration, parseDurationSeconds } from './duration.js';
import type { LevelSlo, Plan, Slo } from './schema.js';
import type { CriterionId, CriterionResult } from './criteria/result.js';

export { CRITERION_IDS, type CriterionId, type CriterionResult } from './criteria/result.js';

/** One run of a JUnit-reporting command by the monitor itself. */
export interface TestRun {
  at: string;
  command: string;
  /** Percent of executed tests that passed; null when nothing ran. */
  passRate: number | null;
}

export type SloGroup = 'critical' | 'performance' | 'resources';

/** What one query over the window returned: samples on the step grid, or why there are none. */
export type WindowData = { stepSeconds: number; series: SeriesSamples[] } | { stepSeconds: number; error: string };

export interface CriteriaEvidence {
  criteria: Plan['criteria'];
  slos: Plan['slos'];
  from: string;
  to: string;
  /** Keyed by `sloKey(group, id)`: each SLO expression over the window, on `windowGrid`. */
  data: Record<string, WindowData>;
  incidents: readonly IncidentSummary[];
  rollback: RollbackRecord | null;
  testRuns: readonly TestRun[];
}

/** Averages and trends over less than this share of the window say little about the whole of it. */
export const MIN_COVERAGE = 0.9;
/** A trend needs at least this many points. */
const MIN_TREND_POINTS = 3;
const DAY_SECONDS = 86_400;

export function sloKey(group: SloGroup, id: string): string {
  return `${group}/${id}`;
}

export interface WindowGrid {
  startMs: number;
  endMs: number;
  stepSeconds: number;
  count: number;
}

/**
 * The evaluation times that tile (from, to]: each point covers the step that ends at it, so the
 * first window never reaches back before the deployment. Ends exactly at `to`.
 */
export function windowGrid(fromMs: number, toMs: number, stepSeconds: number): WindowGrid {
  const stepMs = stepSeconds * 1000;
  const count = Math.max(1, Math.floor((toMs - fromMs) / stepMs + 1e-9));
  return { startMs: toMs - (count - 1) * stepMs, endMs: toMs, stepSeconds, count };
}

/** The critical SLO's step: its own window when that tiles the measurement window finer (uptime's 1m). */
export function criticalStepSeconds(slo: Slo, criteria: Plan['criteria']): number {
  return Math.min(parseDurationSeconds(slo.window), parseDurationSeconds(criteria.measurementWindow));
}

type Worse = 'above' | 'below';

interface Point {
  atMs: number;
  value: number;
}

interface Collapsed {
  /** One slot per grid point: the worst present value across series, or undefined. */
  values: Array<number | undefined>;
  grid: WindowGrid;
  present: number;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** `keepInfinite`: a +Inf P95 (beyond the largest bucket) is a breach, not missing data; averages drop it. */
function collapse(data: WindowData & { series: SeriesSamples[] }, from: string, to: string, worse: Worse, keepInfinite = false): Collapsed {
  const grid = windowGrid(Date.parse(from), Date.parse(to), data.stepSeconds);
  const stepMs = data.stepSeconds * 1000;
  const values = new Array<number | undefined>(grid.count).fill(undefined);
  for (const s of data.series) {
    for (const [ts, v] of s.samples as Sample[]) {
      if (Number.isNaN(v) || (!keepInfinite && !Number.isFinite(v))) continue;
      // Ten significant digits: PromQL's float noise (0.15000000000003) is not a value.
      const value = Number.isFinite(v) ? Number(v.toPrecision(10)) : v;
      const i = Math.round((ts * 1000 - grid.startMs) / stepMs);
      if (i < 0 || i >= grid.count) continue;
      const seen = values[i];
      values[i] = seen === undefined ? value : worse === 'above' ? Math.max(seen, value) : Math.min(seen, value);
    }
  }
  return { values, grid, present: values.filter((v) => v !== undefined).length };
}

function timeAt(grid: WindowGrid, i: number): number {
  return grid.startMs + i * grid.stepSeconds * 1000;
}

function points(c: Collapsed): Point[] {
  const out: Point[] = [];
  c.values.forEach((v, i) => {
    if (v !== undefined) out.push({ atMs: timeAt(c.grid, i), value: v });
  });
  return out;
}

/** Runs of consecutive grid indices for which `test` holds, as [first, last]. */
function runs(c: Collapsed, test: (v: number | undefined) => boolean): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  c.values.forEach((v, i) => {
    if (!test(v)) return;
    const last = out[out.length - 1];
    if (last && last[1] === i - 1) last[1] = i;
    else out.push([i, i]);
  });
  return out;
}

/** A run as the wall-clock span its windows cover: (start of the first window, end of the last]. */
function span(c: Collapsed, [first, last]: [number, number]): string {
  return `${iso(timeAt(c.grid, first) - c.grid.stepSeconds * 1000)} to ${iso(timeAt(c.grid, last))}`;
}

function spansText(c: Collapsed, list: Array<[number, number]>, max = 3): string {
  const shown = list.slice(0, max).map((r) => span(c, r));
  return list.length > max ? `${shown.join('; ')}; and ${list.length - max} more` : shown.join('; ');
}

type Unit = Slo['unit'];

/** Converts between the units a plan may state a value in; null when they measure different things. */
export function convertUnit(value: number, from: Unit, to: Unit): number | null {
  if (from === to) return value;
  if (from === 'ratio' && to === 'percent') return value * 100;
  if (from === 'percent' && to === 'ratio') return value / 100;
  return null;
}

function trimNumber(n: number, digits = 3): string {
  return String(Number(n.toPrecision(digits)));
}

/** A value for a sentence: 98.5%, 0.05%, 150 ms, 7.6 ops/s. */
export function describeValue(value: number, unit: Unit): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf';
  switch (unit) {
    case 'percent':
      return `${trimNumber(value, 4)}%`;
    case 'ratio':
      return `${trimNumber(value * 100, 3)}%`;
    case 'seconds':
      return value < 1 ? `${trimNumber(value * 1000, 3)} ms` : `${trimNumber(value, 3)} s`;
    case 'ops-per-second':
      return `${trimNumber(value, 3)} ops/s`;
    case 'boolean':
    case 'count':
      return trimNumber(value, 6);
  }
}

/** Percent changes to 0.01: float noise (4.7e-12%) is no change. */
function roundPercent(percent: number): number {
  return Math.round(percent * 100) / 100 + 0;
}

function signed(percent: number): string {
  const rounded = Math.round(percent * 10) / 10 + 0;
  return rounded > 0 ? `+${rounded}%` : `${rounded}%`;
}

function inconclusive(base: Pick<CriterionResult, 'id' | 'title' | 'threshold'>, detail: string, partial: Partial<CriterionResult> = {}): CriterionResult {
  return { value: null, worstAt: null, ...partial, ...base, passed: false, inconclusive: true, detail };
}

function findSlo(list: readonly Slo[], id: string): Slo | undefined {
  return list.find((s) => s.id === id);
}

interface SustainedSpec {
  id: CriterionId;
  title: string;
  sloId: string;
  unit: Unit;
  /** Which side of the limit fails. */
  worse: Worse;
  limit: number;
  /** True when the limit itself passes (≥ 98% passes at exactly 98). */
  limitPasses: boolean;
  threshold: string;
}

interface SustainedVerdict {
  state: 'pass' | 'fail' | 'inconclusive';
  worst: number | null;
  /** Null when there is no single worst window (no data, or every window alike). */
  worstAt: string | null;
  detail: string;
}

function breaches(value: number, spec: Pick<SustainedSpec, 'worse' | 'limit' | 'limitPasses'>): boolean {
  if (value === spec.limit) return !spec.limitPasses;
  return spec.worse === 'above' ? value > spec.limit : value < spec.limit;
}

/** Every window must meet the limit: one bad window fails it; a missing one leaves it unproven. */
function judgeSustained(e: CriteriaEvidence, spec: SustainedSpec): SustainedVerdict {
  const slo = findSlo(e.slos.critical, spec.sloId);
  const unknown = (detail: string): SustainedVerdict => ({ state: 'inconclusive', worst: null, worstAt: null, detail });
  if (!slo) return unknown(`the plan has no critical SLO '${spec.sloId}' to measure it with`);
  const data = e.data[sloKey('critical', slo.id)];
  if (!data) return unknown(`no query result for SLO '${slo.id}'`);
  if ('error' in data) return unknown(`the query for SLO '${slo.id}' failed: ${data.error}`);
  const factor = convertUnit(1, slo.unit, spec.unit);
  if (factor === null) return unknown(`SLO '${slo.id}' is in ${slo.unit}, which cannot be compared with ${spec.unit}`);
  const scaled = { ...data, series: data.series.map((s) => ({ ...s, samples: s.samples.map(([t, v]): Sample => [t, v * factor]) })) };
  const c = collapse(scaled, e.from, e.to, spec.worse, true);
  const windowText = formatDuration(c.grid.stepSeconds);
  if (c.present === 0) {
    const what = data.series.length === 0 ? 'no data' : 'only NaN';
    return unknown(`the query returned ${what} for all ${c.grid.count} ${windowText} windows`);
  }
  const present = points(c);
  const worstPoint = present.reduce((w, p) => ((spec.worse === 'above' ? p.value > w.value : p.value < w.value) ? p : w));
  // A flat series has no worst window to point at.
  const flat = present.every((p) => p.value === worstPoint.value);
  const worst = { worst: worstPoint.value, worstAt: flat ? null : iso(worstPoint.atMs) };
  const worstText = flat
    ? `every ${windowText} window with data at ${describeValue(worstPoint.value, spec.unit)}`
    : `worst ${windowText} window ${describeValue(worstPoint.value, spec.unit)} at ${iso(worstPoint.atMs)}`;
  const bad = runs(c, (v) => v !== undefined && breaches(v, spec));
  const missing = runs(c, (v) => v === undefined);
  const missingCount = missing.reduce((n, [a, b]) => n + b - a + 1, 0);
  if (bad.length > 0) {
    const badCount = bad.reduce((n, [a, b]) => n + b - a + 1, 0);
    return {
      state: 'fail',
      ...worst,
      detail: `${badCount} of ${c.grid.count} ${windowText} windows outside the limit (${spansText(c, bad)}); ${worstText}`,
    };
  }
  if (missingCount > 0) {
    return {
      state: 'inconclusive',
      ...worst,
      detail: `no data for ${missingCount} of ${c.grid.count} ${windowText} windows (${spansText(c, missing)}), so it is not proven for the whole window; ${worstText}`,
    };
  }
  return { state: 'pass', ...worst, detail: `all ${c.grid.count} ${windowText} windows within the limit; ${worstText}` };
}

function fromSustained(spec: SustainedSpec, v: SustainedVerdict): CriterionResult {
  return {
    id: spec.id,
    title: spec.title,
    passed: v.state === 'pass',
    value: v.worst,
    threshold: spec.threshold,
    worstAt: v.worstAt,
    detail: v.detail,
    ...(v.state === 'inconclusive' ? { inconclusive: true } : {}),
  };
}

function everyWindow(e: CriteriaEvidence): string {
  return `in every ${e.criteria.measurementWindow} window`;
}

function inWindow(e: CriteriaEvidence, at: string): boolean {
  const t = Date.parse(at);
  return t >= Date.parse(e.from) && t <= Date.parse(e.to);
}

function testPassRate(e: CriteriaEvidence): CriterionResult {
  const limit = e.criteria.testPassRatePercent;
  const spec: SustainedSpec = {
    id: 'test-pass-rate',
    title: 'Test pass rate',
    sloId: 'test-pass-rate',
    unit: 'percent',
    worse: 'below',
    limit,
    limitPasses: true,
    threshold: `≥ ${limit}% ${everyWindow(e)} and in every monitor test run`,
  };
  const hasSlo = findSlo(e.slos.critical, spec.sloId) !== undefined;
  const prom = hasSlo ? judgeSustained(e, spec) : null;
  const runs = e.testRuns.filter((r) => inWindow(e, r.at));
  const measured = runs.filter((r): r is TestRun & { passRate: number } => r.passRate !== null && Number.isFinite(r.passRate));
  const empty = runs.length - measured.length;
  const worstRun = measured.reduce<(typeof measured)[number] | null>((w, r) => (w === null || r.passRate < w.passRate ? r : w), null);
  const failedRuns = measured.filter((r) => r.passRate < limit);

  const parts: string[] = [];
  if (prom) parts.push(`Prometheus: ${prom.detail}`);
  else parts.push(`Prometheus: the plan has no critical SLO 'test-pass-rate'`);
  if (measured.length === 0) parts.push(`monitor runs: none with results in the window${empty ? ` (${empty} produced no tests)` : ''}`);
  else {
    const failing = failedRuns.length ? `${failedRuns.length} below ${limit}% (${failedRuns.slice(0, 3).map((r) => `${r.command} at ${r.at}: ${describeValue(r.passRate, 'percent')}`).join('; ')})` : `all ≥ ${limit}%`;
    parts.push(`monitor runs: ${measured.length}, ${failing}; worst ${describeValue(worstRun!.passRate, 'percent')} (${worstRun!.command} at ${worstRun!.at})${empty ? `; ${empty} produced no tests` : ''}`);
  }
  const detail = parts.join('. ');

  const candidates: Array<{ value: number; at: string | null }> = [];
  if (prom && prom.worst !== null) candidates.push({ value: prom.worst, at: prom.worstAt });
  if (worstRun) candidates.push({ value: worstRun.passRate, at: worstRun.at });
  const worst = candidates.reduce<(typeof candidates)[number] | null>((w, p) => (w === null || p.value < w.value ? p : w), null);
  const base = { id: spec.id, title: spec.title, threshold: spec.threshold, value: worst?.value ?? null, worstAt: worst?.at ?? null, detail };

  if (prom?.state === 'fail' || failedRuns.length > 0) return { ...base, passed: false };
  if (prom?.state === 'inconclusive' || (!prom && measured.length === 0)) return { ...base, passed: false, inconclusive: true };
  return { ...base, passed: true };
}

function errorRate(e: CriteriaEvidence): CriterionResult {
  const limit = e.criteria.errorRateRatio;
  const spec: SustainedSpec = {
    id: 'error-rate',
    title: 'Error rate',
    sloId: 'error-rate',
    unit: 'ratio',
    worse: 'above',
    limit,
    limitPasses: false,
    threshold: `< ${describeValue(limit, 'ratio')} ${everyWindow(e)}`,
  };
  return fromSustained(spec, judgeSustained(e, spec));
}

function p95Latency(e: CriteriaEvidence): CriterionResult {
  const limit = e.criteria.p95LatencySeconds;
  const spec: SustainedSpec = {
    id: 'p95-latency',
    title: 'P95 latency',
    sloId: 'p95-latency',
    unit: 'seconds',
    worse: 'above',
    limit,
    limitPasses: false,
    threshold: `< ${describeValue(limit, 'seconds')} ${everyWindow(e)}`,
  };
  return fromSustained(spec, judgeSustained(e, spec));
}

/** Uptime is a whole-window average (the SLO's 1m windows tile the window), not a per-window limit. */
function uptime(e: CriteriaEvidence): CriterionResult {
  const limit = e.criteria.uptimePercent;
  const base = { id: 'uptime' as const, title: 'Service uptime', threshold: `≥ ${limit}% over the whole window` };
  const slo = findSlo(e.slos.critical, 'uptime');
  if (!slo) return inconclusive(base, `the plan has no critical SLO 'uptime' to measure it with`);
  const data = e.data[sloKey('critical', slo.id)];
  if (!data) return inconclusive(base, `no query result for SLO '${slo.id}'`);
  if ('error' in data) return inconclusive(base, `the query for SLO '${slo.id}' failed: ${data.error}`);
  const factor = convertUnit(1, slo.unit, 'percent');
  if (factor === null) return inconclusive(base, `SLO '${slo.id}' is in ${slo.unit}, not a percentage`);
  const c = collapse(data, e.from, e.to, 'below');
  const pts = points(c).map((p) => ({ ...p, value: p.value * factor }));
  const windowText = formatDuration(c.grid.stepSeconds);
  if (pts.length === 0) {
    return inconclusive(base, `the query returned ${data.series.length === 0 ? 'no data' : 'only NaN'} for all ${c.grid.count} ${windowText} windows`);
  }
  const average = pts.reduce((s, p) => s + p.value, 0) / pts.length;
  const worst = pts.reduce((w, p) => (p.value < w.value ? p : w));
  const down = runs(c, (v) => v !== undefined && v * factor < 100);
  const missing = runs(c, (v) => v === undefined);
  const missingCount = missing.reduce((n, [a, b]) => n + b - a + 1, 0);
  const downText = down.length
    ? `; below 100% in ${spansText(c, down)}; worst window ${describeValue(worst.value, 'percent')} at ${iso(worst.atMs)}`
    : '; never below 100%';
  const text = `${describeValue(average, 'percent')} over ${pts.length} ${windowText} windows${downText}`;
  const result = { ...base, value: average, worstAt: down.length ? iso(worst.atMs) : null };
  if (average < limit) return { ...result, passed: false, detail: text };
  if (missingCount > 0) {
    return inconclusive(base, `no data for ${missingCount} of ${c.grid.count} ${windowText} windows (${spansText(c, missing)}); ${text}`, result);
  }
  return { ...result, passed: true, detail: text };
}

function noUnresolvedP1(e: CriteriaEvidence): CriterionResult {
  const critical = e.incidents.filter((i) => i.priority === 'P0' || i.priority === 'P1');
  const open = critical.filter((i) => i.status !== 'resolved').sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  const base = { id: 'no-unresolved-p1' as const, title: 'No unresolved P1 incidents', threshold: '0 unresolved P0/P1 incidents', value: open.length };
  if (open.length > 0) {
    const list = open.map((i) => `#${i.number} ${i.alert} (${i.priority}, ${i.status} since ${i.startedAt})`).join('; ');
    return { ...base, passed: false, worstAt: open[0]!.startedAt, detail: `${open.length} unresolved: ${list}` };
  }
  const detail = critical.length === 0 ? 'no P0/P1 incidents' : `${critical.length} P0/P1 incident${critical.length === 1 ? '' : 's'}, all resolved`;
  return { ...base, passed: true, worstAt: null, detail };
}

function zeroRollbacks(e: CriteriaEvidence): CriterionResult {
  const base = { id: 'zero-rollbacks' as const, title: 'Zero rollbacks', threshold: '0 rollbacks' };
  const r = e.rollback;
  if (!r) return { ...base, passed: true, value: 0, worstAt: null, detail: 'no rollback' };
  const state = r.inProgress ? 'in progress' : r.ok ? 'completed' : 'failed';
  return { ...base, passed: false, value: 1, worstAt: r.at, detail: `rollback ${state} at ${r.at} by ${r.actor}: ${r.reason}` };
}

interface LevelWindow {
  slo: LevelSlo;
  points: Point[];
  coverage: number;
  average: number | null;
  error?: string;
}

type WindowSource = Pick<CriteriaEvidence, 'data' | 'from' | 'to'>;

function levelWindow(e: WindowSource, group: 'performance' | 'resources', slo: LevelSlo): LevelWindow {
  const data = e.data[sloKey(group, slo.id)];
  if (!data) return { slo, points: [], coverage: 0, average: null, error: 'no query result' };
  if ('error' in data) return { slo, points: [], coverage: 0, average: null, error: `the query failed: ${data.error}` };
  const c = collapse(data, e.from, e.to, slo.worse);
  const pts = points(c);
  const average = pts.length ? pts.reduce((s, p) => s + p.value, 0) / pts.length : null;
  return { slo, points: pts, coverage: pts.length / c.grid.count, average, ...(pts.length ? {} : { error: data.series.length ? 'only NaN' : 'no data' }) };
}

export interface WindowAverage {
  group: 'performance' | 'resources';
  id: string;
  /** Mean of the measurement windows that have data; null when none has. */
  average: number | null;
  /** Share of the windows with data (0–1). */
  coverage: number;
}

/** The window average of each performance and resource SLO: the handoff's new baseline values. */
export function windowAverages(e: WindowSource & Pick<CriteriaEvidence, 'slos'>): WindowAverage[] {
  return (['performance', 'resources'] as const).flatMap((group) =>
    e.slos[group].map((slo) => {
      const w = levelWindow(e, group, slo);
      return { group, id: slo.id, average: w.average, coverage: w.coverage };
    }),
  );
}

/** Worse than baseline, in percent of it: positive is slower (or less throughput), negative better. */
export function percentWorse(value: number, baseline: number, worse: Worse): number {
  return ((worse === 'above' ? value - baseline : baseline - value) / baseline) * 100;
}

function performanceBaseline(e: CriteriaEvidence): CriterionResult {
  const tolerance = e.criteria.performanceTolerancePercent;
  const base = {
    id: 'performance-baseline' as const,
    title: 'Performance within baseline',
    threshold: `window average ≤ ${tolerance}% worse than baseline (slower latency, lower throughput; better is fine)`,
  };
  if (e.slos.performance.length === 0) return inconclusive(base, 'the plan has no performance SLOs to compare');
  const lines: string[] = [];
  let worst: { percent: number; at: Point | null } | null = null;
  let failed = false;
  let unknown = false;
  let judged = 0;
  for (const slo of e.slos.performance) {
    if (slo.baseline === undefined) {
      lines.push(`${slo.title}: no baseline in the plan, not judged`);
      continue;
    }
    if (slo.baseline === 0) {
      // A relative tolerance of a zero baseline is meaningless (and Keptn's users hit exactly this).
      unknown = true;
      lines.push(`${slo.title}: baseline is 0, so "within ${tolerance}%" has no meaning; set a non-zero baseline`);
      continue;
    }
    const w = levelWindow(e, 'performance', slo);
    if (w.average === null) {
      unknown = true;
      lines.push(`${slo.title}: ${w.error ?? 'no data'} in the window`);
      continue;
    }
    const percent = percentWorse(w.average, slo.baseline, slo.worse);
    const over = percent > tolerance;
    const coverageShort = w.coverage < MIN_COVERAGE;
    const worstPoint = w.points.reduce<Point | null>((p, q) => (p === null || (slo.worse === 'above' ? q.value > p.value : q.value < p.value) ? q : p), null);
    const coverageText = w.coverage < 1 ? `, data for ${trimNumber(w.coverage * 100, 3)}% of the windows` : '';
    lines.push(`${slo.title}: ${describeValue(w.average, slo.unit)} vs baseline ${describeValue(slo.baseline, slo.unit)} (${signed(percent)}${over ? `, over the ${tolerance}% limit` : ''}${coverageText})`);
    judged++;
    if (over) failed = true;
    else if (coverageShort) {
      unknown = true;
      lines.push(`${slo.title}: too little data (under ${MIN_COVERAGE * 100}% of the windows) to trust the average`);
    }
    if (!worst || percent > worst.percent) worst = { percent, at: worstPoint };
  }
  const detail = lines.join('; ');
  const result = { ...base, value: worst ? roundPercent(worst.percent) : null, worstAt: worst?.at ? iso(worst.at.atMs) : null };
  if (failed) return { ...result, passed: false, detail };
  if (unknown || judged === 0) return inconclusive(base, judged === 0 && !unknown ? `no performance SLO has a baseline to compare with: ${detail}` : detail, result);
  return { ...result, passed: true, detail };
}

export interface Trend {
  /** Slope of the trend line (robust regression), in the value's unit per day. */
  slopePerDay: number;
  /** The trend line's level at the middle of the window. */
  level: number;
  /** Slope relative to that level, in percent per day. */
  growthPercentPerDay: number;
  /** The trend line at the first and last point. */
  fittedStart: number;
  fittedEnd: number;
  /** True when a daily cycle was fitted alongside the line (windows of a day or more). */
  dailyCycleRemoved: boolean;
}

/** Solves the square system a·x = b by Gaussian elimination with partial pivoting; null if singular. */
function solve(a: number[][], b: number[]): number[] | null {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]!]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(m[r]![col]!) > Math.abs(m[pivot]![col]!)) pivot = r;
    if (Math.abs(m[pivot]![col]!) < 1e-12) return null;
    [m[col], m[pivot]] = [m[pivot]!, m[col]!];
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const f = m[r]![col]! / m[col]![col]!;
      for (let c = col; c <= n; c++) m[r]![c]! -= f * m[col]![c]!;
    }
  }
  return m.map((row, i) => row[n]! / row[i]!);
}

/** Weighted least squares of `ys` on the columns of `rows` (each row one point); null if degenerate. */
function leastSquares(rows: number[][], ys: number[], weights: number[]): number[] | null {
  const k = rows[0]!.length;
  const ata = Array.from({ length: k }, (_, i) => Array.from({ length: k }, (_, j) => rows.reduce((s, r, n) => s + weights[n]! * r[i]! * r[j]!, 0)));
  const aty = Array.from({ length: k }, (_, i) => rows.reduce((s, r, n) => s + weights[n]! * r[i]! * ys[n]!, 0));
  return solve(ata, aty);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Tukey's bisquare constant: 95% efficiency on normal noise. */
const BISQUARE = 4.685;
const ROBUST_ITERATIONS = 20;

/**
 * Robust regression (iteratively reweighted least squares, Tukey's bisquare): points far from
 * the fit (a two-hour spike) lose their weight, so they cannot tilt the line.
 */
function robustFit(rows: number[][], ys: number[]): number[] | null {
  let weights = ys.map(() => 1);
  let fit = leastSquares(rows, ys, weights);
  for (let iteration = 0; fit && iteration < ROBUST_ITERATIONS; iteration++) {
    const current = fit;
    const residuals = rows.map((r, n) => ys[n]! - r.reduce((s, x, i) => s + x * current[i]!, 0));
    const scale = median(residuals.map(Math.abs)) / 0.6745;
    // Most points on the fit exactly: the rest are outliers.
    const next = scale < 1e-9 ? residuals.map((r) => (Math.abs(r) < 1e-9 ? 1 : 0)) : residuals.map((r) => Math.max(0, 1 - (r / (BISQUARE * scale)) ** 2) ** 2);
    if (next.every((w, n) => Math.abs(w - weights[n]!) < 1e-6)) break;
    weights = next;
    fit = leastSquares(rows, ys, weights);
  }
  return fit;
}

/**
 * The trend of a resource over the window; null with fewer than MIN_TREND_POINTS. A robust line,
 * fitted together with a daily cycle over windows of a day or more, so neither traffic's daily
 * rhythm nor a short spike reads as a leak.
 */
export function trend(pts: ReadonlyArray<{ atMs: number; value: number }>): Trend | null {
  if (pts.length < MIN_TREND_POINTS) return null;
  const days = pts.map((p) => p.atMs / 1000 / DAY_SECONDS);
  const mid = (days[0]! + days[days.length - 1]!) / 2;
  const spanDays = days[days.length - 1]! - days[0]!;
  if (spanDays <= 0) return null;
  // The points tile the window, so they cover one step more than first-to-last.
  const coveredDays = (spanDays * pts.length) / (pts.length - 1);
  const daily = coveredDays >= 1 - 1e-9 && pts.length >= 6;
  const rows = days.map((d) => (daily ? [1, d - mid, Math.sin(2 * Math.PI * d), Math.cos(2 * Math.PI * d)] : [1, d - mid]));
  const fit = robustFit(
    rows,
    pts.map((p) => p.value),
  );
  if (!fit) return null;
  const [level, slopePerDay] = fit as [number, number];
  // Relative to the level, so 10%/day means the same for a 20% disk and a 70% memory.
  const growthPercentPerDay = level === 0 ? 0 : (slopePerDay / Math.abs(level)) * 100;
  return {
    slopePerDay,
    level,
    growthPercentPerDay,
    fittedStart: level + slopePerDay * (days[0]! - mid),
    fittedEnd: level + slopePerDay * (days[days.length - 1]! - mid),
    dailyCycleRemoved: daily,
  };
}

function resourceStability(e: CriteriaEvidence): CriterionResult {
  const limit = e.criteria.resourceGrowthPercentPerDay;
  const base = { id: 'resource-stability' as const, title: 'Resource usage stable', threshold: `trend < ${limit}%/day growth for each resource (robust slope, daily cycle removed)` };
  if (e.slos.resources.length === 0) return inconclusive(base, 'the plan has no resource SLOs to watch');
  const lines: string[] = [];
  let worst: { growth: number; at: Point | null } | null = null;
  let failed = false;
  let unknown = false;
  for (const slo of e.slos.resources) {
    const w = levelWindow(e, 'resources', slo);
    const fit = trend(w.points);
    if (!fit) {
      unknown = true;
      lines.push(`${slo.title}: ${w.error ?? `too few points (${w.points.length}) for a trend`}`);
      continue;
    }
    const growing = fit.growthPercentPerDay >= limit;
    const peak = w.points.reduce((p, q) => (q.value > p.value ? q : p));
    const cycle = fit.dailyCycleRemoved ? ', daily cycle removed' : '';
    let line = `${slo.title}: ${signed(fit.growthPercentPerDay)}/day (trend ${describeValue(fit.fittedStart, slo.unit)} → ${describeValue(fit.fittedEnd, slo.unit)}${cycle}; peak ${describeValue(peak.value, slo.unit)} at ${iso(peak.atMs)})`;
    if (growing && fit.slopePerDay > 0 && fit.fittedEnd < slo.critical) {
      line += `, reaching the critical ${describeValue(slo.critical, slo.unit)} in about ${trimNumber((slo.critical - fit.fittedEnd) / fit.slopePerDay, 2)} days`;
    }
    if (w.coverage < MIN_COVERAGE) {
      if (!growing) unknown = true;
      line += `; data for only ${trimNumber(w.coverage * 100, 3)}% of the windows`;
    }
    lines.push(line);
    if (growing) failed = true;
    if (!worst || fit.growthPercentPerDay > worst.growth) worst = { growth: fit.growthPercentPerDay, at: peak };
  }
  const detail = lines.join('; ');
  const result = { ...base, value: worst ? roundPercent(worst.growth) : null, worstAt: worst?.at ? iso(worst.at.atMs) : null };
  if (failed) return { ...result, passed: false, detail };
  if (unknown) return inconclusive(base, detail, result);
  return { ...result, passed: true, detail };
}

/** One key order for every result, so stored and printed results read alike; ±Inf has no JSON form, so it is null (the detail says it). */
function canonical(r: CriterionResult): CriterionResult {
  const { id, title, passed, threshold, worstAt, detail } = r;
  const value = r.value !== null && Number.isFinite(r.value) ? r.value : null;
  return { id, title, passed, value, threshold, worstAt, detail, ...(r.inconclusive ? { inconclusive: true } : {}) };
}

/** All eight criteria, in the seed's order. */
export function judgeCriteria(evidence: CriteriaEvidence): CriterionResult[] {
  return [
    testPassRate(evidence),
    errorRate(evidence),
    p95Latency(evidence),
    uptime(evidence),
    noUnresolvedP1(evidence),
    performanceBaseline(evidence),
    resourceStability(evidence),
    zeroRollbacks(evidence),
  ].map(canonical);
}
